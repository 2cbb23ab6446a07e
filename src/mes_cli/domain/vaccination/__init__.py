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
    reminders(birth_date, doses, at, calendar=None) -> list[Reminder]
    validate_dose_date(d, birth_date, today) -> date
"""

from __future__ import annotations

from mes_cli.domain.vaccination.catalogue import Vaccine, catalogue, find_vaccine, search_vaccines
from mes_cli.domain.vaccination.model import DOSE_KINDS, STATUSES, Dose, Reminder
from mes_cli.domain.vaccination.reminders import reminders
from mes_cli.domain.vaccination.schedule import Calendar, Rule, calendar, editions
from mes_cli.domain.vaccination.validation import validate_dose_date

__all__ = [
    "DOSE_KINDS",
    "STATUSES",
    "Calendar",
    "Dose",
    "Reminder",
    "Rule",
    "Vaccine",
    "calendar",
    "catalogue",
    "editions",
    "find_vaccine",
    "reminders",
    "search_vaccines",
    "validate_dose_date",
]
