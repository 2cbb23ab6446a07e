"""The vaccinations a CDA document records: its IHE PCC "Immunizations" entries.

The CI-SIS vaccination formats (VAC, "Historique de vaccinations", and VAC-NOTE, "Note de
vaccination") carry each administration as a ``substanceAdministration`` (moodCode EVN) that
declares the IHE PCC Immunizations template: its date (effectiveTime), the product (the CIS code
of the French medicines database, with ATC and CIP translations, and its name), the lot, the
performer, the kind of act (INITIMMUNIZ first series, BOOSTER…) and the dose rank (an
observation LOINC 30973-2 "Rang de la vaccination"). Any CDA may carry such entries (a patient
summary does too), so they are read from every document. An entry with ``negationInd="true"``
records a vaccination NOT given and is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lxml import etree

from .document import Code, _attr, _child, _children, _code, _person_name, _text, parse_ts
from .narrative import HL7

PCC_IMMUNIZATION = "1.3.6.1.4.1.19376.1.5.3.1.4.12"
CIS_SYSTEM = "1.2.250.1.213.2.3.1"  # Code Identifiant de Spécialité (base de données publique des médicaments)
ATC_SYSTEM = "2.16.840.1.113883.6.73"
DOSE_RANK = "30973-2"  # LOINC: dose number (CI-SIS FR-Rang-de-la-vaccination)
BOOSTER_CODES = {"BOOSTER", "IBOOSTER"}  # HL7 ActSubstanceAdministrationImmunizationCode


@dataclass(frozen=True)
class Immunization:
    """One administration as the document gives it; ``date`` is None when the document gives less
    than a day (a year alone: "1975"), ``raw_date`` keeps what it gives."""

    date: date | None
    raw_date: str | None
    product: Code | None
    product_name: str | None
    atc: str | None
    lot: str | None
    performer: str | None
    dose_rank: int | None
    booster: bool

    def as_dict(self) -> dict:
        return {"date": self.date.isoformat() if self.date else None, "raw_date": self.raw_date,
                "product": self.product.as_dict() if self.product else None, "product_name": self.product_name,
                "atc": self.atc, "lot": self.lot, "performer": self.performer, "dose_rank": self.dose_rank,
                "booster": self.booster}


def _templates(element: etree._Element) -> set[str]:
    return {_attr(t, "root") or "" for t in _children(element, "templateId")}


def _day(raw: str | None) -> date | None:
    """A full day only: a year or a month alone cannot be placed in a booklet."""
    if not raw or len(raw) < 8:
        return None
    moment = parse_ts(raw)
    return moment.date() if moment else None


def _translation(code_element: etree._Element | None, system: str) -> str | None:
    for translation in _children(code_element, "translation"):
        if _attr(translation, "codeSystem") == system:
            return _attr(translation, "code")
    return None


def _performer(entry: etree._Element) -> str | None:
    assigned = _child(entry, "performer", "assignedEntity")
    name = _person_name(_child(assigned, "assignedPerson", "name"))
    organisation = _text(_child(assigned, "representedOrganization", "name"))
    if name and organisation:
        return f"{name} ({organisation})"
    return name or organisation


def _dose_rank(entry: etree._Element) -> int | None:
    for relationship in _children(entry, "entryRelationship"):
        observation = _child(relationship, "observation")
        if _attr(_child(observation, "code"), "code") == DOSE_RANK:
            value = _attr(_child(observation, "value"), "value")
            return int(value) if value and value.isdigit() else None
    return None


def _immunization(entry: etree._Element) -> Immunization:
    material = _child(entry, "consumable", "manufacturedProduct", "manufacturedMaterial")
    code_element = _child(material, "code")
    product = _code(code_element)
    raw_date = _attr(_child(entry, "effectiveTime"), "value") or \
        _attr(_child(entry, "effectiveTime", "low"), "value")
    return Immunization(
        date=_day(raw_date), raw_date=raw_date, product=product,
        product_name=_text(_child(material, "name")) or (product.display if product else None),
        atc=_translation(code_element, ATC_SYSTEM) or (product.code if product and product.system == ATC_SYSTEM
                                                       else None),
        lot=_text(_child(material, "lotNumberText")), performer=_performer(entry), dose_rank=_dose_rank(entry),
        booster=(_attr(_child(entry, "code"), "code") or "") in BOOSTER_CODES,
    )


def read_immunizations(document: etree._Element) -> tuple[Immunization, ...]:
    """Every administration recorded as given, in document order."""
    found = []
    for entry in document.iter(f"{{{HL7}}}substanceAdministration"):  # lxml finds them, not a Python walk
        if PCC_IMMUNIZATION not in _templates(entry):
            continue
        if _attr(entry, "moodCode") != "EVN" or _attr(entry, "negationInd") == "true":
            continue
        found.append(_immunization(entry))
    return tuple(found)
