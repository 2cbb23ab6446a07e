"""Checking the date of a dose before it goes into the booklet (DOMAIN.md §4)."""

from __future__ import annotations

from datetime import date

from mes_cli.contract.errors import invalid
from mes_cli.domain.vaccination.ages import dmy

from ...i18n import _


def validate_dose_date(d: date, birth_date: date, today: date) -> date:
    """Return ``d`` if it is on or after the birth date and not after ``today``.

    Otherwise raise ``INVALID_DATE`` on field ``date`` with a message saying which bound
    was crossed.  Reading what the person typed is the caller's job (``dates.parse_date``).
    """
    if d < birth_date:
        raise invalid(
            "INVALID_DATE",
            _("The vaccination date {date} is before the date of birth ({birth}); "
              "check the year.").format(date=dmy(d), birth=dmy(birth_date)),
            "date",
        )
    if d > today:
        raise invalid(
            "INVALID_DATE",
            _("The vaccination date {date} is in the future (today is {today}); "
              "record a dose once it has been given.").format(date=dmy(d), today=dmy(today)),
            "date",
        )
    return d
