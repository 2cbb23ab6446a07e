"""How far ahead reminders look: ``--horizon 10y``, ``18m``, ``6w``, ``30d`` or ``1y6m``.

A horizon is an :class:`Age` (calendar years and months, not day counts: "12 months"
from 31 January ends on 31 January), so it is read here once for the CLI and the domain.
:func:`within` builds the reminders of any horizon from the two lists the server sends
(the default reminders and every series' next dose), so a client can look ten years
ahead without the server knowing about horizons at all.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Protocol

from mes_cli.contract.errors import invalid
from mes_cli.domain.vaccination.ages import Age

from ...i18n import _

_PART = re.compile(r"(\d+)([ymwd])")
_LONGEST = 150  # years: a longer horizon is surely a typo


def parse_horizon(text: str) -> Age:
    """``10y``, ``18m``, ``6w``, ``30d`` or a combination (``1y6m``); anything else is a
    ``VALIDATION_ERROR`` on field ``horizon`` naming the accepted form."""
    compact = (text or "").strip().lower().replace(" ", "")
    parts = _PART.findall(compact)
    if not compact or "".join(n + u for n, u in parts) != compact or len({u for _n, u in parts}) != len(parts):
        raise invalid(
            "VALIDATION_ERROR",
            _("{text!r} is not a horizon; write a number and a unit: 10y (years), 18m (months), 6w (weeks) "
              "or 30d (days), or a combination such as 1y6m.").format(text=text),
            "horizon",
        )
    amounts = {unit: int(number) for number, unit in parts}
    age = Age(years=amounts.get("y", 0), months=amounts.get("m", 0), days=amounts.get("d", 0) + 7 * amounts.get("w", 0))
    if age.years + age.months / 12 + age.days / 365 > _LONGEST:
        raise invalid("VALIDATION_ERROR", _("A horizon of more than {years} years is not useful; "
                                            "`mes vaccins next` lists every next dose however far.")
                      .format(years=_LONGEST), "horizon")
    return age


class _Listed(Protocol):
    series: str
    status: str
    due_from: date


def within(reminders: list[_Listed], next_doses: list[_Listed], at: date, horizon: Age) -> list[_Listed]:
    """The reminders ``reminders`` would hold with ``horizon`` instead of the default one.

    A series with a due or overdue dose keeps every missing dose (the engine lists them
    whatever the horizon); any other series shows its next dose if it comes by
    ``at + horizon``.  Most urgent first, then by date, as the engine sorts.
    """
    limit = horizon.after(at)
    pressing = {r.series for r in reminders if r.status != "upcoming"}
    kept = [r for r in reminders if r.series in pressing]
    kept += [n for n in next_doses if n.series not in pressing and n.status == "upcoming" and n.due_from <= limit]
    order = ("overdue", "due", "upcoming")
    return sorted(kept, key=lambda r: (order.index(r.status), r.due_from))
