"""The reminder engine: which doses of the calendar a person should have, at a date.

Pure: the calendar and the catalogue are the package's data files; the booklet's doses
and the day come from the caller (the server passes its clock's today).
"""

from __future__ import annotations

from datetime import date

from mes_cli.contract.errors import invalid
from mes_cli.domain.vaccination.ages import dmy
from mes_cli.domain.vaccination.boosters import track_reminders
from mes_cli.domain.vaccination.model import STATUSES, Dose, Reminder
from mes_cli.domain.vaccination.schedule import Calendar, calendar as load_calendar
from mes_cli.domain.vaccination.seasons import seasonal_reminders
from mes_cli.domain.vaccination.series import series_reminders
from mes_cli.domain.vaccination.situation import Situation

from ...i18n import _


def reminders(
    birth_date: date, doses: list[Dose], at: date, calendar: Calendar | None = None
) -> list[Reminder]:
    """The doses overdue, due or coming soon on ``at``, most urgent first.

    ``calendar`` defaults to the 2025 edition; every age, window, tolerance and limit
    below comes from it.

    - **Satisfied**: a rule is satisfied by a recorded dose of its vaccine, or of a
      vaccine that counts as it (catalogue ``counts_as``: a hexavalent dose is a
      DTCaPolio dose), given no more than 1 month [ours] before the recommended age or
      any time later (until the rule's catch-up limit).  Doses are matched to a series'
      rules in date order: dose 1 takes the earliest dose, dose 2 the next, etc.; a
      dose that must follow the previous one by a minimum interval (HPV: 5 months)
      counts only if it does (see ``series``).
    - **due**: ``at`` is on or after ``due_from`` and, if the calendar gives a window end,
      on or before ``due_until``; without one, for 1 month [ours].
    - **overdue**: past the window end (or that month) and still within the catch-up
      limit (HPV to 26, pertussis to 39 years completed...); past it, the rule is not
      listed at all.
    - **upcoming**: due within the horizon (12 months [ours]); only the next dose of each
      series, and none for a series that already has a due or overdue dose.
    - **Adult boosters** (dTPolio 25, 45, 65, then every 10 years): a late or missed
      booster is caught up at once and the schedule resumes at the next fixed age more
      than 5 years later (calendrier 2025, rattrapage des rappels dTP chez l'adulte;
      see ``boosters``).
    - **Influenza, COVID-19 from 65**: due each season from 1 October (or the 65th
      birthday) to the end of February [ours]; a dose from 1 September counts (see
      ``seasons``).
    - **Ages** are counted with relativedelta from the birth date: a child born on
      29 February 2020 is 12 months old on 28 February 2021.

    Doses dated before the birth or after ``at`` are ignored (so asking about a past day
    shows what was due then), as are duplicates (same vaccine, same day).  An ``at``
    before the birth is ``INVALID_DATE`` on field ``at``.
    """
    if at < birth_date:
        raise invalid(
            "INVALID_DATE",
            _("The day asked about ({day}) is before the date of birth ({birth}).")
            .format(day=dmy(at), birth=dmy(birth_date)),
            "at",
        )
    cal = calendar if calendar is not None else load_calendar()
    situation = Situation(birth_date, at, _usable(doses, birth_date, at), cal)
    order = {rule.id: index for index, rule in enumerate(cal.rules)}
    found: list[Reminder] = []
    for series in dict.fromkeys(rule.series for rule in cal.rules):
        rules = cal.series(series)
        if rules[0].kind == "booster":
            listed = track_reminders(cal.tracks[series], rules, situation)
        elif rules[0].kind == "seasonal":
            listed = seasonal_reminders(rules, situation)
        else:
            listed = series_reminders(rules, situation)
        found.extend(_next_only(listed))
    return sorted(found, key=lambda r: (STATUSES.index(r.status), r.due_from, order[r.rule_id]))


def _usable(doses: list[Dose], birth: date, at: date) -> tuple[Dose, ...]:
    """The doses between the birth and ``at``, by date, one per vaccine and day."""
    kept: dict[tuple[str, date], Dose] = {}
    for dose in sorted(doses, key=lambda d: d.date):
        if birth <= dose.date <= at:
            kept.setdefault((dose.vaccine, dose.date), dose)
    return tuple(kept.values())


def _next_only(listed: list[Reminder]) -> list[Reminder]:
    """Within one series: every due or overdue dose, else the first upcoming one."""
    pressing = [r for r in listed if r.status != "upcoming"]
    if pressing:
        return pressing
    upcoming = sorted((r for r in listed if r.status == "upcoming"), key=lambda r: r.due_from)
    return upcoming[:1]
