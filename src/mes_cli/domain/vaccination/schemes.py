"""Which scheme of a dose series applies: the calendar's catch-up depends on the starting age.

A child who starts meningococcal B at 3 months gets 3 doses (3, 5, 12 months); one who
starts at 14 months gets 2 doses and a booster a year later; from 2 years, 2 doses.
HPV started before 15 takes 2 doses, from 15 three.  The calendar data lists, for such
a series, its schemes with the ages they start between (``schemes`` in the data file);
this module picks one:

- the series starts with its first recorded dose that counts for any of its rules (a
  meningococcal C dose of 2024 counts for the first ACWY dose, so it starts that series);
- with no dose recorded, it starts on the day asked about, or at the first recommended
  age of any scheme if that is later (a newborn is planned on the infant scheme);
- the scheme whose ``[starts_from, starts_before)`` ages hold that start applies; none
  (started too late: meningococcal B at 6) means the series is not recommended.

A series without schemes keeps all its rules.
"""

from __future__ import annotations

from datetime import date

from mes_cli.domain.vaccination.schedule import Rule, Scheme
from mes_cli.domain.vaccination.situation import Situation


def applicable_rules(rules: list[Rule], situation: Situation) -> list[Rule]:
    """The rules of the scheme that applies (all of them for a series without schemes)."""
    schemes = situation.calendar.schemes.get(rules[0].series, ()) if rules else ()
    if not schemes:
        return rules
    chosen = _scheme_at(schemes, situation.birth, _start(rules, schemes, situation))
    return [r for r in rules if chosen is not None and r.scheme == chosen.name]


def _start(rules: list[Rule], schemes: tuple[Scheme, ...], situation: Situation) -> date:
    firsts = [d.date for rule in rules for d in situation.doses_for(rule)]
    if firsts:
        return min(firsts)
    first_ages = [next(r for r in rules if r.scheme == s.name).due.after(situation.birth) for s in schemes]
    return max(situation.at, min(first_ages))


def _scheme_at(schemes: tuple[Scheme, ...], birth: date, start: date) -> Scheme | None:
    for scheme in schemes:
        if scheme.starts_from is not None and start < scheme.starts_from.after(birth):
            continue
        if scheme.starts_before is not None and start >= scheme.starts_before.after(birth):
            continue
        return scheme
    return None
