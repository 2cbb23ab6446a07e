"""The one sentence each reminder carries: which vaccine, why, from when.

Example: "MMR dose 2 is due from 14/01/2022 (recommended at 16–18 months); not recorded."
Dates are day first (dd/mm/yyyy) like everywhere in mes.  The sentence is in the current
language; the vaccine's label, the dose and the recommended age come from the calendar data.
"""

from __future__ import annotations

from datetime import date

from mes_cli.domain.vaccination.ages import dmy

from ...i18n import N_, _

# The main clause, by (status, a window end is known, a recommended age is given).
_HEADS = {
    ("upcoming", False): N_("{vaccine} {dose} will be due from {due_from}"),
    ("upcoming", True): N_("{vaccine} {dose} will be due from {due_from} (recommended {recommended})"),
    ("due", False): N_("{vaccine} {dose} is due from {due_from}"),
    ("due", True): N_("{vaccine} {dose} is due from {due_from} (recommended {recommended})"),
    ("overdue", False): N_("{vaccine} {dose} is overdue: it was due from {due_from}"),
    ("overdue", True): N_("{vaccine} {dose} is overdue: it was due from {due_from} (recommended {recommended})"),
    ("overdue until", False): N_("{vaccine} {dose} is overdue: it was due from {due_from} to {due_until}"),
    ("overdue until", True): N_("{vaccine} {dose} is overdue: it was due from {due_from} to {due_until} "
                                "(recommended {recommended})"),
}


def sentence(
    label: str,
    dose: str,
    status: str,
    due_from: date,
    due_until: date | None,
    recommended: str,
    details: list[str],
) -> str:
    """``label dose`` + what the status means + ``(recommended ...)`` + ``; details``."""
    kind = "overdue until" if status not in ("upcoming", "due") and due_until is not None else status
    if kind not in ("upcoming", "due", "overdue until"):
        kind = "overdue"
    head = _(_HEADS[kind, bool(recommended)]).format(
        vaccine=f"{label[:1].upper()}{label[1:]}",
        dose=dose,
        due_from=dmy(due_from),
        due_until=dmy(due_until) if due_until is not None else "",
        recommended=recommended,
    )
    return "; ".join([head, *details]) + "."
