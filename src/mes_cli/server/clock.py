"""The server's clock: every rule that depends on time reads it from here.

Tests (and a server started with ``--dev``) move it forward instead of sleeping,
so that a 6-week opening or a 10-minute code expiry is checked in milliseconds.
The offset is kept in the database so that every process serving the same data
directory sees the same time.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

UTC = dt.timezone.utc


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC).replace(microsecond=0)


class Clock:
    """Wall time plus an offset; the offset is read through ``offset_source``."""

    def __init__(self, offset_source: Callable[[], int] = lambda: 0) -> None:
        self._offset_source = offset_source

    def now(self) -> dt.datetime:
        return utcnow() + dt.timedelta(seconds=self._offset_source())

    def today(self) -> dt.date:
        return self.now().date()


def to_iso(value: dt.datetime) -> str:
    return value.astimezone(UTC).isoformat()


def from_iso(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None
