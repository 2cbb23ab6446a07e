"""Vaccinations: the reference list of vaccines, the official calendar, the reminders.

Pure rules with no I/O but reading this package's own data files (``data/``):

- ``vaccines.json``: the catalogue (codes, French names, diseases, brand aliases);
- ``calendar-2025.json``: the French calendar (calendrier des vaccinations 2025) as data,
  so a new edition is a new file, not new code.

Public API::

    catalogue() -> list[Vaccine]
    find_vaccine(query) -> Vaccine            # code, name or brand; error with suggestions
    search_vaccines(query) -> list[Vaccine]   # substring over codes, names, brands, diseases
    calendar(edition="2025") -> Calendar      # .source, .edition, .rules
    reminders(birth_date, doses, at, calendar=None, horizon=None) -> list[Reminder]
    next_doses(birth_date, doses, at, calendar=None) -> list[Reminder]   # every series' next dose
    parse_horizon("10y") -> Age; within(reminders, next, at, horizon)    # other horizons
    validate_dose_date(d, birth_date, today) -> date
    vaccine_by_code(code), vaccine_for_atc(atc) -> Vaccine | None
    doses_from(immunizations, birth_date, today) -> (doses, notes)   # a professional's document's doses
"""

from __future__ import annotations

from mes_cli.domain.vaccination.catalogue import (
    Vaccine,
    catalogue,
    find_vaccine,
    search_vaccines,
    vaccine_by_code,
    vaccine_for_atc,
)
from mes_cli.domain.vaccination.ages import Age
from mes_cli.domain.vaccination.horizon import parse_horizon, within
from mes_cli.domain.vaccination.model import DOSE_KINDS, RECORDED_BY, STATUSES, Dose, Reminder
from mes_cli.domain.vaccination.recorded import RecordedDose, doses_from
from mes_cli.domain.vaccination.reminders import next_doses, reminders
from mes_cli.domain.vaccination.schedule import Calendar, Rule, calendar, editions
from mes_cli.domain.vaccination.validation import validate_dose_date

__all__ = [
    "DOSE_KINDS",
    "RECORDED_BY",
    "Age",
    "STATUSES",
    "Calendar",
    "Dose",
    "RecordedDose",
    "Reminder",
    "Rule",
    "Vaccine",
    "calendar",
    "catalogue",
    "doses_from",
    "editions",
    "find_vaccine",
    "next_doses",
    "parse_horizon",
    "reminders",
    "search_vaccines",
    "validate_dose_date",
    "vaccine_by_code",
    "vaccine_for_atc",
    "within",
]
