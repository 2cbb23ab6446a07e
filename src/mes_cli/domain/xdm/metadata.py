"""The XDS metadata of an IHE XDM archive: ``METADATA.XML``, an ebRIM 3.0 ``SubmitObjectsRequest``.

One submission set (a ``RegistryPackage``) lists document entries (``ExtrinsicObject``) and the
associations between them. Each entry says which file it describes (``URI``), that file's SHA-1
and size, and what the document is: its class, type, format, confidentiality, the patient, the
authors... (IHE ITI TF-3 §4.2.3, ebRIM representation §4.2.3.2; the French profile: CI-SIS
"Volet Partage de documents de santé" and "Volet Echange de documents de santé").

Codes are ``Classification`` elements told apart by their ``classificationScheme`` UUID, and
identifiers are ``ExternalIdentifier`` elements told apart by their ``identificationScheme``
(the UUIDs below are those of ITI TF-3 §4.2.5, checked against XdsKit and the ANS examples).

Reading is by containment: the ANS examples point the ``classifiedObject`` of every document
classification at the *submission set* and the ``registryObject`` of the document's uniqueId at an
id that exists nowhere, so the reference attributes cannot be trusted. A classification nested in
an ``ExtrinsicObject`` belongs to it; one written at the top of the ``RegistryObjectList`` (the
other form ebRIM allows) belongs to the object its ``classifiedObject`` names. Namespace prefixes
vary from one producer to the next (``ns2:``, ``rim:``, a default namespace): elements are matched
by namespace URI, never by prefix.

The ANS/DMP extra metadata ``urn:action:extraMetadataSlot``
-----------------------------------------------------------

The ANS XDM examples (github.com/ansforge/interop-exemples-xdm) put a slot
``urn:action:extraMetadataSlot`` on a document entry, with one value:

* ``C`` — *remplacement de document*: this document replaces an earlier version of itself (a
  correction; the examples use it on ``versionNumber`` > 1, e.g. ``BIO-CR-BIO_2024.01_Microbiologie_V2``,
  whose comment reads "ExtraMetadata remplacement de document");
* ``D`` — *suppression de document*: a request to delete the document that the entry describes
  (``..._V2_Delete``, comment "ExtraMetadata suppression de document"); the file is sent again
  only to identify it;
* no slot (or ``F``) — an initial transmission.

The letters are those of HL7 v2 table 0085 (observation result status) as the ANS volet
"Transmission au LPS d'un document CDA provenant d'un courriel MSSanté" uses them when the
platform that opened the XDM archive hands each document on (OBX-11 = ``F`` transmission initiale
/ MDM^T02, ``C`` remplacement / MDM^T10, ``D`` suppression / MDM^T04;
github.com/ansforge/IG-hl7v2-volet-trans-lps-doc-cda-courriel-mss,
input/pagecontent/evenements-declenchants.md), and of the ANS CDA/XDM tool that writes the slot
(``C`` when the CDA ``versionNumber`` is above 1). Any other value is kept as is in ``action``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ...contract.errors import MesError
from ...i18n import _
from ..cda.safexml import parse_xml

LCM = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"

# ITI TF-3 §4.2.5: classification schemes, identification schemes and object types.
SUBMISSION_SET_NODE = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
FOLDER_NODE = "urn:uuid:d9d542f3-6cc4-48b6-8870-ea235fbc94c2"
SUBMISSION_AUTHOR = "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d"
SUBMISSION_CONTENT_TYPE = "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500"
SUBMISSION_PATIENT_ID = "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446"
SUBMISSION_SOURCE_ID = "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832"
SUBMISSION_UNIQUE_ID = "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8"
DOCUMENT_ENTRY = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
ON_DEMAND_ENTRY = "urn:uuid:34268e47-fdf5-41a6-ba33-82133c465248"
DOCUMENT_AUTHOR = "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d"
CLASS_CODE = "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a"
TYPE_CODE = "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"
FORMAT_CODE = "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d"
CONFIDENTIALITY_CODE = "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f"
HEALTHCARE_FACILITY_TYPE = "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1"
PRACTICE_SETTING = "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead"
EVENT_CODE = "urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4"
DOCUMENT_PATIENT_ID = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
DOCUMENT_UNIQUE_ID = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"

HAS_MEMBER = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
RPLC = "urn:ihe:iti:2007:AssociationType:RPLC"
APPROVED = "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved"

ACTION_SLOT = "urn:action:extraMetadataSlot"
ACTION_CREATE = "F"
ACTION_REPLACE = "C"
ACTION_DELETE = "D"

MAX_METADATA_BYTES = 16 * 1024 * 1024
"""A METADATA.XML larger than this is refused (the ANS examples are 20–70 kB)."""

_TS = re.compile(r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.\d+)?([+-]\d{4})?$")
_URI_PART = re.compile(r"^(\d+)\|(.*)$", re.S)


@dataclass(frozen=True, slots=True)
class CodedValue:
    """A code with its coding scheme (an OID) and its display name, as XDS carries them."""

    code: str
    scheme: str | None = None
    display: str | None = None


@dataclass(frozen=True, slots=True)
class XdsAuthor:
    """An author classification: the raw HL7 v2 strings, and readable names taken from them.

    ``person`` is an XCN (``801234534765^CAMPARINI^Marcel^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS``),
    each institution an XON (``Laboratoire des charmes^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^1120459876``),
    each specialty a CE (``G15_10/SM03^Médecin - Biologie médicale (SM)^1.2.250.1.213.1.1.4.5``).
    """

    person: str | None = None
    institutions: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    specialties: tuple[str, ...] = ()
    telecoms: tuple[str, ...] = ()

    @property
    def name(self) -> str | None:
        """'Marcel CAMPARINI' from the XCN; the bare identifier if it carries no name."""
        return xcn_name(self.person)

    @property
    def institution_names(self) -> tuple[str, ...]:
        return tuple(name for name in (xon_name(value) for value in self.institutions) if name)

    @property
    def specialty_labels(self) -> tuple[str, ...]:
        return tuple(label for label in (_component(value, 1) or _component(value, 0)
                                         for value in self.specialties) if label)


@dataclass(frozen=True, slots=True)
class DocumentEntry:
    """One XDS document entry (an ``ExtrinsicObject``) of METADATA.XML."""

    entry_uuid: str
    unique_id: str | None
    uri: str | None
    hash_sha1: str | None
    size: int | None
    mime_type: str | None
    title: str | None
    comments: str | None
    creation_time: datetime | None
    service_start: datetime | None
    service_stop: datetime | None
    class_code: CodedValue | None
    type_code: CodedValue | None
    format_code: CodedValue | None
    practice_setting: CodedValue | None
    healthcare_facility_type: CodedValue | None
    confidentiality: tuple[CodedValue, ...]
    event_codes: tuple[CodedValue, ...]
    patient_id: str | None
    source_patient_id: str | None
    authors: tuple[XdsAuthor, ...]
    language: str | None
    status: str | None
    action: str | None
    legal_authenticator: str | None = None
    object_type: str | None = None
    extra_slots: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)

    @property
    def is_deletion(self) -> bool:
        """True when the sender asks to delete this document (extra metadata action ``D``)."""
        return (self.action or "").strip().upper() == ACTION_DELETE

    @property
    def is_replacement(self) -> bool:
        """True when this document replaces an earlier version of itself (action ``C``)."""
        return (self.action or "").strip().upper() == ACTION_REPLACE

    @property
    def patient(self) -> tuple[str, str | None]:
        """The patient id and its assigning authority OID (``parse_cx`` of ``patient_id``)."""
        return parse_cx(self.patient_id)


@dataclass(frozen=True, slots=True)
class Association:
    """An ebRIM association: ``HasMember`` from the submission set, ``RPLC`` between versions…"""

    id: str | None
    type: str
    source: str
    target: str
    slots: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)

    @property
    def kind(self) -> str:
        """The short name of the type: HasMember, RPLC, XFRM, APND, signs…"""
        return self.type.rsplit(":", 1)[-1]


@dataclass(frozen=True, slots=True)
class Submission:
    """The submission set (``RegistryPackage``) and everything METADATA.XML lists."""

    id: str | None
    submission_time: datetime | None
    title: str | None
    comments: str | None
    authors: tuple[XdsAuthor, ...]
    patient_id: str | None
    source_id: str | None
    unique_id: str | None
    content_type: CodedValue | None
    documents: tuple[DocumentEntry, ...]
    associations: tuple[Association, ...]

    @property
    def author(self) -> XdsAuthor | None:
        return self.authors[0] if self.authors else None

    def replaced_by(self, entry_uuid: str) -> tuple[str, ...]:
        """The entry uuids of the documents that an RPLC association says replace ``entry_uuid``."""
        return tuple(a.source for a in self.associations if a.kind == "RPLC" and a.target == entry_uuid)


# -- HL7 v2 helpers ------------------------------------------------------------------------------

def _component(value: str | None, index: int) -> str | None:
    if not value:
        return None
    parts = value.split("^")
    if index >= len(parts):
        return None
    return parts[index].strip() or None


def parse_cx(value: str | None) -> tuple[str, str | None]:
    """The id and assigning-authority OID of an HL7 v2 CX patient id.

    ``"279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH"`` → ``("279035121518989", "1.2.250.1.213.1.4.10")``;
    ``("", None)`` for nothing, ``(id, None)`` when no authority is given.
    """
    if not value:
        return "", None
    parts = value.strip().split("^")
    identifier = parts[0].strip()
    authority = parts[3] if len(parts) > 3 else ""
    subparts = authority.split("&")
    oid = subparts[1].strip() if len(subparts) > 1 else ""
    return identifier, (oid or None)


def xcn_name(value: str | None) -> str | None:
    """A readable name from an XCN person: prefix, given names, family name; else the identifier."""
    if not value:
        return None
    family, given, second, prefix = (_component(value, i) for i in (1, 2, 3, 5))
    words = [w for w in (prefix, given, second, family) if w and w != "."]
    return " ".join(words) if words else _component(value, 0)


def xon_name(value: str | None) -> str | None:
    """The organisation name of an XON (its first component), else its identifier (the tenth)."""
    return _component(value, 0) or _component(value, 9)


def parse_hl7_ts(value: str | None) -> datetime | None:
    """An HL7 v2 DTM (``yyyy[mm[dd[hh[mm[ss]]]]][+zzzz]``) as an aware datetime; XDS times are UTC.

    Missing parts take their lowest value; an unreadable or impossible time gives None.
    """
    if not value:
        return None
    match = _TS.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    tz = timezone.utc
    if offset:
        sign = 1 if offset[0] == "+" else -1
        tz = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
    try:
        return datetime(int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
                        int(second or 0), tzinfo=tz)
    except ValueError:
        return None


def format_hl7_ts(moment: datetime) -> str:
    """``yyyymmddhhmmss`` in UTC (a naive datetime is taken as UTC already)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y%m%d%H%M%S")


# -- reading the XML -----------------------------------------------------------------------------

def _q(name: str) -> str:
    return f"{{{RIM}}}{name}"


def _children(element: Any, name: str) -> list[Any]:
    return [child for child in element if child.tag == _q(name)]


def _slots(element: Any) -> dict[str, tuple[str, ...]]:
    slots: dict[str, tuple[str, ...]] = {}
    for slot in _children(element, "Slot"):
        name = (slot.get("name") or "").strip()
        if not name:
            continue
        values = tuple((value.text or "").strip() for value in slot.iter(_q("Value")))
        slots[name] = slots.get(name, ()) + values
    return slots


def _first(slots: Mapping[str, tuple[str, ...]], name: str) -> str | None:
    values = [v for v in slots.get(name, ()) if v]
    return values[0] if values else None


def _localized(element: Any, name: str) -> str | None:
    for holder in _children(element, name):
        for string in holder.iter(_q("LocalizedString")):
            value = string.get("value")
            if value is not None:
                return value
    return None


def _coded(classification: Any) -> CodedValue:
    return CodedValue(code=(classification.get("nodeRepresentation") or "").strip(),
                      scheme=_first(_slots(classification), "codingScheme"),
                      display=_localized(classification, "Name"))


def _author(classification: Any) -> XdsAuthor:
    slots = _slots(classification)

    def clean(name: str) -> tuple[str, ...]:
        return tuple(v for v in slots.get(name, ()) if v)

    return XdsAuthor(person=_first(slots, "authorPerson"), institutions=clean("authorInstitution"),
                     roles=clean("authorRole"), specialties=clean("authorSpecialty"),
                     telecoms=clean("authorTelecommunication"))


def _uri(slots: Mapping[str, tuple[str, ...]]) -> str | None:
    """The URI slot; a long URI may be split over several values ``1|…``, ``2|…`` (ITI TF-3 §4.2.3.2.24)."""
    values = [v for v in slots.get("URI", ()) if v]
    if len(values) > 1:
        parts = [_URI_PART.match(v) for v in values]
        if all(parts):
            return "".join(p.group(2) for p in sorted(parts, key=lambda p: int(p.group(1))))  # type: ignore[union-attr]
    return values[0] if values else None


def _int(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value.strip())


class _Index:
    """Classifications and external identifiers by the object they belong to."""

    def __init__(self, object_list: Any) -> None:
        self.classifications: dict[str, list[Any]] = {}
        self.identifiers: dict[str, list[Any]] = {}
        for child in object_list:
            if child.tag == _q("Classification") and child.get("classifiedObject"):
                self.classifications.setdefault(child.get("classifiedObject"), []).append(child)
            elif child.tag == _q("ExternalIdentifier") and child.get("registryObject"):
                self.identifiers.setdefault(child.get("registryObject"), []).append(child)

    def classifications_of(self, element: Any) -> list[Any]:
        return _children(element, "Classification") + self.classifications.get(element.get("id") or "", [])

    def identifiers_of(self, element: Any) -> list[Any]:
        return _children(element, "ExternalIdentifier") + self.identifiers.get(element.get("id") or "", [])


def _by_scheme(classifications: Iterable[Any], scheme: str) -> list[Any]:
    return [c for c in classifications if c.get("classificationScheme") == scheme]


def _identifier(identifiers: Iterable[Any], scheme: str) -> str | None:
    for identifier in identifiers:
        if identifier.get("identificationScheme") == scheme:
            value = (identifier.get("value") or "").strip()
            if value:
                return value
    return None


def _document(element: Any, index: _Index) -> DocumentEntry:
    slots = _slots(element)
    classifications = index.classifications_of(element)
    identifiers = index.identifiers_of(element)

    def one(scheme: str) -> CodedValue | None:
        found = _by_scheme(classifications, scheme)
        return _coded(found[0]) if found else None

    action = _first(slots, ACTION_SLOT)
    extra = {name: values for name, values in slots.items()
             if name.startswith("urn:") and name != ACTION_SLOT}
    return DocumentEntry(
        entry_uuid=(element.get("id") or "").strip(),
        unique_id=_identifier(identifiers, DOCUMENT_UNIQUE_ID),
        uri=_uri(slots),
        hash_sha1=_first(slots, "hash"),
        size=_int(_first(slots, "size")),
        mime_type=element.get("mimeType"),
        title=_localized(element, "Name"),
        comments=_localized(element, "Description") or None,
        creation_time=parse_hl7_ts(_first(slots, "creationTime")),
        service_start=parse_hl7_ts(_first(slots, "serviceStartTime")),
        service_stop=parse_hl7_ts(_first(slots, "serviceStopTime")),
        class_code=one(CLASS_CODE),
        type_code=one(TYPE_CODE),
        format_code=one(FORMAT_CODE),
        practice_setting=one(PRACTICE_SETTING),
        healthcare_facility_type=one(HEALTHCARE_FACILITY_TYPE),
        confidentiality=tuple(_coded(c) for c in _by_scheme(classifications, CONFIDENTIALITY_CODE)),
        event_codes=tuple(_coded(c) for c in _by_scheme(classifications, EVENT_CODE)),
        patient_id=_identifier(identifiers, DOCUMENT_PATIENT_ID),
        source_patient_id=_first(slots, "sourcePatientId"),
        authors=tuple(_author(c) for c in _by_scheme(classifications, DOCUMENT_AUTHOR)),
        language=_first(slots, "languageCode"),
        status=element.get("status"),
        action=action,
        legal_authenticator=_first(slots, "legalAuthenticator"),
        object_type=element.get("objectType"),
        extra_slots=extra,
    )


def _is_submission_set(package: Any, index: _Index) -> bool:
    return any(c.get("classificationNode") == SUBMISSION_SET_NODE for c in index.classifications_of(package))


def parse_metadata(data: bytes, *, source: str = "METADATA.XML") -> Submission:
    """Parse METADATA.XML; ``source`` (its path in the archive) names it in error messages.

    The XML is parsed by the hardened parser (no DTD, no entities: UNSAFE_XML; not well-formed:
    NOT_XML). A document that is not an ebRIM SubmitObjectsRequest is XDM_NO_METADATA.
    """
    root = parse_xml(data, max_bytes=MAX_METADATA_BYTES)
    tag = root.tag if isinstance(root.tag, str) else ""
    if tag not in (f"{{{LCM}}}SubmitObjectsRequest", _q("RegistryObjectList")):
        raise MesError("XDM_NO_METADATA",
                       _("{file} is not XDS metadata (an ebRIM SubmitObjectsRequest); its root element is "
                         "{root!r}. The archive is not a valid IHE XDM archive: ask the sender for a new one.")
                       .format(file=source, root=tag.rsplit("}", 1)[-1]), {"entry": source})
    object_list = root if tag == _q("RegistryObjectList") else next(
        (child for child in root if child.tag == _q("RegistryObjectList")), None)
    if object_list is None:
        raise MesError("XDM_NO_METADATA",
                       _("{file} lists no registry objects (no RegistryObjectList). The archive is not a "
                         "valid IHE XDM archive: ask the sender for a new one.").format(file=source),
                       {"entry": source})
    index = _Index(object_list)
    packages = _children(object_list, "RegistryPackage")
    package = next((p for p in packages if _is_submission_set(p, index)), None)
    if package is None:
        package = next((p for p in packages if not any(
            c.get("classificationNode") == FOLDER_NODE for c in index.classifications_of(p))), None)
    documents = tuple(_document(element, index) for element in _children(object_list, "ExtrinsicObject"))
    associations = tuple(
        Association(id=a.get("id"), type=(a.get("associationType") or "").strip(),
                    source=(a.get("sourceObject") or "").strip(), target=(a.get("targetObject") or "").strip(),
                    slots=_slots(a))
        for a in _children(object_list, "Association"))
    if package is None:
        return Submission(None, None, None, None, (), None, None, None, None, documents, associations)
    slots = _slots(package)
    classifications = index.classifications_of(package)
    identifiers = index.identifiers_of(package)
    content = _by_scheme(classifications, SUBMISSION_CONTENT_TYPE)
    return Submission(
        id=package.get("id"),
        submission_time=parse_hl7_ts(_first(slots, "submissionTime")),
        title=_localized(package, "Name"),
        comments=_localized(package, "Description") or None,
        authors=tuple(_author(c) for c in _by_scheme(classifications, SUBMISSION_AUTHOR)),
        patient_id=_identifier(identifiers, SUBMISSION_PATIENT_ID),
        source_id=_identifier(identifiers, SUBMISSION_SOURCE_ID),
        unique_id=_identifier(identifiers, SUBMISSION_UNIQUE_ID),
        content_type=_coded(content[0]) if content else None,
        documents=documents,
        associations=associations,
    )
