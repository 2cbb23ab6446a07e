"""Writing an IHE XDM archive (IHE ITI-32 "Distribute Document Set on Media", as the CI-SIS
"Volet Echange de documents de santé" profiles it), laid out like the ANS examples::

    README.TXT                      in French: who sends it, with which software, what is inside
    INDEX.HTM                       a page linking every document
    IHE_XDM/SUBSET01/METADATA.XML   an ebRIM SubmitObjectsRequest: one submission set, one
                                    ExtrinsicObject per document, HasMember associations
    IHE_XDM/SUBSET01/DOC0001.XML    the documents, numbered in the order they were added, with the
    IHE_XDM/SUBSET01/DOC0002.PDF    extension of their media type
    IHE_XDM/SUBSET02/METADATA.XML   past ``documents_per_subset`` documents, the next ones in a
    IHE_XDM/SUBSET02/DOC0001.PDF    submission set of their own (numbered from DOC0001 again)
    <other files>                   anything else given to ``add_file`` (outside IHE_XDM/)

Several submission sets on one medium, each in its own IHE_XDM/ folder with its own METADATA.XML
whose URIs are relative to that folder, are what ITI-32 provides for (a Portable Media Creator
"shall be able to include one or multiple Submission Set(s)", Gazelle assertion ITI32-002); the
reader (archive.py) reads them all. Splitting keeps each METADATA.XML within what readers accept
(``metadata.MAX_METADATA_BYTES``) and lets the writer drop a subset's entries once its metadata is
written: memory stays flat whatever the number of documents.

The writer computes every hash and size itself, writes the XML and the HTML with lxml (values are
never concatenated into markup, so a title holding ``<&">`` stays text) one registry object at a time
(``etree.xmlfile``, straight into the zip entry: no subset's tree is ever held whole), and whatever it
writes, ``XdmArchive`` reads back with the same entries and passes the size and hash checks.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import uuid
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
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

XDM_FOLDER = "IHE_XDM"
XHTML = "http://www.w3.org/1999/xhtml"
XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"
SOFTWARE = "mes-cli"
MAX_DOCUMENTS = 9999
"""DOC0001 … DOC9999 in one subset: the 8.3 names XDM media use."""
MAX_SUBSETS = 99
"""SUBSET01 … SUBSET99: eight characters, the longest name an 8.3 folder can have."""
DOCUMENTS_PER_SUBSET = 1000
"""Documents per submission set before the writer starts the next IHE_XDM/SUBSETnn folder.

* Up to 1,000 documents (nearly every space), an archive has one SUBSET01, as it always had: some
  importers look no further than the first subset.
* A METADATA.XML of 1,000 entries is 5–6 MB (measured: 5.2 kB for a person's own file, 6.1 kB for a
  CDA with its author, institution and codes), a third of the 16 MiB a reader accepts
  (``metadata.MAX_METADATA_BYTES``), which leaves room for long titles; a reader parses one
  METADATA.XML at a time, so smaller subsets also keep `mes import` smaller (2,500 documents: 102 MB
  peak in three subsets, 170 MB in one).
* The writer holds one subset's entries (a few hundred bytes each, no XML) until its METADATA.XML is
  written; smaller subsets would save little and split ordinary exports for no reason.
* 99 subsets × 1,000 = 99,000 documents, beyond what an archive holds anyway (``safezip.MAX_ENTRIES``).
"""

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
    """A document of the subset being written: what its METADATA.XML entry needs."""

    path: str
    size: int
    sha1: str
    entry: DocumentEntryOut
    entry_uuid: str


@dataclass(frozen=True, slots=True)
class _Listed:
    """What README.TXT and INDEX.HTM show of a document, kept for every subset (no metadata entry)."""

    path: str
    original_name: str
    title: str
    mime_type: str
    creation_time: datetime | None


def _extension(mime_type: str, filename: str) -> str:
    known = EXTENSIONS.get(mime_type.split(";")[0].strip().lower())
    if known:
        return known
    suffix = filename.rsplit(".", 1)[-1] if "." in filename else ""
    suffix = re.sub(r"[^A-Za-z0-9]", "", suffix).upper()[:3]
    return suffix or "BIN"


def _subset_folder(number: int) -> str:
    return f"{XDM_FOLDER}/SUBSET{number:02d}"


def _folder_of(path: str) -> str:
    return path.rsplit("/", 1)[0]


class XdmWriter:
    """Writes an XDM zip into a binary file; call ``close()`` to finish it.

    ``submission`` describes the sender and the patient; every subset's METADATA.XML carries it (each
    subset is a submission set of its own: its own entryUUID and uniqueId, the given ``unique_id``
    going to SUBSET01). Given to the constructor, each subset's METADATA.XML is written as soon as the
    subset is full and its entries dropped, so memory stays flat; given only to ``close(submission)``,
    the entries of every subset wait until then (fine for a small archive). ``documents_per_subset``
    is ``DOCUMENTS_PER_SUBSET`` unless given.

    Used as a context manager, leaving the block without ``close`` (an exception, for instance)
    leaves an archive without METADATA.XML, which no reader will take for a complete one.
    """

    def __init__(self, target: BinaryIO, submission: SubmissionOut | None = None, *,
                 documents_per_subset: int | None = None) -> None:
        documents_per_subset = documents_per_subset or DOCUMENTS_PER_SUBSET  # read now: tests may lower it
        if not 1 <= documents_per_subset <= MAX_DOCUMENTS:
            raise ValueError(f"documents_per_subset is between 1 and {MAX_DOCUMENTS}, not {documents_per_subset}")
        self.documents_per_subset = documents_per_subset
        self.max_documents = MAX_SUBSETS * documents_per_subset
        self._zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED)
        self._submission: SubmissionOut | None = None
        self._when = datetime.now(timezone.utc)
        self._count = 0
        self._pending: list[_Written] = []  # documents whose subset's METADATA.XML is not written yet
        self._subsets: list[str] = []  # the subsets whose METADATA.XML is written
        self._listed: list[_Listed] = []
        self._files: list[str] = []
        self._taken: set[str] = {"readme.txt", "index.htm"}
        self._finished = False
        if submission is not None:
            self._set_submission(submission)

    def __enter__(self) -> XdmWriter:
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        if not self._finished:
            self.abort()
            if kind is None:
                raise RuntimeError("XdmWriter left without close(): the archive has no METADATA.XML")

    def _set_submission(self, submission: SubmissionOut) -> None:
        self._submission = submission
        self._when = submission.submission_time or datetime.now(timezone.utc)

    def _entry_info(self, path: str) -> zipfile.ZipInfo:
        """The header of a new zip entry (its name then taken), for writestr or a streamed open."""
        info = zipfile.ZipInfo(path, date_time=datetime.now().timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o100644 << 16  # a regular file, rw-r--r--
        self._taken.add(path.casefold())
        return info

    def _write(self, path: str, data: bytes) -> None:
        self._zip.writestr(self._entry_info(path), data)

    def add_document(self, filename: str, data: bytes, entry: DocumentEntryOut) -> str:
        """Add a document under the next DOCnnnn name of the current subset; returns its path in the zip.

        ``filename`` is the document's original name: it is shown in INDEX.HTM and gives the
        extension when the media type is not one XDM media commonly carry.
        """
        self._check_open()
        if self._count >= self.max_documents:
            raise MesError("ARCHIVE_TOO_LARGE",
                           _("An XDM archive holds at most {limit} documents; split them over several "
                             "archives.").format(limit=self.max_documents), {"limit": self.max_documents})
        for name in entry.extra_slots:
            if not name.startswith("urn:") or name.startswith("urn:ihe:"):
                raise ValueError(f"extra metadata slot names start with 'urn:' (not 'urn:ihe:'): {name!r}")
        subset, number = divmod(self._count, self.documents_per_subset)
        path = f"{_subset_folder(subset + 1)}/DOC{number + 1:04d}.{_extension(entry.mime_type, filename)}"
        self._write(path, data)
        self._count += 1
        self._pending.append(_Written(path, len(data), hashlib.sha1(data).hexdigest(),  # noqa: S324
                                      entry, _new_id()))
        self._listed.append(_Listed(path, filename, entry.title, entry.mime_type, entry.creation_time))
        if self._submission is not None and number + 1 == self.documents_per_subset:
            self._write_pending_subsets()
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

    def close(self, submission: SubmissionOut | None = None) -> None:
        """Write the METADATA.XML of the subsets not written yet, README.TXT and INDEX.HTM, then finish
        the zip (the file stays open). ``submission`` is needed here if the constructor had none."""
        self._check_open()
        if submission is not None:
            if self._submission is not None:
                raise ValueError("the submission was already given to the constructor")
            self._set_submission(submission)
        if self._submission is None:
            raise ValueError("close() needs the submission when the constructor had none")
        try:
            if self._pending or not self._subsets:  # an archive without documents still has SUBSET01
                self._write_pending_subsets()
            self._write_readme()
            self._write_index()
        finally:
            self._finished = True
            self._zip.close()

    # -- METADATA.XML --------------------------------------------------------------------------

    def _write_pending_subsets(self) -> None:
        """The METADATA.XML of each subset the pending documents are in (of an empty SUBSET01 if there are
        none); the documents' entries are then dropped."""
        if not self._pending:
            self._write_metadata(_subset_folder(1), iter(()))
        for folder, documents in itertools.groupby(self._pending, key=lambda written: _folder_of(written.path)):
            self._write_metadata(folder, documents)
        self._pending = []

    def _write_metadata(self, folder: str, documents: Iterator[_Written]) -> None:
        """The subset's METADATA.XML, written into the zip one registry object at a time."""
        submission = self._submission
        assert submission is not None
        set_id = _new_id()
        unique_id = (submission.unique_id if not self._subsets else None) or new_oid()
        self._subsets.append(folder)
        members = []  # the documents' entryUUIDs, for the HasMember associations after them
        with self._zip.open(self._entry_info(f"{folder}/METADATA.XML"), "w") as stream:
            with etree.xmlfile(stream, encoding="UTF-8") as xml:
                xml.write_declaration()
                with xml.element(f"{{{LCM}}}SubmitObjectsRequest", nsmap={"lcm": LCM, "rim": RIM}):
                    xml.write("\n  ")
                    with xml.element(f"{{{RIM}}}RegistryObjectList"):
                        xml.write("\n")
                        xml.write(_submission_set(submission, set_id, unique_id, self._when), pretty_print=True)
                        xml.write(_object("Classification", id=_new_id(), classifiedObject=set_id,
                                          classificationNode=SUBMISSION_SET_NODE), pretty_print=True)
                        for written in documents:
                            xml.write(_extrinsic(written, submission), pretty_print=True)
                            members.append(written.entry_uuid)
                        for entry_uuid in members:
                            association = _object("Association", id=_new_id(), associationType=HAS_MEMBER,
                                                  sourceObject=set_id, targetObject=entry_uuid)
                            _slot(association, "SubmissionSetStatus", ["Original"])
                            xml.write(association, pretty_print=True)
                        xml.write("  ")
                    xml.write("\n")
            stream.write(b"\n")

    # -- README.TXT and INDEX.HTM ----------------------------------------------------------------

    def _shown_name(self, path: str) -> str:
        """A document's name in README.TXT and INDEX.HTM: DOC0001.XML, or SUBSET02/DOC0001.XML when
        there are several subsets (each numbers its documents from DOC0001)."""
        return path.split("/", 1)[1] if len(self._subsets) > 1 else path.rsplit("/", 1)[-1]

    def _tree(self) -> Iterator[str]:
        """The "Arborescence" of README.TXT: every subset with its METADATA.XML and documents."""
        yield "     README.TXT"
        yield "     INDEX.HTM"
        yield "     + " + XDM_FOLDER
        indent = "     " + "      " * 2 + " "
        documents = itertools.groupby(self._listed, key=lambda shown: _folder_of(shown.path))
        group = next(documents, None)
        for folder in self._subsets:
            yield "     " + "      " + "+" + folder.rsplit("/", 1)[-1]
            yield indent + "METADATA.XML"
            if group is not None and group[0] == folder:
                yield from (indent + shown.path.rsplit("/", 1)[-1] for shown in group[1])
                group = next(documents, None)
        yield from ("     " + _line(path) for path in self._files)

    def _readme_lines(self) -> Iterator[str]:
        submission = self._submission
        assert submission is not None
        yield from [
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
        for shown in self._listed:
            yield "    . " + self._shown_name(shown.path) + " : " + _line(shown.title)
        yield from [
            "",
            "Instructions :",
            "=============",
            ". Ouvrez le fichier INDEX.HTM dans un navigateur pour consulter la liste des documents,",
            "  ou importez l'archive dans votre logiciel de professionnel de sante.",
            ". Les documents et leurs metadonnees (METADATA.XML) suivent le profil IHE XDM.",
            "",
            "Arborescence :",
            "============",
        ]
        yield from self._tree()

    def _write_readme(self) -> None:
        with self._zip.open(self._entry_info("README.TXT"), "w") as stream:
            for line in self._readme_lines():
                stream.write((line + "\r\n").encode("utf-8"))

    def _write_index(self) -> None:
        """INDEX.HTM, an XHTML page written one list item at a time (``etree.xmlfile`` element contexts)."""
        submission = self._submission
        assert submission is not None
        title = submission.title or "Documents"
        sender = [part for part in (xcn_name(submission.author), xon_name(submission.author_institution)) if part]
        with self._zip.open(self._entry_info("INDEX.HTM"), "w") as stream:
            with etree.xmlfile(stream, encoding="UTF-8") as html:
                html.write_declaration()
                html.write_doctype('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
                                   '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">')
                with _xhtml(html, "html", lang="fr", **{f"{{{XML_NAMESPACE}}}lang": "fr"}):
                    with _xhtml(html, "head"):
                        # An empty element written whole, so that it is <meta …/> (not <meta …></meta>).
                        html.write(etree.Element(f"{{{XHTML}}}meta", {"http-equiv": "Content-Type",
                                                                     "content": "text/html; charset=UTF-8"},
                                                 nsmap={None: XHTML}))
                        html.write("\n")
                        _xhtml_text(html, "title", title)
                    with _xhtml(html, "body"):
                        _xhtml_text(html, "h1", title)
                        _xhtml_text(html, "p", "Emetteur : " + (" – ".join(sender) if sender else "non renseigné"))
                        _xhtml_text(html, "p", "Date d'envoi : " +
                                    self._when.astimezone(timezone.utc).strftime("%d/%m/%Y %H:%M UTC"))
                        with _xhtml(html, "ul"):
                            for shown in self._listed:
                                self._index_item(html, shown)
                        if self._files:
                            _xhtml_text(html, "h2", "Autres fichiers")
                            with _xhtml(html, "ul"):
                                for path in self._files:
                                    with _xhtml(html, "li"):
                                        _xhtml_text(html, "a", path, href=path)
                        with _xhtml(html, "p"):
                            html.write("Voir le fichier ")
                            _xhtml_text(html, "a", "ReadMe", href="README.TXT")
            stream.write(b"\n")

    def _index_item(self, html: Any, shown: _Listed) -> None:
        name = self._shown_name(shown.path)
        details = [name, shown.mime_type]
        if shown.original_name:
            details.append("fichier d'origine : " + shown.original_name)
        if shown.creation_time:
            details.append("créé le " + shown.creation_time.strftime("%d/%m/%Y"))
        with _xhtml(html, "li"):
            _xhtml_text(html, "a", shown.title or name, href=shown.path)
            _xhtml_text(html, "span", " (" + ", ".join(details) + ")")


@contextmanager
def _xhtml(html: Any, tag: str, /, **attributes: str) -> Iterator[None]:
    """An XHTML element left open for what is written inside it, on lines of their own."""
    root = tag == "html"
    # On the root, xml:lang needs the xml prefix declared: an incremental writer would invent ns0: for it.
    with html.element(f"{{{XHTML}}}{tag}", {k: _xml_text(v) for k, v in attributes.items()},
                      nsmap={None: XHTML, "xml": XML_NAMESPACE} if root else None):
        html.write("\n")
        yield
    if not root:  # nothing may follow the root element
        html.write("\n")


def _xhtml_text(html: Any, tag: str, text: str | None, /, **attributes: str) -> None:
    """An XHTML element holding text (escaped by lxml, never markup), then a new line."""
    with html.element(f"{{{XHTML}}}{tag}", {k: _xml_text(v) for k, v in attributes.items()}):
        if text is not None:
            html.write(_xml_text(text))
    html.write("\n")


# -- ebRIM registry objects ----------------------------------------------------------------------

def _submission_set(submission: SubmissionOut, set_id: str, unique_id: str, when: datetime) -> Any:
    """The RegistryPackage of one submission set."""
    package = _object("RegistryPackage", id=set_id, status=APPROVED,
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
    _identifier(package, SUBMISSION_UNIQUE_ID, set_id, unique_id, "XDSSubmissionSet.uniqueId")
    _identifier(package, SUBMISSION_SOURCE_ID, set_id, submission.source_id, "XDSSubmissionSet.sourceId")
    _identifier(package, SUBMISSION_PATIENT_ID, set_id, submission.patient_id, "XDSSubmissionSet.patientId")
    return package


def _extrinsic(written: _Written, submission: SubmissionOut) -> Any:
    """The ExtrinsicObject of one document (its URI relative to its subset's folder)."""
    entry, doc_id = written.entry, written.entry_uuid
    patient = entry.patient_id or submission.patient_id
    element = _object("ExtrinsicObject", id=doc_id, mimeType=entry.mime_type, objectType=DOCUMENT_ENTRY,
                      status=APPROVED)
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
    return element


# -- ebRIM builders ------------------------------------------------------------------------------

def _object(tag: str, /, **attributes: str) -> Any:
    """A top-level registry object: an element of its own, written into METADATA.XML once built."""
    return etree.Element(f"{{{RIM}}}{tag}", {k: _xml_text(v) for k, v in attributes.items()}, nsmap={"rim": RIM})


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
    string.set(f"{{{XML_NAMESPACE}}}lang", language)


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
