"""`mes export`: the whole space of a profile written into one archive (layout: the package docstring).

Export holds one document in memory at a time (fetched, checksum verified, written into the zip,
dropped), and the XDM writer the metadata entries of one subset (1,000 documents) at most, writing
each subset's METADATA.XML as soon as it is full: memory stays flat whatever the number of documents,
and `mes import` reads back an export of any size (``readback_problems`` says when it cannot).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Callable

from ... import __version__
from ...contract.errors import MesError
from ...i18n import _
from . import (
    ATTACHMENTS,
    FHIR_BUNDLE,
    FORMAT_VERSION,
    INS_NIR_OID,
    MESSAGES_FORMAT,
    MESSAGES_JSON,
    SPACE_FORMAT,
    SPACE_JSON,
    nir_of_bundle,
    to_builtins,
)

# The sending system of the submission set (XDSSubmissionSet.sourceId): mes-cli has no OID of its
# own, so a fixed one under 2.25 (ITU-T X.667, a UUID as an integer), the same in every export.
SOURCE_ID = "2.25.208760233419355412338521364227540744535"
PAGE = 200


@dataclass
class ExportItem:
    """One file written into the archive."""

    kind: str  # document | file
    path: str
    title: str | None = None
    document_id: str | None = None
    size: int = 0

    def result(self) -> dict:
        return {"kind": self.kind, "path": self.path, "title": self.title, "document_id": self.document_id,
                "size": self.size}


@dataclass
class ExportSummary:
    patient_id: str = ""
    documents: int = 0
    earlier_versions: int = 0
    profile_entries: int = 0
    vaccinations: int = 0
    conversations: int = 0
    messages: int = 0
    attachments: int = 0

    def result(self) -> dict:
        return {"patient_id": self.patient_id, "documents": self.documents,
                "earlier_versions": self.earlier_versions, "profile_entries": self.profile_entries,
                "vaccinations": self.vaccinations, "conversations": self.conversations, "messages": self.messages,
                "attachments": self.attachments}

def patient_cx(nir: str) -> str:
    """The person's INS as an HL7 v2 CX: the NIR under the INS-NIR OID."""
    return f"{nir}^^^&{INS_NIR_OID}&ISO^NH"


def _hl7_part(text: str | None) -> str:
    """Text that can sit in one component of an HL7 v2 value (no ^ & ~ \\ | separators)."""
    return " ".join("".join(" " if ch in "^&~\\|" else ch for ch in (text or "")).split())


def _xcn(name: str | None, identifier: str | None = None, authority: str | None = None) -> str | None:
    """A person as an XCN: the identifier and its authority when known, the whole name as family name."""
    if not name and not identifier:
        return None
    value = f"{_hl7_part(identifier)}^{_hl7_part(name)}"
    if identifier and authority:
        value += f"^^^^^^^&{_hl7_part(authority)}&ISO"
    return value


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc) if day else None


def _own_unique_id(sha256: str) -> str:
    """A stable uniqueId for a person's file: its SHA-256's first 128 bits as a 2.25 OID."""
    return f"2.25.{int(sha256[:32], 16)}"


def _xds_entry(view, data: bytes):
    """The XDS entry of one document, from what the space says of it (and a CDA's own header)."""
    from ...domain import xds_codes
    from ...domain.filing import CATEGORY_SLOT, FOLDER_SLOT, PINNED_SLOT
    from ...domain.xdm import DocumentEntryOut

    slots = {CATEGORY_SLOT: [view.category]}
    if view.folder:
        slots[FOLDER_SLOT] = [view.folder]
    if view.pinned:
        slots[PINNED_SLOT] = ["true"]
    invisible = view.hidden_from_representatives
    if view.format == "cda":
        from ...domain.cda import parse_cda

        cda = parse_cda(data)
        code = cda.type
        type_code = xds_codes.type_code(code.code, code.system, code.display) if code else \
            xds_codes.type_code(view.type_code or "")
        author = cda.authors[0] if cda.authors else None
        person = _xcn(author.name, author.id, author.id_root) if author else _xcn(view.author)
        institution = (_hl7_part(author.organisation) or None) if author else None
        return DocumentEntryOut(
            title=view.title, mime_type="text/xml", creation_time=cda.effective_time or _midnight(view.document_date),
            class_code=xds_codes.class_code(type_code.code, view.category), type_code=type_code,
            format_code=xds_codes.cda_format_code(cda.template_ids, cda.embedded.media_type if cda.embedded else None),
            confidentiality=xds_codes.confidentiality(view.confidentiality or cda.confidentiality, view.hidden,
                                                      invisible),
            unique_id=cda.id, author_person=person, author_institution=institution, extra_slots=slots)
    type_code = xds_codes.own_file_type_code(view.category)
    return DocumentEntryOut(
        title=view.title, mime_type=view.media_type, creation_time=_midnight(view.document_date),
        class_code=xds_codes.class_code(type_code.code, view.category), type_code=type_code,
        format_code=xds_codes.own_file_format_code(),
        confidentiality=xds_codes.confidentiality("N", view.hidden, invisible),
        unique_id=_own_unique_id(view.sha256), author_person=_xcn(view.author), extra_slots=slots)


def _listed_documents(client, profile: str) -> list:
    """Every listed document, oldest first (the order the import files them in, so that the space
    lists them as it did). Only their metadata is held: a few hundred bytes each."""
    views, cursor = [], None
    while True:
        page = client.list_documents(profile, limit=PAGE, cursor=cursor)
        views.extend(page.documents)
        cursor = page.next_cursor
        if not cursor:
            return views[::-1]


def _earlier_versions(client, profile: str, view) -> list:
    """A CDA document's earlier versions, oldest first (written before it, so that the import files
    them in order and the newest replaces them)."""
    if view.format != "cda" or view.version == 1:
        return []
    versions = client.cda_details(profile, view.id).versions
    return [version for version in reversed(versions) if version.id != view.id]


def _json_bytes(value: Any) -> bytes:
    """A JSON file of the archive: UTF-8, indented, so that a person can read it."""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")


def _attachment_path(message_id: str, attachment) -> str:
    from ..downloads import safe_filename

    return f"{ATTACHMENTS}/{message_id}/{attachment.id}-{safe_filename(attachment.filename, '')}"


def _attachment_bytes(client, profile: str, message_id: str, attachment) -> bytes:
    reply = client.raw("GET", f"/v1/profiles/{profile}/messages/{message_id}/attachments/{attachment.id}",
                       admin=False)
    data = reply.content
    if hashlib.sha256(data).hexdigest() != attachment.sha256:
        raise MesError("CHECKSUM_MISMATCH", _("The bytes received for the attachment {name!r} do not match its "
                                              "SHA-256; nothing was written. Try again.").format(
            name=attachment.filename), {"expected": attachment.sha256})
    return data


def _write_messages(client, profile: str, writer, summary: ExportSummary,
                    on_item: Callable[[ExportItem], None]) -> None:
    """Every conversation with its messages and attachments. Reading a conversation marks its messages
    read on the server (there is no other way to read them); the archive keeps them as they were."""
    conversations = []
    for listed in client.conversations(profile).conversations:
        conversation = client.read_conversation(profile, listed.id)
        as_data = to_builtins(conversation)
        for message, message_data in zip(conversation.messages, as_data["messages"]):
            summary.messages += 1
            for attachment, attachment_data in zip(message.attachments, message_data["attachments"]):
                data = _attachment_bytes(client, profile, message.id, attachment)
                path = writer.add_file(_attachment_path(message.id, attachment), data)
                attachment_data["file"] = path
                summary.attachments += 1
                on_item(ExportItem("file", path, attachment.filename, None, len(data)))
                del data
        conversations.append(as_data)
        summary.conversations += 1
    # Each attachment's bytes are in the file of the archive its "file" names.
    document = {"format": MESSAGES_FORMAT, "version": FORMAT_VERSION, "conversations": conversations}
    data = _json_bytes(document)
    on_item(ExportItem("file", writer.add_file(MESSAGES_JSON, data), None, None, len(data)))


def export_space(client, profile: str, target: BinaryIO, *,
                 on_item: Callable[[ExportItem], None] = lambda item: None) -> ExportSummary:
    """Writes the whole space of ``profile`` into ``target`` as one archive (layout: the package docstring)."""
    from ...domain.xdm import SubmissionOut, XdmWriter
    from ..downloads import fetch_bytes, safe_filename

    medical = client.medical_profile(profile)
    bundle = client.fhir_bundle(profile)
    nir = nir_of_bundle(bundle)
    if not nir:
        raise MesError("BAD_RESPONSE", _("The server's FHIR bundle names no INS-NIR for this profile, so the "
                                         "archive cannot say whose documents it holds; is --api-url a mes server "
                                         "of a compatible version?"))
    vaccinations = client.vaccinations(profile)
    account = client.whoami().account
    summary = ExportSummary(patient_id=patient_cx(nir))
    person = f"{medical.first_name} {medical.last_name}"
    # Given now, so that the writer writes each subset's METADATA.XML as soon as it is full.
    writer = XdmWriter(target, SubmissionOut(
        title=f"Mon espace santé – {person}",
        author=_xcn(f"{account.first_name} {account.last_name}"), patient_id=summary.patient_id,
        source_id=SOURCE_ID,
        comments=f"Export de l'espace santé de {person} (mes export) : documents, profil médical, "
                 "vaccinations et messages."))
    try:
        for view in _listed_documents(client, profile):
            earlier = _earlier_versions(client, profile, view)
            for version in [*earlier, view]:
                data = fetch_bytes(client, profile, version)
                path = writer.add_document(safe_filename(version.title, version.media_type), data,
                                           _xds_entry(version, data))
                on_item(ExportItem("document", path, version.title, version.id, len(data)))
                del data
            summary.documents += 1
            summary.earlier_versions += len(earlier)

        data = _json_bytes(bundle)
        on_item(ExportItem("file", writer.add_file(FHIR_BUNDLE, data), None, None, len(data)))
        summary.profile_entries = sum(len(section.entries) for section in medical.sections)
        summary.vaccinations = len(vaccinations.vaccinations)
        space = {
            "format": SPACE_FORMAT, "version": FORMAT_VERSION, "software": f"mes-cli {__version__}",
            "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "person": {"nir": nir, "first_name": medical.first_name, "last_name": medical.last_name,
                       "birth_date": medical.birth_date.isoformat()},
            "profile": to_builtins(medical), "vaccinations": to_builtins(vaccinations.vaccinations),
            "folders": [folder.name for folder in client.document_folders(profile).folders],
        }
        data = _json_bytes(space)
        on_item(ExportItem("file", writer.add_file(SPACE_JSON, data), None, None, len(data)))
        _write_messages(client, profile, writer, summary, on_item)

        writer.close()
    except BaseException:
        writer.abort()
        raise
    return summary


def readback_problems(path: Path) -> list[str]:
    """What would keep `mes import` from reading this archive back: the limits every XDM archive is read
    under (domain/xdm/safezip.py: the number of entries, the inflated size against the archive's own
    size; domain/xdm/metadata.py: each METADATA.XML at most 16 MiB, which the writer's subsets of 1,000
    documents keep far below). In practice only the number of files can stand in the way."""
    import zipfile

    from ...domain.xdm.metadata import MAX_METADATA_BYTES
    from ...domain.xdm.safezip import MAX_ENTRIES, max_inflated_bytes

    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    problems = []
    if len(infos) > MAX_ENTRIES:
        problems.append(_("it holds {count} files, more than the {limit} an archive may hold").format(
            count=len(infos), limit=MAX_ENTRIES))
    total = sum(info.file_size for info in infos)
    limit = max_inflated_bytes(path.stat().st_size)
    if total > limit:
        problems.append(_("it holds {size} MB, more than the {limit} MB an archive may hold").format(
            size=total // 1_000_000, limit=limit // 1_000_000))
    metadata = max((info.file_size for info in infos if info.filename.upper().endswith("/METADATA.XML")), default=0)
    if metadata > MAX_METADATA_BYTES:
        problems.append(_("its METADATA.XML is {size} MB, more than the {limit} MB a reader accepts").format(
            size=metadata // 1_000_000, limit=MAX_METADATA_BYTES // 1_000_000))
    return problems
