"""The reminder engine: which doses of the calendar a person should have, at a date.

Pure: the calendar and the catalogue are the package's data files; the booklet's doses
and the day come from the caller (the server passes its clock's today).  Two views of
the same plan:

- :func:`reminders`: what to act on, most urgent first, up to a horizon (12 months by
  default): for a series with a due or overdue dose, every missing dose with its
  earliest date; for the others, the next dose if it comes within the horizon;
- :func:`next_doses`: for every series, its next recommended dose, however far ahead
  ("when is my next booster?").
"""

from __future__ import annotations

from datetime import date

from mes_cli.contract.errors import invalid
from mes_cli.domain.vaccination.ages import Age, dmy
from mes_cli.domain.vaccination.boosters import track_reminders
from mes_cli.domain.vaccination.model import STATUSES, Dose, Reminder
from mes_cli.domain.vaccination.schedule import Calendar, calendar as load_calendar
from mes_cli.domain.vaccination.seasons import seasonal_reminders
from mes_cli.domain.vaccination.series import series_reminders
from mes_cli.domain.vaccination.situation import Situation

from ...i18n import _


def reminders(
    birth_date: date, doses: list[Dose], at: date, calendar: Calendar | None = None, horizon: Age | None = None
) -> list[Reminder]:
    """The doses overdue, due or coming on ``at``, most urgent first.

    ``calendar`` defaults to the 2025 edition; every age, window, tolerance and limit
    below comes from it, ``horizon`` too unless given (``upcoming_horizon``, 12 months).

    - **Satisfied**: a rule is satisfied by a recorded dose of its vaccine, or of a
      vaccine that counts as it (catalogue ``counts_as``: a hexavalent dose is a
      DTCaPolio dose) or that the rule accepts (a meningococcal C dose given before 2025
      for the first ACWY dose), given no more than 1 month [ours] before the recommended
      age (or from the rule's ``valid_from``: MMR from 12 months) or any time later
      (until the rule's catch-up limit).  Doses are matched to a series' rules in date
      order, on the scheme chosen by the age the series started at (``schemes``); a dose
      that must follow the previous one by a minimum interval counts only if it does.
    - **due**: ``at`` is on or after ``due_from`` and, if the calendar gives a window end,
      on or before ``due_until``; without one, for 1 month [ours].
    - **overdue**: past the window end (or that month) and still within the catch-up
      limit (HPV to 26, pertussis to 39, meningococcal to the 5th birthday...); past it,
      the rule is not listed at all.
    - **upcoming**: ``due_from`` is after ``at`` and within the horizon: only the next
      dose of each series...
    - ...except in a series with a due or overdue dose: then every missing dose is listed
      with its earliest date given the minimum intervals (the previous dose counted as
      given on ``at``), saying which dose it waits for, whatever the horizon.
    - **Adult boosters** (25, 45, 65, then every 10 years): a late or missed booster is
      caught up at once, named as a catch-up, and the schedule resumes at the next fixed
      age more than 5 years later (calendrier 2025, rattrapage des rappels dTP chez
      l'adulte; see ``boosters``).
    - **Influenza, COVID-19 from 65**: due each season from 1 October (or the 65th
      birthday) to the end of February [ours]; a dose from 1 September counts (see
      ``seasons``).
    - **Ages** are counted with relativedelta from the birth date: a child born on
      29 February 2020 is 12 months old on 28 February 2021.

    Doses dated before the birth or after ``at`` are ignored (so asking about a past day
    shows what was due then), as are duplicates (same vaccine, same day).  An ``at``
    before the birth is ``INVALID_DATE`` on field ``at``.
    """
    cal, plan = _plan(birth_date, doses, at, calendar)
    limit = (horizon if horizon is not None else cal.settings.upcoming_horizon).after(at)
    found: list[Reminder] = []
    for listed in plan.values():
        if any(r.status != "upcoming" for r in listed):
            found.extend(listed)
        else:
            found.extend(r for r in listed[:1] if r.due_from <= limit)
    return _sorted(found, cal)


def next_doses(birth_date: date, doses: list[Dose], at: date, calendar: Calendar | None = None) -> list[Reminder]:
    """For each series with a dose still to give, the first one (overdue, due or upcoming,
    however far ahead), soonest first; same rules as :func:`reminders`."""
    cal, plan = _plan(birth_date, doses, at, calendar)
    firsts = [min(listed, key=lambda r: r.due_from) for listed in plan.values() if listed]
    order = {rule.id: index for index, rule in enumerate(cal.rules)}
    return sorted(firsts, key=lambda r: (r.due_from, order[r.rule_id]))


def _plan(birth_date: date, doses: list[Dose], at: date, calendar: Calendar | None
          ) -> tuple[Calendar, dict[str, list[Reminder]]]:
    """Every dose not given, by series (in file order), with its status on ``at``."""
    if at < birth_date:
        raise invalid(
            "INVALID_DATE",
            _("The day asked about ({day}) is before the date of birth ({birth}).")
            .format(day=dmy(at), birth=dmy(birth_date)),
            "at",
        )
    cal = calendar if calendar is not None else load_calendar()
    situation = Situation(birth_date, at, _usable(doses, birth_date, at), cal)
    plan: dict[str, list[Reminder]] = {}
    for series in dict.fromkeys(rule.series for rule in cal.rules):
        rules = cal.series(series)
        if rules[0].kind == "booster":
            plan[series] = track_reminders(cal.tracks[series], rules, situation)
        elif rules[0].kind == "seasonal":
            plan[series] = seasonal_reminders(rules, situation)
        else:
            plan[series] = series_reminders(rules, situation)
    return cal, plan


def _sorted(found: list[Reminder], cal: Calendar) -> list[Reminder]:
    order = {rule.id: index for index, rule in enumerate(cal.rules)}
    return sorted(found, key=lambda r: (STATUSES.index(r.status), r.due_from, order[r.rule_id]))


def _usable(doses: list[Dose], birth: date, at: date) -> tuple[Dose, ...]:
    """The doses between the birth and ``at``, by date, one per vaccine and day."""
    kept: dict[tuple[str, date], Dose] = {}
    for dose in sorted(doses, key=lambda d: d.date):
        if birth <= dose.date <= at:
            kept.setdefault((dose.vaccine, dose.date), dose)
    return tuple(kept.values())
