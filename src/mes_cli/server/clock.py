"""The server's clock: every rule that depends on time reads it from here.

Tests (and a server started with ``--dev``) move it forward instead of sleeping,
so that a 6-week opening or a 10-minute code expiry is checked in milliseconds.
The offset is kept in the database so that every process serving the same data
directory sees the same time.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Callable

UTC = dt.timezone.utc


@cache
def france() -> dt.tzinfo:
    """Metropolitan France's time zone, read when a rule first needs it (not by every command)."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Paris")
    except Exception:  # no time zone database on this system: UTC is an hour or two off, no more
        return UTC


def __getattr__(name: str):
    if name == "FRANCE":  # `from .clock import FRANCE`
        return france()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC).replace(microsecond=0)


class Clock:
    """Wall time plus an offset; the offset is read through ``offset_source``."""

    def __init__(self, offset_source: Callable[[], int] = lambda: 0) -> None:
        self._offset_source = offset_source

    def now(self) -> dt.datetime:
        return utcnow() + dt.timedelta(seconds=self._offset_source())

    def today(self) -> dt.date:
        """The date in France: birthdays, expiries in days and "not in the future" follow it."""
        return self.now().astimezone(france()).date()


def to_iso(value: dt.datetime) -> str:
    return value.astimezone(UTC).isoformat()


def from_iso(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None
