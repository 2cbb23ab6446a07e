"""What goes into the reminder engine (doses from the booklet) and what comes out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

DOSE_KINDS = ("first", "booster")
STATUSES = ("overdue", "due", "upcoming")
RECORDED_BY = ("person", "professional")


@dataclass(frozen=True, slots=True)
class Dose:
    """A dose recorded in the booklet: the vaccine's catalogue code and the date given.

    ``kind`` is what the booklet says (first immunisation or booster, DOMAIN.md §4).  The
    engine does not use it to match doses to rules: a dose recorded as "first" is still a
    dose of that vaccine on that date, and matching by date is what the calendar does.
    ``recorded_by`` says who wrote it in the booklet: the person (or their parent), or a
    professional (a dose read from a professional's document, later).  The engine counts
    both the same; the FHIR export tells them apart (``Immunization.primarySource``).
    """

    vaccine: str
    date: date
    kind: str = "first"
    recorded_by: str = "person"

    def __post_init__(self) -> None:
        if self.kind not in DOSE_KINDS:
            raise ValueError(f"Dose.kind must be one of {DOSE_KINDS}, not {self.kind!r}")
        if self.recorded_by not in RECORDED_BY:
            raise ValueError(f"Dose.recorded_by must be one of {RECORDED_BY}, not {self.recorded_by!r}")


@dataclass(frozen=True, slots=True)
class Reminder:
    """One dose to give: overdue, due now, or coming (whatever the horizon: callers filter).

    ``due_from`` is the earliest date the dose is recommended: its age in the calendar, or
    later when a minimum interval after the previous dose of the series says so (then
    ``waits_for`` names that previous rule when its dose is not recorded yet, and
    ``due_from`` is counted as if it were given on the day asked about, or its own date if
    later).  ``due_until`` is the end of the recommended window when the calendar gives
    one; ``catch_up_until`` the last day a missed dose is still recommended.  ``reason`` is
    one sentence for people (in the current language); ``rule_id`` names the calendar rule,
    ``series`` its series, ``source`` the text it comes from.  ``product`` is the vaccine to
    give when it differs from ``vaccine`` (a dTPolio booster is given with a dTcaPolio
    vaccine since Revaxis was withdrawn).
    """

    vaccine: str
    vaccine_name: str
    dose: str
    status: str
    due_from: date
    due_until: date | None
    reason: str
    rule_id: str
    series: str = ""
    source: str = ""
    waits_for: str | None = None
    catch_up_until: date | None = None
    product: str | None = None
    product_name: str | None = None
    dose_label: str = ""  # ``dose`` in the current language, for people (``dose`` stays English for scripts)
