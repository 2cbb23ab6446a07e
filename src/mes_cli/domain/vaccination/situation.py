"""What every rule evaluator needs: the person, the day asked about, the doses, the calendar.

Also the one place that turns an evaluator's finding into a :class:`Reminder`, so the
three kinds of rule word and name things the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
    ) -> Reminder | None:
        """The reminder for a dose not given, or None when it is beyond the horizon.

        ``dose`` is the calendar's wording (``booster at {age}``, filled from ``dose_fields``):
        English in the ``dose`` field, which scripts read, and in the current language in the
        sentence, like ``recommended``.  ``details`` follow the main clause whatever the status;
        ``missing`` is added when the dose is due or overdue, ``if_overdue`` when it is overdue.
        Callers pass them translated; the default ``missing`` is translated here.
        """
        status = status_of(self.at, due_from, due_until, self.calendar.settings)
        if status is None:
            return None
        fields = dose_fields or {}
        known = vaccine_by_code(vaccine)
        label = _(known.label) if known else vaccine  # the short label; the official name stays French
        if status != "upcoming" and missing:
            details = [*details, _(NOT_RECORDED) if missing is NOT_RECORDED else missing]
        if status == "overdue":
            details = [*details, *if_overdue]
        return Reminder(
            vaccine=vaccine,
            vaccine_name=known.name if known else vaccine,
            dose=dose.format(**fields),
            status=status,
            due_from=due_from,
            due_until=due_until,
            reason=sentence(label, _(dose).format(**fields), status, due_from, due_until,
                            _(recommended) if recommended else "", details),
            rule_id=rule.id,
        )
