"""The server's clock: every rule that depends on time reads it from here.

Tests (and a server started with ``--dev``) move it forward instead of sleeping,
so that a 6-week opening or a 10-minute code expiry is checked in milliseconds.
The offset is kept in the database so that every process serving the same data
directory sees the same time.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Callable, Iterator

UTC = dt.timezone.utc


@cache
def france() -> dt.tzinfo:
    """Metropolitan France's time zone, read when a rule first needs it (not by every command)."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Paris")
    except Exception:  # no time zone database on this system: UTC is an hour or two off, no more
        return UTC


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC).replace(microsecond=0)


# The offset read during the current request, if one is being served (``one_reading_per_request``).
_reading: ContextVar[list[int] | None] = ContextVar("clock_offset_of_the_request", default=None)


class Clock:
    """Wall time plus an offset; the offset is read through ``offset_source`` (a development server's
    is in its database: another process may move it), at most once per request being served."""

    def __init__(self, offset_source: Callable[[], int] = lambda: 0) -> None:
        self._offset_source = offset_source

    def now(self) -> dt.datetime:
        return utcnow() + dt.timedelta(seconds=self._offset())

    def _offset(self) -> int:
        reading = _reading.get()
        if reading is None:
            return self._offset_source()
        if not reading:
            reading.append(self._offset_source())
        return reading[0]

    def moved(self) -> None:
        """The offset has just changed: the request that changed it reads it again."""
        reading = _reading.get()
        if reading:
            reading.clear()

    def today(self) -> dt.date:
        """The date in France: birthdays, expiries in days and "not in the future" follow it."""
        return self.now().astimezone(france()).date()


@contextmanager
def one_reading_per_request() -> Iterator[None]:
    """Within it, the offset is read once (a query per ``now()`` was a tenth of an upload's server time)."""
    token = _reading.set([])
    try:
        yield
    finally:
        _reading.reset(token)


def to_iso(value: dt.datetime) -> str:
    return value.astimezone(UTC).isoformat()


def from_iso(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None
