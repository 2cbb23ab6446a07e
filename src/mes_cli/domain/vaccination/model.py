"""What goes into the reminder engine (doses from the booklet) and what comes out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

DOSE_KINDS = ("first", "booster")
STATUSES = ("overdue", "due", "upcoming")


@dataclass(frozen=True, slots=True)
class Dose:
    """A dose recorded in the booklet: the vaccine's catalogue code and the date given.

    ``kind`` is what the booklet says (first immunisation or booster, DOMAIN.md §4).  The
    engine does not use it to match doses to rules: a dose recorded as "first" is still a
    dose of that vaccine on that date, and matching by date is what the calendar does.
    """

    vaccine: str
    date: date
    kind: str = "first"

    def __post_init__(self) -> None:
        if self.kind not in DOSE_KINDS:
            raise ValueError(f"Dose.kind must be one of {DOSE_KINDS}, not {self.kind!r}")


@dataclass(frozen=True, slots=True)
class Reminder:
    """One dose to give: overdue, due now, or coming within the horizon.

    ``due_until`` is the end of the recommended window when the calendar gives one;
    ``reason`` is one sentence for people (in the current language); ``rule_id`` names the calendar rule.
    """

    vaccine: str
    vaccine_name: str
    dose: str
    status: str
    due_from: date
    due_until: date | None
    reason: str
    rule_id: str
