"""Doses that a professional's document records (a CDA's immunization entries), as the booklet
keeps them.

A product is filed under the catalogue's vaccine when its ATC code names exactly one vaccine of
the catalogue (catalogue.vaccine_for_atc), and then counts for reminders; otherwise it is kept as
the document gives it (CIS code and name), shown, exported, never guessed. An administration
dated before the birth, in the future, or with less than a day (a year alone) cannot be placed in
the booklet: it is reported and left out, and the others are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable

from ...i18n import _
from .ages import dmy
from .catalogue import vaccine_for_atc


@dataclass(frozen=True)
class RecordedDose:
    vaccine: str  # the catalogue code, or "" when the catalogue does not know the product
    date: date
    dose: str  # first | booster
    dose_rank: int | None
    lot: str | None
    performer: str | None
    product_code: str | None
    product_name: str | None


def doses_from(immunizations: Iterable, birth_date: date, today: date) -> tuple[list[RecordedDose], list[str]]:
    """The doses to record from a document's ``Immunization`` entries (domain/cda/immunizations.py),
    and a sentence for each one left out."""
    doses, notes = [], []
    for entry in immunizations:
        product = entry.product_name or (entry.product.code if entry.product else None) or _("unnamed vaccine")
        if entry.date is None:
            notes.append(_("{product}: the document gives no full date ({given}); not added to the booklet.").format(
                product=product, given=entry.raw_date or "—"))
            continue
        if entry.date < birth_date:
            notes.append(_("{product} on {date}: before the date of birth ({birth}); not added to the booklet.")
                         .format(product=product, date=dmy(entry.date), birth=dmy(birth_date)))
            continue
        if entry.date > today:
            notes.append(_("{product} on {date}: a date in the future; not added to the booklet.").format(
                product=product, date=dmy(entry.date)))
            continue
        vaccine = vaccine_for_atc(entry.atc)
        doses.append(RecordedDose(vaccine=vaccine.code if vaccine else "", date=entry.date,
                                  dose="booster" if entry.booster else "first", dose_rank=entry.dose_rank,
                                  lot=entry.lot, performer=entry.performer,
                                  product_code=entry.product.code if entry.product else None,
                                  product_name=entry.product_name))
    return doses, notes
