"""Reading dates typed by people, and computing ages.

French users write the day first (12/03/2021 is 12 March), so every ambiguous form is
read day-first, and nothing is guessed: a strict parser of a few known shapes is used
instead of ``dateutil``'s fuzzy one, which would silently read ``03/12`` or ``21`` in
ways the person did not mean.  Two-digit years are refused for the same reason.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from mes_cli.contract.errors import MesError, invalid
from mes_cli.domain._text import fold

from ..i18n import N_, _

BIRTH_DATE_MIN = date(1900, 1, 1)

_MONTH_NAMES = (  # translated where shown
    N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
    N_("July"), N_("August"), N_("September"), N_("October"), N_("November"), N_("December"),
)
# Folded (lower case, no accent) French and English month names and abbreviations.
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "janvier janv jan january",
            "fevrier fevr fev february feb",
            "mars mar march",
            "avril avr april apr",
            "mai may",
            "juin june jun",
            "juillet juil july jul",
            "aout august aug",
            "septembre sept sep september",
            "octobre oct october",
            "novembre nov november",
            "decembre dec december",
        ),
        start=1,
    )
    for name in names.split()
}
_SHAPES = (
    # 12/03/2021, 12-03-2021, 12.03.2021 (day first, same separator twice)
    re.compile(r"(?P<d>[0-9]{1,2}) ?(?P<s>[/.-]) ?(?P<m>[0-9]{1,2}) ?(?P=s) ?(?P<y>[0-9]+)"),
    # 2021-03-12, 2021/03/12 (a 4-digit year first is unambiguous)
    re.compile(r"(?P<y>[0-9]{4}) ?(?P<s>[/.-]) ?(?P<m>[0-9]{1,2}) ?(?P=s) ?(?P<d>[0-9]{1,2})"),
    # 12 mars 2021, 1er mars 2021, 12 févr. 2021, 1st March 2021
    re.compile(r"(?P<d>[0-9]{1,2})(?:er|st|nd|rd|th)? (?P<m>[a-z]+)\.? (?P<y>[0-9]+)"),
)
# How messages name the fields that hold dates (translated where shown); others: the field's name.
_LABELS = {
    "birth_date": N_("date of birth"),
    "date": N_("date"),
    "document_date": N_("document date"),
    "start_date": N_("start date"),
    "end_date": N_("end date"),
    "since": N_("since"),
    "until": N_("until"),
    "at": N_("at"),
}


def parse_date(
    raw: str,
    field: str = "date",
    *,
    today: date | None = None,
    allow_future: bool = False,
    not_before: date | None = None,
    not_before_label: str = "",
) -> date:
    """Return the date ``raw`` denotes, or raise ``INVALID_DATE`` on ``field``.

    Accepted: ``12/03/2021``, ``12-03-2021``, ``12.03.2021``, ``2021-03-12``,
    ``12 mars 2021``, ``1er mars 2021``, ``12 March 2021`` (French or English month
    names, with or without accents, abbreviated or not).  Future dates are refused
    unless ``allow_future``; ``not_before`` is a lower bound that ``not_before_label``
    (e.g. "the date of birth") names in the message.
    """
    label = _(_LABELS[field]) if field in _LABELS else field.replace("_", " ")
    value = _read(raw, label, field)
    today = today or date.today()
    if not allow_future and value > today:
        raise _error(
            field, _("The {label} is in the future; check the year (today is {today}).")
            .format(label=label, today=_dmy(today))
        )
    if not_before is not None and value < not_before:
        bound = _dmy(not_before)
        if not_before_label:
            bound = f"{not_before_label} ({bound})"
        raise _error(field, _("The {label} cannot be before {bound}; check the year.").format(label=label, bound=bound))
    return value


def parse_birth_date(raw: str, today: date | None = None) -> date:
    """A date of birth: not in the future, not before 1 January 1900."""
    return parse_date(raw, "birth_date", today=today, not_before=BIRTH_DATE_MIN)


def age_on(birth: date, on: date) -> int:
    """Age in full years on ``on``.

    Someone born on 29 February turns one year older on 1 March in non-leap years,
    as French civil practice counts it (the anniversary falls the day after 28 February).
    """
    if on < birth:
        raise ValueError("age_on: the day is before the birth")
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _read(raw: str, label: str, field: str) -> date:
    """Parse one of the accepted shapes, with a precise message for each failure."""
    text = " ".join(fold(raw).split())
    if not text:
        raise _error(
            field, _("The {label} is empty; type it as dd/mm/yyyy, for example 12/03/2021.").format(label=label)
        )
    match = next((m for shape in _SHAPES if (m := shape.fullmatch(text))), None)
    if match is None:
        raise _error(
            field,
            _("The {label} is not in a form I can read; type it day first as dd/mm/yyyy, "
              "for example 12/03/2021.").format(label=label),
        )
    month = _month_number(match["m"], label, field)
    return _build(int(match["d"]), month, _year(match["y"], label, field), label, field)


def _month_number(month: str, label: str, field: str) -> int:
    """The month as a number, from digits or a French or English name."""
    number = int(month) if month.isdigit() else _MONTHS.get(month, 0)
    if month.isdigit() and not 1 <= number <= 12:
        raise _error(
            field,
            _("The {label} has month {month}, which does not exist; the day comes first "
              "and the month second (dd/mm/yyyy).").format(label=label, month=number),
        )
    if not number:
        raise _error(
            field,
            _("The {label} has a month name I do not know; write it in full in French or "
              "English (mars, March) or use digits (12/03/2021).").format(label=label),
        )
    return number


def _year(year: str, label: str, field: str) -> int:
    """The year, which must be written with 4 digits so that no century is guessed."""
    if len(year) != 4:
        raise _error(
            field,
            _("The {label} must have a 4-digit year (you typed {typed} digits); "
              "write for example 12/03/2021, not 12/03/21.").format(label=label, typed=len(year)),
        )
    if year == "0000":
        raise _error(field, _("The {label} has year 0000, which does not exist; check the year.").format(label=label))
    return int(year)


def _build(day: int, month: int, year: int, label: str, field: str) -> date:
    """The date, or an error naming how many days that month has."""
    try:
        return date(year, month, day)
    except ValueError:
        days = calendar.monthrange(year, month)[1]
        raise _error(
            field,
            _("The {label} has day {day}, which does not exist in "
              "{month} {year} ({days} days); check the day and the month "
              "(dd/mm/yyyy).").format(label=label, day=day, month=_(_MONTH_NAMES[month - 1]), year=year, days=days),
        ) from None


def _dmy(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def _error(field: str, message: str) -> MesError:
    return invalid("INVALID_DATE", message, field)
