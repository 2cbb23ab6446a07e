"""Reading an HL7 CDA R2 document: its header, its sections and its embedded file (DOMAIN.md §5).

Professionals' documents reach Mon espace santé as CDA R2 files, structured (level 3: a
``structuredBody`` of titled sections whose narrative a person reads) or not (level 1: a
``nonXMLBody`` wrapping a PDF in base64).  Filing one needs its header: who the patient is
(the INS), what kind of document it is (the LOINC type code), when it was written, by whom,
and which earlier version it replaces.

The reader is strict only about what filing needs and lenient about everything else, since
real documents come from many editors' software: a document that is not CDA at all is
``NOT_CDA``; a CDA without a patient, a type code or a date is ``INVALID_CDA``; any other
missing or malformed field simply reads as ``None``.  Identifiers are written
``root^extension`` (the XDS convention) or ``root`` alone when there is no extension.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from lxml import etree

from ...contract.errors import MesError
from ...i18n import _
from ..nir import nir_key
from .narrative import Block, ListBlock, Paragraph, Table, inline_text, local_name, parse_narrative
from .safexml import MAX_XML_BYTES, parse_xml

__all__ = [
    "Author", "Block", "CdaDocument", "Code", "Embedded", "INS_KINDS", "ListBlock", "Paragraph", "Patient",
    "PatientIdentifier", "Section", "Table", "parse_cda", "parse_ts",
]

CDA_TYPE_ID = ("2.16.840.1.113883.1.3", "POCD_HD000040")
# Self-presenting CI-SIS documents ("documents autoprésentables") are an XSLT stylesheet
# that carries the CDA inside <data:Contenu>, so that a browser opening the file shows it.
_XSL = "http://www.w3.org/1999/XSL/Transform"
_CISIS = "urn:asip-sante:ci-sis"

# The OIDs under which the INS (identifiant national de santé) is written in a CDA
# patientRole/id (ANS, Référentiel INS; CI-SIS Structuration minimale).
INS_KINDS = {
    "1.2.250.1.213.1.4.8": "INS-NIR",
    "1.2.250.1.213.1.4.9": "INS-NIA",
    "1.2.250.1.213.1.4.10": "INS-NIR-TEST",
    "1.2.250.1.213.1.4.11": "INS-NIR-DEMO",
}
# CI-SIS names: prefix is the civility (M, MME), suffix the professional title (DR, PR).
_TITLES = {"DR": "Dr", "PR": "Pr"}
_CIVILITIES = {"M": "M.", "MME": "Mme", "MLLE": "Mlle"}

_TS = re.compile(
    r"(?P<year>[0-9]{4})(?:(?P<month>[0-9]{2})(?:(?P<day>[0-9]{2})(?:(?P<hour>[0-9]{2})"
    r"(?:(?P<minute>[0-9]{2})(?:(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]{1,6}))?)?)?)?)?)?"
    r"(?P<offset>[+-][0-9]{4})?"
)


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    system: str | None = None
    display: str | None = None
    system_name: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "system": self.system, "display": self.display, "system_name": self.system_name}


@dataclass(frozen=True, slots=True)
class Author:
    """One author: a person (a health professional) or a device (software that produced the document).

    ``profession`` is ``assignedAuthor/code`` as written.  CI-SIS combines profession and
    specialty in that one code (``G15_10/SM26`` "Médecin - Qualifié en Médecine Générale
    (SM)"); ``specialty`` is its part after the slash, with the label after " - ".
    ``function`` is the author's role in this care episode (``functionCode``), when given.
    """

    name: str | None
    id: str | None
    id_root: str | None
    profession: Code | None
    specialty: Code | None
    organisation: str | None
    time: datetime | None
    function: Code | None = None
    is_device: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "id": self.id, "id_root": self.id_root,
            "profession": _code_dict(self.profession), "specialty": _code_dict(self.specialty),
            "function": _code_dict(self.function), "organisation": self.organisation,
            "time": _iso(self.time), "is_device": self.is_device,
        }


@dataclass(frozen=True, slots=True)
class PatientIdentifier:
    """One ``patientRole/id``.  ``key_valid`` says whether an INS's NIR key checks out (None if not an INS)."""

    root: str
    extension: str
    kind: str
    key_valid: bool | None

    @property
    def is_ins(self) -> bool:
        return self.kind != "OTHER"

    def as_dict(self) -> dict[str, Any]:
        return {"root": self.root, "extension": self.extension, "kind": self.kind, "key_valid": self.key_valid}


@dataclass(frozen=True, slots=True)
class Patient:
    """The record target.

    ``family`` is the birth name (``family`` qualified ``BR``) and ``given`` the first given
    name on the birth certificate (``given`` qualified ``BR``), the INS "traits stricts";
    without qualifiers, the first ``family`` and the first ``given`` as written.
    """

    identifiers: tuple[PatientIdentifier, ...]
    family: str | None
    given: str | None
    sex: str | None
    birth_date: date | None

    @property
    def ins(self) -> PatientIdentifier | None:
        return next((identifier for identifier in self.identifiers if identifier.is_ins), None)

    @property
    def name(self) -> str | None:
        return " ".join(part for part in (self.given, self.family) if part) or None

    def as_dict(self) -> dict[str, Any]:
        ins = self.ins
        return {
            "ins": ins.as_dict() if ins else None,
            "identifiers": [identifier.as_dict() for identifier in self.identifiers],
            "family": self.family, "given": self.given, "sex": self.sex,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
        }


@dataclass(frozen=True, slots=True)
class Section:
    title: str | None
    code: Code | None
    blocks: tuple[Block, ...]
    sections: tuple[Section, ...] = ()


@dataclass(frozen=True, slots=True)
class Embedded:
    """A level-1 body: the file itself (decoded) or, when it is only referenced, its address."""

    media_type: str
    data: bytes = field(repr=False)
    reference: str | None = None


@dataclass(frozen=True, slots=True)
class CdaDocument:
    id: str | None
    title: str | None
    effective_time: datetime | None
    type: Code | None
    confidentiality: str | None
    language: str | None
    set_id: str | None
    version: int | None
    replaces: str | None
    authors: tuple[Author, ...]
    custodian: str | None
    patient: Patient
    sections: tuple[Section, ...]
    embedded: Embedded | None
    template_ids: tuple[str, ...]
    structured: bool = False
    immunizations: tuple[Any, ...] = ()  # immunizations.Immunization: the vaccinations it records

    @property
    def document_date(self) -> date | None:
        """The day the document was written, in the time zone it was written in."""
        return self.effective_time.date() if self.effective_time else None

    @property
    def level(self) -> int | None:
        """1 for a ``nonXMLBody`` (a wrapped file), 3 for a ``structuredBody``, None for no body."""
        if self.embedded is not None:
            return 1
        return 3 if self.structured else None

    def conforms_to(self, template_root: str) -> bool:
        """Whether the document declares the template ``template_root`` (whatever its version)."""
        return any(template.split("^", 1)[0] == template_root for template in self.template_ids)

    def header(self) -> dict[str, Any]:
        """The header as a JSON-ready dict: ISO dates, no narrative, no embedded bytes."""
        embedded = self.embedded
        return {
            "id": self.id,
            "title": self.title,
            "effective_time": _iso(self.effective_time),
            "document_date": self.document_date.isoformat() if self.document_date else None,
            "type": _code_dict(self.type),
            "confidentiality": self.confidentiality,
            "language": self.language,
            "set_id": self.set_id,
            "version": self.version,
            "replaces": self.replaces,
            "authors": [author.as_dict() for author in self.authors],
            "custodian": self.custodian,
            "patient": self.patient.as_dict(),
            "template_ids": list(self.template_ids),
            "level": self.level,
            "embedded_media_type": embedded.media_type if embedded else None,
            "embedded_size": len(embedded.data) if embedded else None,
            "embedded_reference": embedded.reference if embedded else None,
            "section_titles": [section.title for section in self.sections if section.title],
            "immunizations": [immunization.as_dict() for immunization in self.immunizations],
        }


# -- timestamps ---------------------------------------------------------------------------------

def parse_ts(value: str | None) -> datetime | None:
    """An HL7 v3 TS (``YYYY[MM[DD[HH[MM[SS[.ffff]]]]]][+/-ZZZZ]``) as a datetime, or None.

    With an offset the datetime is aware, otherwise naive; missing parts are the start of
    the period (``2021`` is 2021-01-01 00:00).  Anything malformed (a 13th month, a 25th
    hour, an offset of 99 hours, stray characters) gives None, never an exception: a
    timestamp that cannot be read is a missing one.
    """
    if not isinstance(value, str):
        return None
    match = _TS.fullmatch(value.strip())
    if match is None:
        return None
    parts = match.groupdict()
    tz = None
    if parts["offset"]:
        sign = -1 if parts["offset"][0] == "-" else 1
        hours, minutes = int(parts["offset"][1:3]), int(parts["offset"][3:5])
        if hours > 14 or minutes > 59:
            return None
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    fraction = parts["fraction"] or ""
    try:
        return datetime(
            int(parts["year"]), int(parts["month"] or 1), int(parts["day"] or 1),
            int(parts["hour"] or 0), int(parts["minute"] or 0), int(parts["second"] or 0),
            int(fraction.ljust(6, "0")) if fraction else 0, tzinfo=tz,
        )
    except ValueError:
        return None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _code_dict(code: Code | None) -> dict[str, str | None] | None:
    return code.as_dict() if code else None


# -- reading elements ---------------------------------------------------------------------------

def _child(element: etree._Element | None, *path: str) -> etree._Element | None:
    """The first HL7 element along ``path`` below ``element`` (None when any step is missing)."""
    for name in path:
        if element is None:
            return None
        element = next((child for child in element if local_name(child) == name), None)
    return element


def _children(element: etree._Element | None, name: str) -> list[etree._Element]:
    if element is None:
        return []
    return [child for child in element if local_name(child) == name]


def _attr(element: etree._Element | None, name: str) -> str | None:
    """An attribute, whitespace-normalised; None when absent or blank."""
    if element is None:
        return None
    value = " ".join((element.get(name) or "").split())
    return value or None


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    return inline_text(element).replace("\n", " ") or None


def _instance_id(element: etree._Element | None) -> str | None:
    root = _attr(element, "root")
    if root is None:  # nullFlavor, or no id at all
        return None
    extension = _attr(element, "extension")
    return f"{root}^{extension}" if extension else root


def _code(element: etree._Element | None) -> Code | None:
    code = _attr(element, "code")
    if code is None:
        return None
    return Code(code, _attr(element, "codeSystem"), _attr(element, "displayName"), _attr(element, "codeSystemName"))


def _ts(element: etree._Element | None) -> datetime | None:
    return parse_ts(_attr(element, "value"))


def _int(element: etree._Element | None) -> int | None:
    value = _attr(element, "value")
    return int(value) if value is not None and value.isascii() and value.isdigit() else None


# -- the document -------------------------------------------------------------------------------

def _error(code: str, message: str, **details: Any) -> MesError:
    return MesError(code, message, {"field": "content", **details})


def parse_cda(data: bytes, *, max_bytes: int = MAX_XML_BYTES, narrative: bool = True) -> CdaDocument:
    """Read a CDA R2 document from its bytes (see ``safexml.parse_xml`` for the XML errors).

    ``narrative=False``: the sections keep their titles and codes but not their text (filing
    needs the header, not the narrative, which is most of the reading time).

    Raises ``MesError``: ``NOT_CDA`` when the XML is not a CDA R2 ClinicalDocument,
    ``INVALID_CDA`` when it lacks a patient (recordTarget/patientRole), a type code or a
    readable effectiveTime, or when its embedded file is not valid base64.
    """
    document = _clinical_document(parse_xml(data, max_bytes=max_bytes))
    _check_type_id(document)
    patient_role = _child(document, "recordTarget", "patientRole")
    effective_time = _ts(_child(document, "effectiveTime"))
    doc_type = _code(_child(document, "code"))
    missing = [name for name, present in (("recordTarget/patientRole", patient_role is not None),
                                          ("code", doc_type is not None),
                                          ("effectiveTime", effective_time is not None)) if not present]
    if missing:
        raise _error("INVALID_CDA", _(
            "This CDA document cannot be filed: it has no usable {missing}."
        ).format(missing=", ".join(missing)), missing=missing)
    assert patient_role is not None  # for the type checker: checked just above
    from .immunizations import read_immunizations  # it reads elements with this module's helpers

    body = _child(document, "component")
    structured = _child(body, "structuredBody")
    return CdaDocument(
        id=_instance_id(_child(document, "id")),
        title=_text(_child(document, "title")),
        effective_time=effective_time,
        type=doc_type,
        confidentiality=_attr(_child(document, "confidentialityCode"), "code"),
        language=_attr(_child(document, "languageCode"), "code"),
        set_id=_instance_id(_child(document, "setId")),
        version=_int(_child(document, "versionNumber")),
        replaces=_replaced(document),
        authors=tuple(_author(author) for author in _children(document, "author")),
        custodian=_text(_child(document, "custodian", "assignedCustodian", "representedCustodianOrganization",
                               "name")),
        patient=_patient(patient_role),
        sections=tuple(_section(component, narrative) for component in _children(structured, "component")
                       if _child(component, "section") is not None),
        embedded=_embedded(_child(body, "nonXMLBody")),
        template_ids=tuple(filter(None, (_instance_id(t) for t in _children(document, "templateId")))),
        structured=structured is not None,
        immunizations=read_immunizations(document),
    )


def _clinical_document(root: etree._Element) -> etree._Element:
    """The ClinicalDocument element: the root, or the one a self-presenting document carries."""
    if local_name(root) == "ClinicalDocument":
        return root
    if root.tag == f"{{{_XSL}}}stylesheet":
        for content in root.iterchildren(f"{{{_CISIS}}}Contenu"):
            document = _child(content, "ClinicalDocument")
            if document is not None:
                return document
    qname = etree.QName(root)
    if qname.localname == "ClinicalDocument":
        raise _error("NOT_CDA", _(
            "This XML is not an HL7 CDA R2 document: its root <ClinicalDocument> is not in the HL7 v3 "
            "namespace (urn:hl7-org:v3)."
        ), found=root.tag)
    raise _error("NOT_CDA", _(
        "This XML is not an HL7 CDA R2 document: the root element is <{element}>, not <ClinicalDocument>."
    ).format(element=qname.localname), found=root.tag)


def _check_type_id(document: etree._Element) -> None:
    type_id = _child(document, "typeId")
    found = (_attr(type_id, "root"), _attr(type_id, "extension"))
    if found == CDA_TYPE_ID:
        return
    if type_id is None:
        raise _error("NOT_CDA", _(
            "This XML is not an HL7 CDA R2 document: its <ClinicalDocument> has no typeId (CDA R2 declares "
            "root 2.16.840.1.113883.1.3, extension POCD_HD000040)."
        ), found=None)
    shown = "^".join(part or "?" for part in found)
    raise _error("NOT_CDA", _(
        "This XML is not an HL7 CDA R2 document: its typeId is {found}, not "
        "2.16.840.1.113883.1.3^POCD_HD000040."
    ).format(found=shown), found=shown)


def _replaced(document: etree._Element) -> str | None:
    """The id of the document this one replaces (relatedDocument typeCode RPLC), if any."""
    for related in _children(document, "relatedDocument"):
        if _attr(related, "typeCode") == "RPLC":
            return _instance_id(_child(related, "parentDocument", "id"))
    return None


# -- people -------------------------------------------------------------------------------------

def _author(author: etree._Element) -> Author:
    assigned = _child(author, "assignedAuthor")
    identifier = _child(assigned, "id")
    profession = _code(_child(assigned, "code"))
    device = _child(assigned, "assignedAuthoringDevice")
    if device is not None:
        name = _meaningful(_text(_child(device, "softwareName"))) or \
            _meaningful(_text(_child(device, "manufacturerModelName")))
    else:
        name = _person_name(_child(assigned, "assignedPerson", "name"))
    return Author(
        name=name,
        id=_attr(identifier, "extension"),
        id_root=_attr(identifier, "root"),
        profession=profession,
        specialty=_specialty(profession),
        organisation=_text(_child(assigned, "representedOrganization", "name")),
        time=_ts(_child(author, "time")),
        function=_code(_child(author, "functionCode")),
        is_device=device is not None,
    )


def _meaningful(text: str | None) -> str | None:
    """``text`` unless it is only punctuation (CI-SIS examples fill required fields with ".")."""
    return text if text and any(ch.isalnum() for ch in text) else None


def _specialty(profession: Code | None) -> Code | None:
    """The specialty part of a CI-SIS profession/specialty code (``G15_10/SM26`` → ``SM26``)."""
    if profession is None or "/" not in profession.code:
        return None
    specialty = profession.code.split("/", 1)[1].strip()
    if not specialty:
        return None
    display = profession.display.split(" - ", 1)[1].strip() if profession.display and " - " in profession.display \
        else None
    return Code(specialty, profession.system, display or None, profession.system_name)


def _person_name(name: etree._Element | None) -> str | None:
    """A professional's name for display: title (or civility), given names, family name.

    CI-SIS writes the civility in ``prefix`` (M, MME) and the title in ``suffix`` (DR, PR):
    a known title is shown first ("Dr Charles MULLER"), else the civility; other suffixes
    are kept after the name.  A name written as plain text is shown as written.
    """
    if name is None:
        return None
    parts = {part: [_text(e) for e in _children(name, part)] for part in ("prefix", "given", "family", "suffix")}
    parts = {part: [value for value in values if value] for part, values in parts.items()}
    if not parts["given"] and not parts["family"]:
        return _text(name)
    titles = [_TITLES[value.upper()] for value in parts["suffix"] if value.upper() in _TITLES]
    others = [value for value in parts["suffix"] if value.upper() not in _TITLES]
    lead = titles or [_CIVILITIES.get(value.upper(), value) for value in parts["prefix"]]
    return " ".join(lead + parts["given"] + parts["family"] + others) or None


def _qualified(elements: list[etree._Element], qualifier: str) -> etree._Element | None:
    return next((e for e in elements if qualifier in (e.get("qualifier") or "").split()), None)


def _patient(patient_role: etree._Element) -> Patient:
    person = _child(patient_role, "patient")
    names = _children(person, "name")
    families = [family for name in names for family in _children(name, "family")]
    givens = [given for name in names for given in _children(name, "given")]
    family = _qualified(families, "BR") if families else None
    given = _qualified(givens, "BR") if givens else None
    gender = _child(person, "administrativeGenderCode")
    sex = None
    if gender is not None:
        sex = (_attr(gender, "code") or "").upper()
        sex = sex if sex in ("F", "M") else "U"
    return Patient(
        identifiers=tuple(filter(None, (_patient_identifier(e) for e in _children(patient_role, "id")))),
        family=_text(family if family is not None else (families[0] if families else None)),
        given=_text(given if given is not None else (givens[0] if givens else None)),
        sex=sex,
        birth_date=_birth_date(_attr(_child(person, "birthTime"), "value")),
    )


def _birth_date(value: str | None) -> date | None:
    """The birth date, only when the day is given: "1979" is not the 1st of January 1979."""
    moment = parse_ts(value)
    if moment is None or value is None or len(value.strip()) < 8:
        return None
    return moment.date()


def _patient_identifier(element: etree._Element) -> PatientIdentifier | None:
    root = _attr(element, "root")
    if root is None:
        return None
    extension = (element.get("extension") or "").strip()
    kind = INS_KINDS.get(root, "OTHER")
    return PatientIdentifier(root, extension, kind, ins_key_valid(extension) if kind != "OTHER" else None)


def ins_key_valid(value: str) -> bool:
    """Whether a 15-character INS (a NIR or a NIA) ends with the key of its first 13 characters."""
    value = value.strip().upper()
    if len(value) != 15 or not value[13:].isascii() or not value[13:].isdigit():
        return False
    try:
        return nir_key(value[:13]) == value[13:]
    except ValueError:
        return False


# -- the body -----------------------------------------------------------------------------------

def _section(component: etree._Element, narrative: bool) -> Section:
    section = _child(component, "section")
    text = _child(section, "text") if narrative else None
    return Section(
        title=_text(_child(section, "title")),
        code=_code(_child(section, "code")),
        blocks=parse_narrative(text) if text is not None else (),
        sections=tuple(_section(sub, narrative) for sub in _children(section, "component")
                       if _child(sub, "section") is not None),
    )


def _embedded(body: etree._Element | None) -> Embedded | None:
    """The file a level-1 document wraps (``nonXMLBody/text``)."""
    text = _child(body, "text")
    if text is None:
        return None
    media_type = _attr(text, "mediaType") or "text/plain"  # the CDA default for ED
    reference = _attr(_child(text, "reference"), "value")
    if reference is not None:
        return Embedded(media_type, b"", reference)
    content = "".join(text.itertext())
    if (_attr(text, "representation") or "TXT").upper() != "B64":
        return Embedded(media_type, content.encode("utf-8"))
    try:
        data = base64.b64decode("".join(content.split()).encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise _error("INVALID_CDA", _(
            "This CDA document's embedded file (nonXMLBody) is not valid base64, so it cannot be read."
        ), missing=["nonXMLBody/text"]) from None
    return Embedded(media_type, data)
