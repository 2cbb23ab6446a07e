"""Dose rules: the doses of one series (hexavalent 2, 4, 11 months; HPV 1 and 2...).

How a series is read (documented for people in the reminders' docstring too):

- Doses are matched to the series' rules in date order: the rule of dose 1 takes the
  earliest dose that fits it, dose 2 the next one, and so on.  A dose fits a rule when
  it is of the rule's vaccine or of one that counts as it (a hexavalent dose is a
  DTCaPolio dose), given no more than ``early_tolerance`` (1 month [ours]) before the
  recommended age, at least ``min_interval`` after the dose matched to the previous
  rule, and before the rule's catch-up limit.  A late dose counts.
- A rule with a ``min_interval`` is only listed once the previous dose is recorded: its
  due date depends on that dose (HPV dose 2 comes 5 months after dose 1), and listing it
  before would only repeat the reminder of the previous dose.  Its due date is the
  later of the recommended age and the previous dose plus the interval; when that is
  past the window end, the window no longer applies.
- A rule whose ``born_on_or_after`` excludes the person (MMR catch-up: born since 1980)
  does not apply; a rule past its ``catch_up_ends`` age is dropped.
"""

from __future__ import annotations

from datetime import date, timedelta

from mes_cli.domain.vaccination.ages import dmy
from mes_cli.domain.vaccination.model import Dose, Reminder
from mes_cli.domain.vaccination.schedule import Rule
from mes_cli.domain.vaccination.situation import Situation

from ...i18n import _


def series_reminders(rules: list[Rule], situation: Situation) -> list[Reminder]:
    """Reminders for the rules of one series of ``dose`` rules, in the series' order."""
    birth, at = situation.birth, situation.at
    used: set[Dose] = set()
    previous: tuple[Rule, date] | None = None  # the last rule's matched dose, if any
    found: list[Reminder] = []
    for rule in rules:
        if rule.born_on_or_after and birth < rule.born_on_or_after:
            previous = None
            continue
        ends = rule.catch_up_ends.after(birth) if rule.catch_up_ends else None
        matched = _match(rule, situation, previous, ends, used)
        if matched is not None:
            used.add(matched)
            previous = (rule, matched.date)
            continue
        after, previous = previous, None
        if rule.min_interval and after is None:
            continue
        if ends is not None and at >= ends:
            continue
        reminder = _reminder(rule, situation, after, ends)
        if reminder is not None:
            found.append(reminder)
    return found


def _match(
    rule: Rule, situation: Situation, previous: tuple[Rule, date] | None, ends: date | None, used: set[Dose]
) -> Dose | None:
    """The earliest unused dose that fits ``rule`` (see the module docstring)."""
    floor = situation.calendar.settings.early_tolerance.before(rule.due.after(situation.birth))
    if rule.min_interval and previous is not None:
        floor = max(floor, rule.min_interval.after(previous[1]))
    for dose in situation.doses_counting_for(rule.vaccine):
        if dose not in used and dose.date >= floor and (ends is None or dose.date < ends):
            return dose
    return None


def _reminder(
    rule: Rule, situation: Situation, after: tuple[Rule, date] | None, ends: date | None
) -> Reminder | None:
    birth = situation.birth
    due_from = rule.due.after(birth)
    details: list[str] = []
    if rule.min_interval and after is not None:
        earliest = rule.min_interval.after(after[1])
        if earliest > due_from:
            due_from = earliest
            details.append(
                _("at least {interval} after {dose} given on {date}")
                .format(interval=rule.min_interval.text(), dose=after[0].dose, date=dmy(after[1]))
            )
    due_until = rule.due_until.after(birth) if rule.due_until else None
    if due_until is not None and due_until < due_from:
        due_until = None
    catch_up = (_("catch-up recommended until {date}").format(date=dmy(ends - timedelta(days=1))),) if ends else ()
    return situation.reminder(
        rule, rule.vaccine, rule.dose, due_from, due_until, rule.recommended, details, if_overdue=catch_up
    )
