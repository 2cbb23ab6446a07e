"""Dose rules: the doses of one series (hexavalent 2, 4, 11 months; HPV 1 and 2...).

How a series is read (documented for people in the reminders' docstring too):

- The scheme that applies is chosen first by the age the series starts at (``schemes``).
- Doses are matched to the scheme's rules in date order: the rule of dose 1 takes the
  earliest dose that fits it, dose 2 the next one, and so on.  A dose fits a rule when
  it is of the rule's vaccine or of one that counts as it (a hexavalent dose is a
  DTCaPolio dose) or that the rule accepts (transitions), given no more than
  ``early_tolerance`` (1 month [ours]) before the recommended age (or from ``valid_from``
  when the rule sets it), at least ``min_interval`` after the dose matched to the previous
  rule, and before the rule's catch-up limit.  A late dose counts.
- Every dose not recorded is planned, with the earliest date it may be given: its
  recommended age, or ``min_interval`` after the previous dose if that is later.  When the
  previous dose is not recorded either, it is counted as given on the day asked about (or
  on its own earliest date if that is later), so a catch-up of three missing doses lists
  all three with their spacing, and the reminder says which dose it waits for.  When that
  date is past the window end, the window no longer applies.
- A rule whose birth cohort excludes the person (MMR catch-up: born since 1980) does not
  apply; a rule is dropped once its ``catch_up_ends`` age is reached on the day asked
  about or on its earliest date; a rule with ``listed_from`` is not listed before that age.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from mes_cli.domain.vaccination.ages import dmy
from mes_cli.domain.vaccination.model import Dose, Reminder
from mes_cli.domain.vaccination.schedule import Rule
from mes_cli.domain.vaccination.schemes import applicable_rules
from mes_cli.domain.vaccination.situation import Situation, catch_up_sentence

from ...i18n import _


@dataclass(frozen=True, slots=True)
class _Previous:
    """The dose before: its rule, its date (given, or planned), and whether it is recorded."""

    rule: Rule
    date: date
    given: bool


def series_reminders(rules: list[Rule], situation: Situation) -> list[Reminder]:
    """Every dose of the series not recorded, in the scheme's order, with its earliest date."""
    birth, at = situation.birth, situation.at
    used: set[Dose] = set()
    previous: _Previous | None = None
    found: list[Reminder] = []
    for rule in applicable_rules(rules, situation):
        if not rule.born_in_cohort(birth):
            previous = None
            continue
        ends = rule.catch_up_ends.after(birth) if rule.catch_up_ends else None
        matched = _match(rule, situation, previous, ends, used) if previous is None or previous.given else None
        if matched is not None:
            used.add(matched)
            previous = _Previous(rule, matched.date, True)
            continue
        due_from, details, waits_for = _earliest(rule, situation, previous)
        previous = _Previous(rule, max(due_from, at), False)
        if ends is not None and (at >= ends or due_from >= ends):
            continue
        if rule.listed_from and at < rule.listed_from.after(birth):
            continue  # another series carries it until then (hepatitis B in the hexavalent)
        found.append(_reminder(rule, situation, due_from, details, waits_for, ends))
    return found


def _match(
    rule: Rule, situation: Situation, previous: _Previous | None, ends: date | None, used: set[Dose]
) -> Dose | None:
    """The earliest unused dose that fits ``rule`` (see the module docstring)."""
    birth = situation.birth
    floor = (rule.valid_from.after(birth) if rule.valid_from
             else situation.calendar.settings.early_tolerance.before(rule.due.after(birth)))
    if rule.min_interval and previous is not None:
        floor = max(floor, rule.min_interval.after(previous.date))
    for dose in situation.doses_for(rule):
        if dose not in used and dose.date >= floor and (ends is None or dose.date < ends):
            return dose
    return None


def _earliest(rule: Rule, situation: Situation, previous: _Previous | None) -> tuple[date, list[str], str | None]:
    """The earliest date of a missing dose, why (when an interval decides it), and the rule it waits for."""
    birth = situation.birth
    due_from = max(a.after(birth) for a in (rule.due, rule.valid_from, rule.listed_from) if a is not None)
    details: list[str] = []
    waits_for = None
    if rule.min_interval and previous is not None:
        earliest = rule.min_interval.after(previous.date)
        if not previous.given:
            waits_for = previous.rule.id
        if earliest > due_from:
            due_from = earliest
            if previous.given:
                details.append(_("at least {interval} after {dose} given on {date}").format(
                    interval=rule.min_interval.text(), dose=_(previous.rule.dose), date=dmy(previous.date)))
            else:
                details.append(_("at least {interval} after {dose}, which is not recorded yet: counted from {date}")
                               .format(interval=rule.min_interval.text(), dose=_(previous.rule.dose),
                                       date=dmy(previous.date)))
    return due_from, details, waits_for


def _reminder(rule: Rule, situation: Situation, due_from: date, details: list[str], waits_for: str | None,
              ends: date | None) -> Reminder:
    due_until = rule.due_until.after(situation.birth) if rule.due_until else None
    if due_until is not None and due_until < due_from:
        due_until = None
    last_day = ends - timedelta(days=1) if ends else None
    return situation.reminder(
        rule, rule.vaccine, rule.dose, due_from, due_until, rule.recommended, details,
        if_overdue=(catch_up_sentence(last_day),) if last_day else (), waits_for=waits_for,
        catch_up_until=last_day,
    )
