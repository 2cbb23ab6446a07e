"""One-time codes bound to a purpose: login, contact verification, password reset.

A challenge is a row keyed by the hash of a random id the client holds; the code
(6 digits, or a random link token) is stored as a keyed hash. It expires, it is
single use, and after ``otp_max_tries`` wrong codes it is void.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass

from ...contract.errors import MesError
from ...i18n import _
from ..clock import from_iso, to_iso
from ..context import ServerContext
from ..security import token_hash


@dataclass(frozen=True)
class Outcome:
    """What a code check found; ``row`` is the challenge when the code was right."""

    ok: bool
    row: sqlite3.Row | None
    attempts_left: int


def create(ctx: ServerContext, *, challenge_id: str, purpose: str, person_id: str | None, channel: str,
           destination: str | None, code: str | None, lifetime: dt.timedelta, now: dt.datetime,
           parent: str | None = None) -> None:
    ctx.store.run(
        "INSERT INTO challenges(id_hash, purpose, person_id, parent, channel, destination, code_hash,"
        " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (token_hash(challenge_id), purpose, person_id, parent, channel, destination,
         ctx.secrets.code_hash(code) if code else None, to_iso(now), to_iso(now + lifetime)),
    )


def find(ctx: ServerContext, challenge_id: str, purpose: str) -> sqlite3.Row | None:
    return ctx.store.one("SELECT * FROM challenges WHERE id_hash = ? AND purpose = ?",
                         (token_hash(challenge_id), purpose))


def live(row: sqlite3.Row | None, ctx: ServerContext, now: dt.datetime) -> bool:
    return (row is not None and row["used_at"] is None and now < from_iso(row["expires_at"])
            and row["tries"] < ctx.policy.otp_max_tries)


def check_code(ctx: ServerContext, row: sqlite3.Row, code: str, now: dt.datetime,
               verifier=None) -> Outcome:
    """Checks a code against a challenge; marks it used when right.

    The try is counted *before* the code is compared, in the same transaction,
    so that parallel guesses cannot get more than ``otp_max_tries`` comparisons.
    """
    max_tries = ctx.policy.otp_max_tries
    with ctx.store.transaction() as conn:
        counted = conn.execute(
            "UPDATE challenges SET tries = tries + 1 WHERE id_hash = ? AND used_at IS NULL AND tries < ?",
            (row["id_hash"], max_tries),
        )
        if counted.rowcount != 1:
            return Outcome(False, None, 0)
        tries = conn.execute("SELECT tries FROM challenges WHERE id_hash = ?", (row["id_hash"],)).fetchone()[0]
        ok = verifier(code) if verifier else ctx.secrets.code_matches(code, row["code_hash"])
        if ok:
            conn.execute("UPDATE challenges SET used_at = ? WHERE id_hash = ?", (to_iso(now), row["id_hash"]))
            return Outcome(True, row, max_tries - tries)
    return Outcome(False, None, max_tries - tries)


def wrong_code_error(outcome: Outcome, exhausted: str) -> MesError:
    """The error for a wrong code; ``exhausted`` is the whole (translated) message for when no try is left."""
    if outcome.attempts_left <= 0:
        return MesError("TOO_MANY_ATTEMPTS", exhausted, {"attempts_left": 0})
    return MesError("INVALID_CODE",
                    _("This code is not the one we sent; {attempts} attempt(s) left.").format(
                        attempts=outcome.attempts_left),
                    {"attempts_left": outcome.attempts_left})
