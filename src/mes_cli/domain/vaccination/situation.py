"""What every rule evaluator needs: the person, the day asked about, the doses, the calendar.

Also the one place that turns an evaluator's finding into a :class:`Reminder`, so the
three kinds of rule word, name and source things the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mes_cli.domain.vaccination.ages import dmy
from mes_cli.domain.vaccination.catalogue import counting_for, vaccine_by_code
from mes_cli.domain.vaccination.model import Dose, Reminder
from mes_cli.domain.vaccination.schedule import Calendar, Rule
from mes_cli.domain.vaccination.timing import status_of
from mes_cli.domain.vaccination.wording import sentence

from ...i18n import N_, _

NOT_RECORDED = N_("not recorded")  # the default ``missing``, translated when used


@dataclass(frozen=True)
class Situation:
    """``doses`` are only those given between the birth and ``at`` (inclusive), by date."""

    birth: date
    at: date
    doses: tuple[Dose, ...]
    calendar: Calendar

    def doses_counting_for(self, code: str) -> list[Dose]:
        """The doses that count for a rule about ``code`` (equivalent vaccines included)."""
        accepted = counting_for(code)
        return [d for d in self.doses if d.vaccine in accepted]

    def doses_for(self, rule: Rule) -> list[Dose]:
        """The doses that count for ``rule``: of its vaccine or an equivalent one, or of a
        vaccine the rule ``accepts`` when given before its transition date; by date."""
        accepted = counting_for(rule.vaccine)
        return [d for d in self.doses if d.vaccine in accepted or any(
            d.vaccine in counting_for(a.vaccine) and (a.given_before is None or d.date < a.given_before)
            for a in rule.accepts)]

    def reminder(
        self,
        rule: Rule,
        vaccine: str,
        dose: str,
        due_from: date,
        due_until: date | None,
        recommended: str,
        details: list[str],
        *,
        missing: str | None = NOT_RECORDED,
        if_overdue: tuple[str, ...] = (),
        dose_fields: dict[str, object] | None = None,
        late_dose: str = "",
        waits_for: str | None = None,
        catch_up_until: date | None = None,
    ) -> Reminder:
        """The reminder for a dose not given (whatever its distance: callers keep what they list).

        ``dose`` is the calendar's wording (``booster at {age}``, filled from ``dose_fields``):
        English in the ``dose`` field, which scripts read, and in the current language in the
        sentence, like ``recommended``; ``late_dose`` replaces it once the dose is overdue (a
        fixed-age booster is then a catch-up).  ``details`` follow the main clause whatever the
        status; ``missing`` is added when the dose is due or overdue, ``if_overdue`` when it is
        overdue, then what to give when the vaccine is not marketed on its own.  Callers pass
        them translated; the default ``missing`` is translated here.
        """
        status = status_of(self.at, due_from, due_until, self.calendar.settings)
        fields = dose_fields or {}
        if status == "overdue" and late_dose:
            dose = late_dose
        known = vaccine_by_code(vaccine)
        label = _(known.label) if known else vaccine  # the short label; the official name stays French
        if status != "upcoming" and missing:
            details = [*details, _(NOT_RECORDED) if missing is NOT_RECORDED else missing]
        if status == "overdue":
            details = [*details, *if_overdue]
        product = vaccine_by_code(known.substitute) if known and known.substitute else None
        if product is not None:
            details = [*details, _("given with a {product} vaccine: no {vaccine} vaccine is on the market")
                       .format(product=_(product.label), vaccine=label)]
        return Reminder(
            vaccine=vaccine,
            vaccine_name=known.name if known else vaccine,
            dose=dose.format(**fields),
            dose_label=_(dose).format(**fields),
            status=status,
            due_from=due_from,
            due_until=due_until,
            reason=sentence(label, _(dose).format(**fields), status, due_from, due_until,
                            _(recommended) if recommended else "", details),
            rule_id=rule.id,
            series=rule.series,
            source=self.calendar.citation(rule),
            waits_for=waits_for,
            catch_up_until=catch_up_until,
            product=product.code if product else None,
            product_name=product.name if product else None,
        )


def catch_up_sentence(last_day: date) -> str:
    """'catch-up recommended until 09/01/2027' (the last day, inclusive)."""
    return _("catch-up recommended until {date}").format(date=dmy(last_day))
