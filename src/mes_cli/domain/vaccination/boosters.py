"""Booster tracks: fixed-age boosters and how a late or missed one is caught up.

The adult dTPolio boosters are due at fixed ages (25 with pertussis, 45, 65, then every
10 years), not at fixed intervals.  Calendrier 2025, rattrapage des rappels dTP chez
l'adulte (the rules set for the 2013 move to fixed ages), read as follows — every
figure comes from the track's data:

- The last recorded booster is the latest dose of any vaccine that counts as dTPolio
  (dTcaPolio, DTCaPolio, hexavalent... given at any age).
- The next booster is at the first fixed age that comes MORE than ``min_gap`` (5 years)
  after it: a booster at 40 skips 45 and the next one is at 65; a booster at 22 skips 25.
- A fixed age that has passed without such a booster is a catch-up booster due at
  once.  One dose covers every fixed age missed so far, so a single reminder is listed,
  named after the latest fixed age passed (a person of 70 with no booster recorded is
  reminded of the 65-year booster, due since their 65th birthday).  Once that dose is
  recorded, the 5-year rule above gives the next fixed age.
- The interval from the last booster to the next fixed age must not exceed ``max_gap``
  (25 years, 15 years for fixed ages from 75): otherwise the booster is due when that
  interval runs out, before the fixed age.  (With 20-year steps and the 5-year rule
  this cannot happen in the 2025 edition; it is kept so a new edition stays data.)
- A fixed age with a ``catch_up_ends`` (pertussis at 25: to 39 years completed) is
  caught up with its ``after_catch_up`` vaccine (dTPolio) once that age has passed, and
  the reminder says why the vaccine differs from the fixed age's own.
- An overdue fixed-age booster is named as the catch-up it is (the track's ``late``
  wording: "catch-up booster (booster at 25 missed)"), not as the booster of an age the
  person passed long ago.  A booster due in years is still returned: the caller decides
  how far ahead to list (``mes vaccins next`` shows it, reminders keep 12 months).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from mes_cli.domain.vaccination.ages import Age, dmy
from mes_cli.domain.vaccination.catalogue import vaccine_by_code
from mes_cli.domain.vaccination.model import Reminder
from mes_cli.domain.vaccination.schedule import BoosterTrack, Rule
from mes_cli.domain.vaccination.situation import Situation

from ...i18n import _

_OLDEST = 130  # years: fixed ages are not generated beyond


def track_reminders(track: BoosterTrack, rules: list[Rule], situation: Situation) -> list[Reminder]:
    """The track's next booster (one reminder at most), however far ahead it is."""
    birth, at = situation.birth, situation.at
    boosters = situation.doses_counting_for(track.counts)
    last = boosters[-1].date if boosters else None
    threshold = track.min_gap.after(last) if last else None
    following = (m for m in _milestones(rules, birth) if threshold is None or m[2] > threshold)
    nxt = next(following, None)
    if nxt is None:
        return []
    details = [_("last booster recorded on {date}").format(date=dmy(last))] if last else []
    catch_up_until = None
    if nxt[2] <= at:
        age, rule, due_from = max(
            (m for m in _milestones(rules, birth) if nxt[2] <= m[2] <= at), key=lambda m: m[2]
        )
        vaccine = rule.vaccine
        if rule.catch_up_ends:
            ended = rule.catch_up_ends.after(birth)
            if at >= ended:
                if not rule.after_catch_up:
                    return []
                vaccine = rule.after_catch_up
                details.append(_("{vaccine} rather than the {usual} of this booster: {why} (over since {date})").format(
                    vaccine=_label(vaccine), usual=_label(rule.vaccine),
                    why=_(rule.after_catch_up_why) if rule.after_catch_up_why else "", date=dmy(ended)))
            else:
                catch_up_until = ended - timedelta(days=1)
    else:
        age, rule, due_from = nxt
        vaccine = rule.vaccine
        gap = _max_gap(track, birth, due_from)
        if last is not None and gap is not None and gap.after(last) < due_from:
            due_from = gap.after(last)
    return [situation.reminder(
        rule,
        vaccine,
        rule.dose,
        due_from,
        None,
        track.recommended,
        details,
        missing=None if last else _("no booster recorded"),
        dose_fields={"age": age.years},
        late_dose=track.late_dose,
        catch_up_until=catch_up_until,
    )]


def _label(code: str) -> str:
    """A vaccine's short label in the current language (for sentences)."""
    known = vaccine_by_code(code)
    return _(known.label) if known else code


def _milestones(rules: list[Rule], birth: date) -> Iterator[tuple[Age, Rule, date]]:
    """(age, rule, date) of every fixed age, in order; the last rule may recur."""
    for rule in rules:
        yield rule.due, rule, rule.due.after(birth)
    last = rules[-1]
    if last.then_every:
        age = last.due.plus(last.then_every)
        while age.years <= _OLDEST:
            yield age, last, age.after(birth)
            age = age.plus(last.then_every)


def _max_gap(track: BoosterTrack, birth: date, milestone: date) -> Age | None:
    """The longest interval allowed before the fixed age on ``milestone``."""
    applicable = [g.gap for g in track.max_gaps if g.from_milestone.after(birth) <= milestone]
    return applicable[-1] if applicable else None
