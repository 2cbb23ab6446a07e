"""Writing an IHE XDM archive (IHE ITI-32 "Distribute Document Set on Media", as the CI-SIS
"Volet Echange de documents de santé" profiles it), laid out like the ANS examples::

    README.TXT                      in French: who sends it, with which software, what is inside
    INDEX.HTM                       a page linking every document
    IHE_XDM/SUBSET01/METADATA.XML   an ebRIM SubmitObjectsRequest: one submission set, one
                                    ExtrinsicObject per document, HasMember associations
    IHE_XDM/SUBSET01/DOC0001.XML    the documents, numbered in the order they were added, with the
    IHE_XDM/SUBSET01/DOC0002.PDF    extension of their media type
    <other files>                   anything else given to ``add_file`` (outside IHE_XDM/)

The writer computes every hash and size itself, builds the XML and the HTML with lxml (values are
never concatenated into markup, so a title holding ``<&">`` stays text), and whatever it writes,
``XdmArchive`` reads back with the same entries and passes the size and hash checks.
"""

from __future__ import annotations

import hashlib
import re
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, BinaryIO

from lxml import etree

from ... import __version__
from ...contract.errors import MesError
from ...i18n import _
from .metadata import (
    APPROVED,
    CLASS_CODE,
    CONFIDENTIALITY_CODE,
    DOCUMENT_AUTHOR,
    DOCUMENT_ENTRY,
    DOCUMENT_PATIENT_ID,
    DOCUMENT_UNIQUE_ID,
    FORMAT_CODE,
    HAS_MEMBER,
    HEALTHCARE_FACILITY_TYPE,
    LCM,
    PRACTICE_SETTING,
    RIM,
    SUBMISSION_AUTHOR,
    SUBMISSION_CONTENT_TYPE,
    SUBMISSION_PATIENT_ID,
    SUBMISSION_SET_NODE,
    SUBMISSION_SOURCE_ID,
    SUBMISSION_UNIQUE_ID,
    TYPE_CODE,
    CodedValue,
    format_hl7_ts,
    xcn_name,
    xon_name,
)
from .safezip import check_entry_name

SUBSET = "IHE_XDM/SUBSET01"
XHTML = "http://www.w3.org/1999/xhtml"
SOFTWARE = "mes-cli"
MAX_DOCUMENTS = 9999
"""DOC0001 … DOC9999: the 8.3 names XDM media use."""

EXTENSIONS = {
    "text/xml": "XML", "application/xml": "XML", "application/hl7-v3+xml": "XML",
    "application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG", "image/tiff": "TIF",
    "text/plain": "TXT", "text/rtf": "RTF", "application/rtf": "RTF",
    "application/fhir+json": "JSN", "application/json": "JSN", "application/dicom": "DCM",
}
# Characters XML 1.0 cannot hold (C0 controls but tab/newline/return, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NOT_TEXT_LINE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\ud800-\udfff]")


def _xml_text(value: str) -> str:
    """The text with the characters XML cannot carry replaced by U+FFFD (lxml would refuse it)."""
    return _NOT_XML.sub("\ufffd", value)


def _line(value: str | None) -> str:
    """One line of README.TXT: no newline or control character can forge a line of its own."""
    return _NOT_TEXT_LINE.sub(" ", value or "").strip()


def _new_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def new_oid() -> str:
    """A globally unique OID under 2.25 (ITU-T X.667: the UUID as an integer)."""
    return f"2.25.{uuid.uuid4().int}"


@dataclass(frozen=True, slots=True)
class DocumentEntryOut:
    """What the metadata says about one document; the writer adds its hash, size, URI and ids."""

    title: str
    mime_type: str
    creation_time: datetime | None = None
    class_code: CodedValue | None = None
    type_code: CodedValue | None = None
    format_code: CodedValue | None = None
    confidentiality: tuple[CodedValue, ...] = ()
    practice_setting: CodedValue | None = None
    healthcare_facility_type: CodedValue | None = None
    unique_id: str | None = None
    """The document's unique id (an OID, e.g. the CDA id); a new 2.25 OID when None."""
    patient_id: str | None = None
    """The patient as an HL7 v2 CX; the submission's patient when None."""
    author_person: str | None = None
    """The author as an HL7 v2 XCN; the submission's author when None."""
    author_institution: str | None = None
    extra_slots: Mapping[str, Sequence[str]] = field(default_factory=dict, hash=False)
    """Extra metadata (ITI TF-3 §4.1.14): names must start with ``urn:`` (e.g. ``urn:action:extraMetadataSlot``)."""
    language: str = "fr-FR"
    comments: str | None = None
    service_start: datetime | None = None
    service_stop: datetime | None = None


@dataclass(frozen=True, slots=True)
class SubmissionOut:
    """The submission set: who sends, about whom, from which system."""

    title: str
    author: str | None
    """The sender as an HL7 v2 XCN (``id^FAMILY^Given^^^^^^&oid&ISO^D^^^IDNPS``)."""
    patient_id: str
    """The patient as an HL7 v2 CX (``nir^^^&1.2.250.1.213.1.4.8&ISO^NH``)."""
    source_id: str
    """The OID of the sending system."""
    unique_id: str | None = None
    submission_time: datetime | None = None
    comments: str | None = None
    author_institution: str | None = None
    """The sender's organisation as an HL7 v2 XON."""
    content_type: CodedValue | None = None


@dataclass(frozen=True, slots=True)
class _Written:
    path: str
    original_name: str
    size: int
    sha1: str
    entry: DocumentEntryOut
    entry_uuid: str


def _extension(mime_type: str, filename: str) -> str:
    known = EXTENSIONS.get(mime_type.split(";")[0].strip().lower())
    if known:
        return known
    suffix = filename.rsplit(".", 1)[-1] if "." in filename else ""
    suffix = re.sub(r"[^A-Za-z0-9]", "", suffix).upper()[:3]
    return suffix or "BIN"


class XdmWriter:
    """Writes an XDM zip into a binary file; call ``close(submission)`` to finish it.

    Used as a context manager, leaving the block without ``close`` (an exception, for instance)
    leaves an archive without METADATA.XML, which no reader will take for a complete one.
    """

    def __init__(self, target: BinaryIO, *, subset: str = SUBSET) -> None:
        if not re.fullmatch(r"IHE_XDM/[A-Za-z0-9_]{1,8}", subset):
            raise ValueError(f"an XDM subset folder is IHE_XDM/<up to 8 letters or digits>, not {subset!r}")
        self.subset = subset
        self._zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED)
        self._documents: list[_Written] = []
        self._files: list[str] = []
        self._taken: set[str] = {"readme.txt", "index.htm", f"{subset}/metadata.xml".casefold()}
        self._finished = False

    def __enter__(self) -> XdmWriter:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if not self._finished:
            self.abort()
            if kind is None:
                raise RuntimeError("XdmWriter left without close(submission): the archive has no METADATA.XML")

    def _write(self, path: str, data: bytes) -> None:
        info = zipfile.ZipInfo(path, date_time=datetime.now().timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
        self._zip.writestr(info, data)
        self._taken.add(path.casefold())

    def add_document(self, filename: str, data: bytes, entry: DocumentEntryOut) -> str:
        """Add a document under the next DOCnnnn name; returns its path in the zip.

        ``filename`` is the document's original name: it is shown in INDEX.HTM and gives the
        extension when the media type is not one XDM media commonly carry.
        """
        self._check_open()
        if len(self._documents) >= MAX_DOCUMENTS:
            raise MesError("ARCHIVE_TOO_LARGE",
                           _("An XDM archive holds at most {limit} documents; split them over several "
                             "archives.").format(limit=MAX_DOCUMENTS), {"limit": MAX_DOCUMENTS})
        for name in entry.extra_slots:
            if not name.startswith("urn:") or name.startswith("urn:ihe:"):
                raise ValueError(f"extra metadata slot names start with 'urn:' (not 'urn:ihe:'): {name!r}")
        path = f"{self.subset}/DOC{len(self._documents) + 1:04d}.{_extension(entry.mime_type, filename)}"
        self._write(path, data)
        self._documents.append(_Written(path, filename, len(data), hashlib.sha1(data).hexdigest(),  # noqa: S324
                                        entry, _new_id()))
        return path

    def add_file(self, path_in_zip: str, data: bytes) -> str:
        """Add a file beside the XDM folder (a FHIR bundle, messages as JSON…); returns its path."""
        self._check_open()
        path = check_entry_name(path_in_zip)
        if path.endswith("/") or path.casefold().startswith("ihe_xdm/") or path.casefold() == "ihe_xdm":
            raise MesError("UNSAFE_ARCHIVE",
                           _("{entry!r} cannot be added to the archive: IHE_XDM/ holds only the XDM documents, "
                             "and a name must be a file's. Choose another name.").format(entry=path),
                           {"entry": path})
        if path.casefold() in self._taken:
            raise MesError("UNSAFE_ARCHIVE",
                           _("{entry!r} is already in the archive (names are compared without regard to case). "
                             "Choose another name.").format(entry=path), {"entry": path})
        self._write(path, data)
        self._files.append(path)
        return path

    def _check_open(self) -> None:
        if self._finished:
            raise RuntimeError("the XDM archive is already closed")

    def abort(self) -> None:
        """Close the zip without metadata (the archive is then not an XDM archive)."""
        if not self._finished:
            self._finished = True
            self._zip.close()

    def close(self, submission: SubmissionOut) -> None:
        """Write METADATA.XML, README.TXT and INDEX.HTM, then finish the zip (the file stays open)."""
        self._check_open()
        when = submission.submission_time or datetime.now(timezone.utc)
        try:
            self._write(f"{self.subset}/METADATA.XML", self._metadata(submission, when))
            self._write("README.TXT", self._readme(submission))
            self._write("INDEX.HTM", self._index(submission, when))
        finally:
            self._finished = True
            self._zip.close()

    # -- METADATA.XML --------------------------------------------------------------------------

    def _metadata(self, submission: SubmissionOut, when: datetime) -> bytes:
        root = etree.Element(f"{{{LCM}}}SubmitObjectsRequest", nsmap={"lcm": LCM, "rim": RIM})
        objects = _sub(root, "RegistryObjectList")
        set_id = _new_id()

        package = _sub(objects, "RegistryPackage", id=set_id, status=APPROVED,
                       objectType="urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:RegistryPackage")
        _slot(package, "submissionTime", [format_hl7_ts(when)])
        _localized(package, "Name", submission.title)
        if submission.comments:
            _localized(package, "Description", submission.comments)
        if submission.author or submission.author_institution:
            author = _classification(package, SUBMISSION_AUTHOR, set_id, "")
            if submission.author_institution:
                _slot(author, "authorInstitution", [submission.author_institution])
            if submission.author:
                _slot(author, "authorPerson", [submission.author])
        if submission.content_type:
            _coded(package, SUBMISSION_CONTENT_TYPE, set_id, submission.content_type)
        _identifier(package, SUBMISSION_UNIQUE_ID, set_id, submission.unique_id or new_oid(),
                    "XDSSubmissionSet.uniqueId")
        _identifier(package, SUBMISSION_SOURCE_ID, set_id, submission.source_id, "XDSSubmissionSet.sourceId")
        _identifier(package, SUBMISSION_PATIENT_ID, set_id, submission.patient_id, "XDSSubmissionSet.patientId")
        _sub(objects, "Classification", id=_new_id(), classifiedObject=set_id,
             classificationNode=SUBMISSION_SET_NODE)

        for written in self._documents:
            self._extrinsic(objects, written, submission)
        for written in self._documents:
            association = _sub(objects, "Association", id=_new_id(), associationType=HAS_MEMBER,
                               sourceObject=set_id, targetObject=written.entry_uuid)
            _slot(association, "SubmissionSetStatus", ["Original"])
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    def _extrinsic(self, objects: Any, written: _Written, submission: SubmissionOut) -> None:
        entry, doc_id = written.entry, written.entry_uuid
        patient = entry.patient_id or submission.patient_id
        element = _sub(objects, "ExtrinsicObject", id=doc_id, mimeType=entry.mime_type,
                       objectType=DOCUMENT_ENTRY, status=APPROVED)
        for name, values in entry.extra_slots.items():
            _slot(element, name, [values] if isinstance(values, str) else list(values))
        if entry.creation_time:
            _slot(element, "creationTime", [format_hl7_ts(entry.creation_time)])
        _slot(element, "hash", [written.sha1])
        _slot(element, "size", [str(written.size)])
        _slot(element, "URI", [written.path.rsplit("/", 1)[-1]])
        _slot(element, "languageCode", [entry.language])
        if entry.service_start:
            _slot(element, "serviceStartTime", [format_hl7_ts(entry.service_start)])
        if entry.service_stop:
            _slot(element, "serviceStopTime", [format_hl7_ts(entry.service_stop)])
        _slot(element, "sourcePatientId", [patient])
        _localized(element, "Name", entry.title)
        if entry.comments:
            _localized(element, "Description", entry.comments)
        person = entry.author_person or submission.author
        institution = entry.author_institution or (None if entry.author_person else submission.author_institution)
        if person or institution:
            author = _classification(element, DOCUMENT_AUTHOR, doc_id, "")
            if institution:
                _slot(author, "authorInstitution", [institution])
            if person:
                _slot(author, "authorPerson", [person])
        for scheme, value in ((CLASS_CODE, entry.class_code), (FORMAT_CODE, entry.format_code),
                              (HEALTHCARE_FACILITY_TYPE, entry.healthcare_facility_type),
                              (PRACTICE_SETTING, entry.practice_setting), (TYPE_CODE, entry.type_code)):
            if value is not None:
                _coded(element, scheme, doc_id, value)
        for value in entry.confidentiality:
            _coded(element, CONFIDENTIALITY_CODE, doc_id, value)
        _identifier(element, DOCUMENT_PATIENT_ID, doc_id, patient, "XDSDocumentEntry.patientId")
        _identifier(element, DOCUMENT_UNIQUE_ID, doc_id, entry.unique_id or new_oid(), "XDSDocumentEntry.uniqueId")

    # -- README.TXT and INDEX.HTM ----------------------------------------------------------------

    def _tree(self) -> list[str]:
        lines = ["     README.TXT", "     INDEX.HTM"]
        folders = self.subset.split("/")
        lines.append("     + " + _line(folders[0]))
        for depth, folder in enumerate(folders[1:], start=1):
            lines.append("     " + "      " * depth + "+" + _line(folder))
        indent = "     " + "      " * len(folders) + " "
        lines.append(indent + "METADATA.XML")
        lines.extend(indent + written.path.rsplit("/", 1)[-1] for written in self._documents)
        lines.extend("     " + _line(path) for path in self._files)
        return lines

    def _readme(self, submission: SubmissionOut) -> bytes:
        lines = [
            "Emetteur :",
            "=============",
            "    . Nom : " + _line(xcn_name(submission.author)),
            "    . Organisme : " + _line(xon_name(submission.author_institution)),
            "",
            "Application de l'emetteur :",
            "=========================",
            "    . Nom : " + SOFTWARE,
            "    . Version : " + __version__,
            "    . Editeur : " + SOFTWARE,
            "",
            "Contenu :",
            "=============",
            "    . Lot : " + _line(submission.title),
        ]
        for written in self._documents:
            lines.append("    . " + written.path.rsplit("/", 1)[-1] + " : " + _line(written.entry.title))
        lines += [
            "",
            "Instructions :",
            "=============",
            ". Ouvrez le fichier INDEX.HTM dans un navigateur pour consulter la liste des documents,",
            "  ou importez l'archive dans votre logiciel de professionnel de sante.",
            ". Les documents et leurs metadonnees (METADATA.XML) suivent le profil IHE XDM.",
            "",
            "Arborescence :",
            "============",
            *self._tree(),
            "",
        ]
        return "\r\n".join(lines).encode("utf-8")

    def _index(self, submission: SubmissionOut, when: datetime) -> bytes:
        def element(parent: Any, tag: str, text: str | None = None, /, **attributes: str) -> Any:
            child = etree.SubElement(parent, f"{{{XHTML}}}{tag}",
                                     {key: _xml_text(value) for key, value in attributes.items()})
            if text is not None:
                child.text = _xml_text(text)
            return child

        html = etree.Element(f"{{{XHTML}}}html", nsmap={None: XHTML}, lang="fr")
        html.set("{http://www.w3.org/XML/1998/namespace}lang", "fr")
        head = element(html, "head")
        element(head, "meta", **{"http-equiv": "Content-Type", "content": "text/html; charset=UTF-8"})
        element(head, "title", submission.title or "Documents")
        body = element(html, "body")
        element(body, "h1", submission.title or "Documents")
        sender = xcn_name(submission.author)
        organisation = xon_name(submission.author_institution)
        parts = [part for part in (sender, organisation) if part]
        element(body, "p", "Emetteur : " + (" – ".join(parts) if parts else "non renseigné"))
        element(body, "p", "Date d'envoi : " + when.astimezone(timezone.utc).strftime("%d/%m/%Y %H:%M UTC"))
        listing = element(body, "ul")
        for written in self._documents:
            item = element(listing, "li")
            element(item, "a", written.entry.title or written.path.rsplit("/", 1)[-1], href=written.path)
            details = [written.path.rsplit("/", 1)[-1], written.entry.mime_type]
            if written.original_name:
                details.append("fichier d'origine : " + written.original_name)
            if written.entry.creation_time:
                details.append("créé le " + written.entry.creation_time.strftime("%d/%m/%Y"))
            element(item, "span", " (" + ", ".join(details) + ")")
        if self._files:
            element(body, "h2", "Autres fichiers")
            others = element(body, "ul")
            for path in self._files:
                element(element(others, "li"), "a", path, href=path)
        paragraph = element(body, "p", "Voir le fichier ")
        element(paragraph, "a", "ReadMe", href="README.TXT")
        return etree.tostring(html, xml_declaration=True, encoding="UTF-8", pretty_print=True,
                              doctype='<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
                                      '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">')


# -- ebRIM builders ------------------------------------------------------------------------------

def _sub(parent: Any, tag: str, /, **attributes: str) -> Any:
    return etree.SubElement(parent, f"{{{RIM}}}{tag}", {k: _xml_text(v) for k, v in attributes.items()})


def _slot(parent: Any, name: str, values: Sequence[str]) -> Any:
    slot = _sub(parent, "Slot", name=name)
    value_list = _sub(slot, "ValueList")
    for value in values:
        _sub(value_list, "Value").text = _xml_text(value)
    return slot


def _localized(parent: Any, holder: str, value: str, language: str = "fr-FR") -> None:
    string = _sub(_sub(parent, holder), "LocalizedString", value=value, charset="UTF-8")
    string.set("{http://www.w3.org/XML/1998/namespace}lang", language)


def _classification(parent: Any, scheme: str, classified: str, node: str) -> Any:
    return _sub(parent, "Classification", id=_new_id(), classificationScheme=scheme,
                classifiedObject=classified, nodeRepresentation=node)


def _coded(parent: Any, scheme: str, classified: str, value: CodedValue) -> None:
    classification = _classification(parent, scheme, classified, value.code)
    if value.scheme:
        _slot(classification, "codingScheme", [value.scheme])
    if value.display is not None:
        _localized(classification, "Name", value.display)


def _identifier(parent: Any, scheme: str, registry_object: str, value: str, label: str) -> None:
    identifier = _sub(parent, "ExternalIdentifier", id=_new_id(), identificationScheme=scheme,
                      registryObject=registry_object, value=value)
    _localized(identifier, "Name", label)
