"""Seasonal rules: a yearly campaign from an age (influenza and COVID-19 from 65).

For the season that starts in year Y (dates from the rule's ``season``; 2025 edition
[ours]: due from 1 October, over at the end of February, a dose from 1 September
counts):

- the person is concerned when they reach the rule's age before the season is over;
  the dose is then due from the season's start, or from that birthday if later;
- a dose of the vaccine (or of one counting as it) given from the season's
  ``counts_from`` day until the day before the same day a year later satisfies it;
- the reminder is "due" until the season is over (it has a window end, so it is never
  "overdue"); then the season is dropped and the next one is listed as upcoming.
"""

from __future__ import annotations

from datetime import date, timedelta

from mes_cli.domain.vaccination.ages import dmy
from mes_cli.domain.vaccination.model import Reminder
from mes_cli.domain.vaccination.schedule import Rule
from mes_cli.domain.vaccination.situation import Situation

from ...i18n import _


def seasonal_reminders(rules: list[Rule], situation: Situation) -> list[Reminder]:
    """The first season not covered and not over: the current one, else the next one to
    which the person is eligible (the 65th birthday may be years ahead)."""
    found: list[Reminder] = []
    for rule in rules:
        first = max(situation.at.year - 1, rule.due.after(situation.birth).year - 1)
        for year in range(first, first + 3):
            reminder = _season(rule, situation, year)
            if reminder is not None:
                found.append(reminder)
                break
    return found[:1]


def _season(rule: Rule, situation: Situation, year: int) -> Reminder | None:
    assert rule.season is not None  # checked when the calendar is loaded
    start = rule.season.due_from.on_or_after(date(year, 1, 1))
    ends = rule.season.ends_before.on_or_after(start + timedelta(days=1))
    # The last counts_from day on or before the start (1 September before 1 October).
    counts_from = rule.season.counts_from.on_or_after(date(start.year - 1, start.month, start.day))
    counts_until = rule.season.counts_from.on_or_after(counts_from + timedelta(days=1))
    eligible = rule.due.after(situation.birth)
    if eligible >= ends or situation.at >= ends:
        return None
    if any(counts_from <= d.date < counts_until for d in situation.doses_counting_for(rule.vaccine)):
        return None
    label = f"{start.year}–{ends.year}" if ends.year != start.year else str(start.year)
    return situation.reminder(
        rule,
        rule.vaccine,
        rule.dose,
        max(start, eligible),
        ends - timedelta(days=1),
        rule.recommended,
        [],
        missing=_("none recorded since {date}").format(date=dmy(counts_from)),
        dose_fields={"season": label},
    )
