"""The one English sentence each reminder carries: which vaccine, why, from when.

Example: "MMR dose 2 is due from 14/01/2022 (recommended at 16–18 months); not recorded."
Dates are day first (dd/mm/yyyy) like everywhere in mes.
"""

from __future__ import annotations

from datetime import date

from mes_cli.domain.vaccination.ages import dmy


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
    what = f"{label[:1].upper()}{label[1:]} {dose}"
    if status == "upcoming":
        head = f"{what} will be due from {dmy(due_from)}"
    elif status == "due":
        head = f"{what} is due from {dmy(due_from)}"
    else:
        until = f" to {dmy(due_until)}" if due_until is not None else ""
        head = f"{what} is overdue: it was due from {dmy(due_from)}{until}"
    if recommended:
        head += f" (recommended {recommended})"
    return "; ".join([head, *details]) + "."
