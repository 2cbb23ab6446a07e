"""Helpers shared by the services: ids, row lookups, throttles, the state of a space."""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
from dataclasses import dataclass
from typing import BinaryIO, Iterator

from ...contract.errors import MesError
from ...i18n import _
from ..clock import from_iso, to_iso
from ..context import ServerContext


@dataclass(frozen=True)
class FileResult:
    """Bytes to send as a download: a file or an iterator of chunks, and what to say about them."""

    body: BinaryIO | Iterator[bytes]
    media_type: str
    size: int
    sha256: str
    filename: str


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def next_seq(table: str) -> str:
    """SQL for the next insertion number of ``table`` (rows listed by time keep their order within a
    second); only inside a write transaction, which runs alone."""
    return f"(SELECT COALESCE(MAX(seq), 0) + 1 FROM {table})"


def effective_state(space: sqlite3.Row, now: dt.datetime) -> str:
    """A pending space opens by itself 6 weeks after the letter (CSP R1111-28)."""
    if space["state"] == "pending" and now >= from_iso(space["opens_at"]):
        return "open"
    return space["state"]


def person_by_nir(ctx: ServerContext, nir: str) -> sqlite3.Row | None:
    return ctx.store.one(
        "SELECT p.*, s.state, s.opens_at, s.identifier, s.totp_secret FROM persons p"
        " JOIN spaces s ON s.person_id = p.id WHERE p.nir = ?",
        (nir,),
    )


def person_by_id(ctx: ServerContext, person_id: str) -> sqlite3.Row | None:
    return ctx.store.one(
        "SELECT p.*, s.state, s.opens_at, s.identifier, s.totp_secret FROM persons p"
        " JOIN spaces s ON s.person_id = p.id WHERE p.id = ?",
        (person_id,),
    )


def space_of(ctx: ServerContext, person_id: str) -> sqlite3.Row:
    return ctx.store.one("SELECT * FROM spaces WHERE person_id = ?", (person_id,))


def seconds_until(moment: dt.datetime, now: dt.datetime) -> int:
    return max(1, int((moment - now).total_seconds() + 0.999))


class Throttle:
    """A counter per key over a sliding window, stored in the database.

    Keys are built from what the caller typed (a NIR, an identifier), whether or
    not it exists, so that a throttle never reveals who is registered.
    """

    def __init__(self, ctx: ServerContext, key: str, window: dt.timedelta) -> None:
        self._ctx, self.key, self._window = ctx, key, window

    def _row(self, now: dt.datetime) -> sqlite3.Row | None:
        row = self._ctx.store.one("SELECT * FROM throttles WHERE key = ?", (self.key,))
        if row and now - from_iso(row["first_at"]) >= self._window:
            return None
        return row

    def count(self, now: dt.datetime) -> int:
        row = self._row(now)
        return row["count"] if row else 0

    def last_at(self, now: dt.datetime) -> dt.datetime | None:
        row = self._row(now)
        return from_iso(row["last_at"]) if row else None

    def retry_at(self, now: dt.datetime) -> dt.datetime | None:
        row = self._row(now)
        return from_iso(row["first_at"]) + self._window if row else None

    def hit(self, now: dt.datetime) -> None:
        stamp = to_iso(now)
        with self._ctx.store.transaction() as conn:
            if self._row(now) is None:
                conn.execute(
                    "INSERT INTO throttles(key, count, first_at, last_at) VALUES (?, 1, ?, ?)"
                    " ON CONFLICT(key) DO UPDATE SET count = 1, first_at = excluded.first_at,"
                    " last_at = excluded.last_at",
                    (self.key, stamp, stamp),
                )
            else:
                conn.execute(
                    "UPDATE throttles SET count = count + 1, last_at = ? WHERE key = ?", (stamp, self.key)
                )

    def clear(self) -> None:
        self._ctx.store.run("DELETE FROM throttles WHERE key = ?", (self.key,))


def enforce_min_delay(ctx: ServerContext, key: str, now: dt.datetime) -> None:
    """At most one request per ``new_code_min_delay`` for the key (MIN_DELAY_ERROR)."""
    delay = ctx.policy.new_code_min_delay
    throttle = Throttle(ctx, key, delay)
    last = throttle.last_at(now)
    if last is not None and now - last < delay:
        wait = seconds_until(last + delay, now)
        raise MesError(
            "MIN_DELAY_ERROR",
            _("A request was made less than {delay} seconds ago; wait {wait} s and try again.").format(
                delay=int(delay.total_seconds()), wait=wait),
            {"retry_after_seconds": wait},
        )
    throttle.hit(now)
