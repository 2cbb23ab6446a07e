"""Ages and calendar days as the calendar data writes them.

An age is ``{"years": 11, "months": 0, "days": 0}`` counted from the date of birth with
``dateutil.relativedelta``, so "12 months" lands on the same day of the month a year
later and a child born on 29 February 2020 is 12 months old on 28 February 2021 (the
month has no 29th; relativedelta clips to its last day).  Keeping ages as data rather
than as day counts is what lets a new calendar edition be a data change only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta

from ...i18n import _, ngettext

_UNITS = ("years", "months", "days")


@dataclass(frozen=True, slots=True)
class Age:
    """A span of years, months and days (the last can be negative: "the day before")."""

    years: int = 0
    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, raw: Any, where: str) -> Age:
        """Read ``{"years": .., "months": .., "days": ..}``; a data error names ``where``."""
        if not isinstance(raw, dict) or not raw or set(raw) - set(_UNITS):
            raise ValueError(f"{where}: an age is an object with years/months/days, got {raw!r}")
        if not all(type(v) is int for v in raw.values()):
            raise ValueError(f"{where}: age values must be integers, got {raw!r}")
        return cls(**raw)

    def after(self, start: date) -> date:
        """The day this span after ``start`` (years and months first, then days)."""
        return start + relativedelta(years=self.years, months=self.months, days=self.days)

    def before(self, end: date) -> date:
        """The day this span before ``end``."""
        return end - relativedelta(years=self.years, months=self.months, days=self.days)

    def plus(self, other: Age) -> Age:
        return Age(self.years + other.years, self.months + other.months, self.days + other.days)

    def text(self) -> str:
        """'5 months', '1 year and 2 months': for reminder sentences."""
        parts = []
        if self.years:
            parts.append(ngettext("{n} year", "{n} years", self.years).format(n=self.years))
        if self.months:
            parts.append(ngettext("{n} month", "{n} months", self.months).format(n=self.months))
        if self.days:
            parts.append(ngettext("{n} day", "{n} days", self.days).format(n=self.days))
        if not parts:
            return ngettext("{n} day", "{n} days", 0).format(n=0)
        text = parts[0]
        for part in parts[1:]:
            text = _("{first} and {last}").format(first=text, last=part)
        return text


@dataclass(frozen=True, slots=True)
class MonthDay:
    """A day of the year (1 October), for seasonal campaigns."""

    month: int
    day: int

    @classmethod
    def parse(cls, raw: Any, where: str) -> MonthDay:
        if not isinstance(raw, dict) or set(raw) != {"month", "day"}:
            raise ValueError(f"{where}: expected {{'month', 'day'}}, got {raw!r}")
        value = cls(raw["month"], raw["day"])
        value.on_or_after(date(2001, 1, 1))  # a non-leap year: refuses 29 February too
        return value

    def on_or_after(self, start: date) -> date:
        """The first such day on or after ``start``."""
        try:
            candidate = date(start.year, self.month, self.day)
        except (TypeError, ValueError):
            raise ValueError(f"{self.day}/{self.month} is not a day of every year") from None
        return candidate if candidate >= start else date(start.year + 1, self.month, self.day)


def dmy(value: date) -> str:
    """French day-first display, as everywhere in mes."""
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
