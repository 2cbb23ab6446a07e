"""Data portability as a library: the whole space out as one archive (`mes export`), and back into a
space, on this server or another (`mes import`). No printing: each item's outcome goes to a callback.

The archive is an IHE XDM zip, so that any health software reads its documents, with the rest of
the space beside the XDM folder::

    README.TXT, INDEX.HTM           as the ANS archives have them (domain/xdm/writer.py)
    IHE_XDM/SUBSET01/METADATA.XML   one XDS entry per document: hash, size, type, class, format,
                                    confidentiality, the person's INS (domain/xds_codes.py)
    IHE_XDM/SUBSET01/DOC0001.XML …  every document as it is: the CDA originals byte for byte (earlier
                                    versions first), the person's own files
    FHIR/bundle.json                the medical profile and vaccinations as a FHIR R4 Bundle, for
                                    other software (what the server's FHIR export gives)
    MES/space.json                  the same, in mes' own terms: what `mes import` restores exactly
    MES/messages.json               the conversations with their messages (never restored: only a
    MES/attachments/…               professional can start a conversation), and their attachments

Export holds one document in memory at a time (fetched, checksum verified, written into the zip,
dropped): memory stays flat whatever the number of documents. Import files the documents through
``health_import.import_archive`` (what `mes docs import` does: CDA documents to the server's import
endpoint, which checks the patient's INS; other files through the ordinary upload), then restores
what the person chose for them (hidden from professionals, title, category), the profile and the
vaccinations, comparing with what the space already holds: running it twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable

from .. import __version__
from ..contract.errors import MesError
from ..i18n import _

FHIR_BUNDLE = "FHIR/bundle.json"
SPACE_JSON = "MES/space.json"
MESSAGES_JSON = "MES/messages.json"
ATTACHMENTS = "MES/attachments"
SPACE_FORMAT = "mes-cli/space"
MESSAGES_FORMAT = "mes-cli/messages"
FORMAT_VERSION = 1
INS_NIR_OID = "1.2.250.1.213.1.4.8"
INS_OID_PREFIX = "urn:oid:1.2.250.1.213.1.4."
# The sending system of the submission set (XDSSubmissionSet.sourceId): mes-cli has no OID of its
# own, so a fixed one under 2.25 (ITU-T X.667, a UUID as an integer), the same in every export.
SOURCE_ID = "2.25.208760233419355412338521364227540744535"
MAX_JSON_BYTES = 64 * 1024 * 1024
PAGE = 200
_CHOSEN = ("created", "replaced")  # a document new in this space: what the person chose is restored


# -- export ---------------------------------------------------------------------------------------

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


def nir_of_bundle(bundle: dict) -> str | None:
    """The NIR of the profile, read from its FHIR bundle's Patient (INS-NIR identifier, FR Core)."""
    found = []
    for entry in bundle.get("entry") or []:
        resource = (entry or {}).get("resource") or {}
        if resource.get("resourceType") != "Patient":
            continue
        for identifier in resource.get("identifier") or []:
            system, value = identifier.get("system") or "", identifier.get("value")
            if system.startswith(INS_OID_PREFIX) and value:
                found.append((system != INS_OID_PREFIX + "8", value))
    return sorted(found)[0][1] if found else None


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


def _entry(view, data: bytes):
    """The XDS entry of one document, from what the space says of it (and a CDA's own header)."""
    from ..domain import xds_codes
    from ..domain.filing import CATEGORY_SLOT
    from ..domain.xdm import DocumentEntryOut

    slots = {CATEGORY_SLOT: [view.category]}
    if view.format == "cda":
        from ..domain.cda import parse_cda

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
            confidentiality=xds_codes.confidentiality(view.confidentiality or cda.confidentiality, view.hidden),
            unique_id=cda.id, author_person=person, author_institution=institution, extra_slots=slots)
    type_code = xds_codes.own_file_type_code(view.category)
    return DocumentEntryOut(
        title=view.title, mime_type=view.media_type, creation_time=_midnight(view.document_date),
        class_code=xds_codes.class_code(type_code.code, view.category), type_code=type_code,
        format_code=xds_codes.own_file_format_code(), confidentiality=xds_codes.confidentiality("N", view.hidden),
        unique_id=_own_unique_id(view.sha256), author_person=_xcn(view.author), extra_slots=slots)


def _documents(client, profile: str) -> list:
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


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")


def _builtins(value: Any) -> Any:
    import msgspec

    return msgspec.to_builtins(value)


def _attachment_path(message_id: str, attachment) -> str:
    from .downloads import safe_filename

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
        as_data = _builtins(conversation)
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
    data = _json(document)
    on_item(ExportItem("file", writer.add_file(MESSAGES_JSON, data), None, None, len(data)))


def export_space(client, profile: str, target: BinaryIO, *,
                 on_item: Callable[[ExportItem], None] = lambda item: None) -> ExportSummary:
    """Writes the whole space of ``profile`` into ``target`` as one archive (layout: module docstring)."""
    from ..domain.xdm import SubmissionOut, XdmWriter
    from .downloads import fetch_bytes, safe_filename

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
    writer = XdmWriter(target)
    try:
        for view in _documents(client, profile):
            earlier = _earlier_versions(client, profile, view)
            for version in [*earlier, view]:
                data = fetch_bytes(client, profile, version)
                path = writer.add_document(safe_filename(version.title, version.media_type), data,
                                           _entry(version, data))
                on_item(ExportItem("document", path, version.title, version.id, len(data)))
                del data
            summary.documents += 1
            summary.earlier_versions += len(earlier)

        data = _json(bundle)
        on_item(ExportItem("file", writer.add_file(FHIR_BUNDLE, data), None, None, len(data)))
        summary.profile_entries = sum(len(section.entries) for section in medical.sections)
        summary.vaccinations = len(vaccinations.vaccinations)
        space = {
            "format": SPACE_FORMAT, "version": FORMAT_VERSION, "software": f"mes-cli {__version__}",
            "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "person": {"nir": nir, "first_name": medical.first_name, "last_name": medical.last_name,
                       "birth_date": medical.birth_date.isoformat()},
            "profile": _builtins(medical), "vaccinations": _builtins(vaccinations.vaccinations),
        }
        data = _json(space)
        on_item(ExportItem("file", writer.add_file(SPACE_JSON, data), None, None, len(data)))
        _write_messages(client, profile, writer, summary, on_item)

        person = f"{medical.first_name} {medical.last_name}"
        writer.close(SubmissionOut(
            title=f"Mon espace santé – {person}",
            author=_xcn(f"{account.first_name} {account.last_name}"), patient_id=summary.patient_id,
            source_id=SOURCE_ID,
            comments=f"Export de l'espace santé de {person} (mes export) : documents, profil médical, "
                     "vaccinations et messages."))
    except BaseException:
        writer.abort()
        raise
    return summary


def readback_problems(path: Path) -> list[str]:
    """What would keep `mes import` from reading this archive back: the limits every XDM archive is read
    under (domain/xdm: entries, inflated size, a METADATA.XML of at most 16 MiB, ~5 kB per document)."""
    import zipfile

    from ..domain.xdm import MAX_ENTRIES, MAX_TOTAL_BYTES
    from ..domain.xdm.metadata import MAX_METADATA_BYTES

    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    problems = []
    if len(infos) > MAX_ENTRIES:
        problems.append(_("it holds {count} files, more than the {limit} an archive may hold").format(
            count=len(infos), limit=MAX_ENTRIES))
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_BYTES:
        problems.append(_("it holds {size} MB, more than the {limit} MB an archive may hold").format(
            size=total // 1_000_000, limit=MAX_TOTAL_BYTES // 1_000_000))
    metadata = sum(info.file_size for info in infos if info.filename.upper().endswith("/METADATA.XML"))
    if metadata > MAX_METADATA_BYTES:
        problems.append(_("its METADATA.XML is {size} MB, more than the {limit} MB a reader accepts").format(
            size=metadata // 1_000_000, limit=MAX_METADATA_BYTES // 1_000_000))
    return problems


# -- import ---------------------------------------------------------------------------------------

@dataclass
class SpaceItem:
    """What became of one thing of the archive: a document, a profile entry, a vaccination…"""

    kind: str  # document | profile_entry | blood_group | not_concerned | vaccination | archive
    path: str
    # created | replaced | deleted | unchanged | outdated | absent | kept | valid (dry run) | failed
    status: str = "pending"
    id: str | None = None
    title: str | None = None
    category: str | None = None
    date: str | None = None
    error_code: str | None = None
    error: str | None = None

    def fail(self, exc: MesError) -> None:
        self.status, self.error_code, self.error = "failed", exc.code, exc.message

    def result(self) -> dict:
        return {"kind": self.kind, "path": self.path, "status": self.status, "id": self.id, "title": self.title,
                "category": self.category, "date": self.date, "error_code": self.error_code, "error": self.error}


@dataclass
class SpaceImport:
    items: list[SpaceItem] = field(default_factory=list)
    conversations: int = 0  # in the archive, not restored
    has_space: bool = False  # the archive holds MES/space.json (made by `mes export`)


@dataclass(frozen=True)
class _Chosen:
    """What the person had chosen for a document, as the archive's metadata says it."""

    title: str | None
    category: str | None
    hidden: bool


def _read_archive(path: Path) -> tuple[dict[str, _Chosen], dict | None, int, MesError | None]:
    """The person's choices by document path, MES/space.json, the number of conversations, and what is
    wrong with MES/space.json or MES/messages.json if anything is. A problem with the archive itself is
    raised (``import_archive`` reports it, as one item)."""
    from ..domain.categories import CATEGORIES
    from ..domain.filing import CATEGORY_SLOT
    from ..domain.xdm import XdmArchive
    from ..domain.xds_codes import is_hidden

    with XdmArchive(path) as archive:
        chosen = {}
        for document in archive.documents():
            entry = document.entry
            category = (entry.extra_slots.get(CATEGORY_SLOT) or ("",))[0]
            chosen[document.path] = _Chosen(entry.title, category if category in CATEGORIES else None,
                                            is_hidden(entry.confidentiality))
        space, conversations, problem = None, 0, None
        try:
            found = archive.zip.find(archive.root + SPACE_JSON)
            if found:
                space = _load_json(archive.read_file(found, MAX_JSON_BYTES), SPACE_FORMAT, found)
            messages = archive.zip.find(archive.root + MESSAGES_JSON)
            if messages:
                conversations = len(_load_json(archive.read_file(messages, MAX_JSON_BYTES), MESSAGES_FORMAT,
                                               messages).get("conversations") or [])
        except MesError as exc:
            problem = exc
    return chosen, space, conversations, problem


def _load_json(data: bytes, expected: str, name: str) -> dict:
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        value = None
    if not isinstance(value, dict) or value.get("format") != expected:
        raise MesError("INVALID_ARCHIVE", _("{entry} in this archive is not what `mes export` writes; the archive "
                                            "was changed or damaged. Export it again.").format(entry=name),
                       {"entry": name})
    if value.get("version") != FORMAT_VERSION:
        raise MesError("INVALID_ARCHIVE", _("{entry} is in version {version} of the format; this mes reads "
                                            "version {supported}. Update mes.").format(
            entry=name, version=value.get("version"), supported=FORMAT_VERSION), {"entry": name})
    return value


def _restore_choices(client, profile: str, item: SpaceItem, chosen: _Chosen | None) -> None:
    """A document new in this space is hidden, titled and filed as the person had it."""
    from ..contract import models as m
    from ..domain.filing import shorten

    if chosen is None or item.status not in _CHOSEN or not item.id:
        return
    title = shorten(chosen.title) if chosen.title else None
    patch = m.DocumentPatch(hidden=True if chosen.hidden else None,
                            title=title if title and title != item.title else None,
                            category=chosen.category if chosen.category and chosen.category != item.category
                            else None)
    if patch.hidden is None and patch.title is None and patch.category is None:
        return
    updated = client.update_document(profile, item.id, patch)
    item.title, item.category = updated.title, updated.category


def _document_item(imported) -> SpaceItem:
    return SpaceItem("document" if imported.path else "archive", imported.path, imported.status,
                     imported.document_id, imported.title, imported.category, imported.date, imported.error_code,
                     imported.error)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _describe_entry(section: str, fields: dict) -> str:
    if section == "measures":
        if fields.get("kind") == "blood_pressure":
            return f"{fields.get('systolic')}/{fields.get('diastolic')} mmHg"
        return f"{fields.get('kind')} {fields.get('value')} {fields.get('unit') or ''}".strip()
    if section == "family_history":
        return f"{fields.get('relative')}: {fields.get('condition')}"
    return str(fields.get("name") or fields.get("substance") or section)


def _entry_date(fields: dict) -> str | None:
    return fields.get("date") or fields.get("since") or fields.get("start_date")


def _restore_profile(client, profile: str, space: dict, dry_run: bool,
                     on_item: Callable[[SpaceItem], None]) -> list[SpaceItem]:
    """The profile entries, blood group and "not concerned" marks the space does not hold yet."""
    import msgspec

    from ..contract import models as m

    items: list[SpaceItem] = []

    def emit(item: SpaceItem) -> None:
        items.append(item)
        on_item(item)

    current = client.medical_profile(profile)
    held = Counter(_key([s.section, e.fields]) for s in current.sections for e in s.entries)
    sections = {s.section: s for s in current.sections}
    saved = space.get("profile") or {}
    for section in saved.get("sections") or []:
        name = section.get("section")
        for number, entry in enumerate(section.get("entries") or []):
            fields = entry.get("fields") or {}
            item = SpaceItem("profile_entry", f"{SPACE_JSON}#profile/{name}/{number}", title=_describe_entry(
                name, fields), category=name, date=_entry_date(fields))
            key = _key([name, fields])
            if held[key] > 0:
                held[key] -= 1
                item.status = "unchanged"
            elif dry_run:
                item.status = "valid"
            else:
                try:
                    kind = m.PROFILE_SECTIONS.get(name)
                    if kind is None:
                        raise MesError("INVALID_ARCHIVE", _("Unknown section {section!r} in the archive's "
                                                            "profile.").format(section=name), {"section": name})
                    known = {f.name for f in msgspec.structs.fields(kind)}
                    try:
                        value = msgspec.convert({k: v for k, v in fields.items() if k in known}, kind)
                    except msgspec.ValidationError as exc:
                        raise MesError("INVALID_ARCHIVE", _("A {section} entry of the archive's profile is not "
                                                            "valid ({problem}).").format(section=name, problem=exc),
                                       {"section": name}) from None
                    item.id, item.status = client.add_entry(profile, name, value).id, "created"
                except MesError as exc:
                    item.fail(exc)
            emit(item)

    blood = saved.get("blood_group")
    if blood:
        item = SpaceItem("blood_group", f"{SPACE_JSON}#profile/blood_group", title=blood)
        if current.blood_group == blood:
            item.status = "unchanged"
        elif current.blood_group:
            item.status = "kept"
            item.error = _("This space already gives blood group {held}; it was kept (the archive says "
                           "{saved}).").format(held=current.blood_group, saved=blood)
        elif dry_run:
            item.status = "valid"
        else:
            try:
                client.set_blood_group(profile, blood)
                item.status = "created"
            except MesError as exc:
                item.fail(exc)
        emit(item)

    for section in saved.get("sections") or []:
        name = section.get("section")
        if not section.get("not_concerned"):
            continue
        item = SpaceItem("not_concerned", f"{SPACE_JSON}#profile/{name}/not_concerned", title=name, category=name)
        held_section = sections.get(name)
        if held_section is not None and held_section.not_concerned:
            item.status = "unchanged"
        elif held_section is not None and held_section.entries:
            item.status = "kept"
            item.error = _("This space has entries in {section}; it is not marked 'not concerned'.").format(
                section=name)
        elif dry_run:
            item.status = "valid"
        else:
            try:
                client.mark_section(profile, name, True)
                item.status = "created"
            except MesError as exc:
                item.fail(exc)
        emit(item)
    return items


def _vaccination_key(value: dict) -> str:
    return _key([value.get(k) for k in ("vaccine", "date", "dose", "lot", "performer")])


def _restore_vaccinations(client, profile: str, space: dict, dry_run: bool,
                          on_item: Callable[[SpaceItem], None]) -> list[SpaceItem]:
    from ..contract import models as m

    held = Counter(_vaccination_key(_builtins(v)) for v in client.vaccinations(profile).vaccinations)
    items = []
    for number, saved in enumerate(space.get("vaccinations") or []):
        if saved.get("recorded_by") == "professional":
            continue  # read again from its professional's document, filed with the documents
        item = SpaceItem("vaccination", f"{SPACE_JSON}#vaccinations/{number}",
                         title=saved.get("vaccine_name") or saved.get("vaccine"), date=saved.get("date"))
        key = _vaccination_key(saved)
        if held[key] > 0:
            held[key] -= 1
            item.status = "unchanged"
        elif dry_run:
            item.status = "valid"
        else:
            try:
                added = client.add_vaccination(profile, m.VaccinationIn(
                    vaccine=str(saved.get("vaccine") or ""), date=str(saved.get("date") or ""),
                    dose=saved.get("dose") or "first", lot=saved.get("lot"), performer=saved.get("performer")))
                item.id, item.status = added.id, "created"
            except MesError as exc:
                item.fail(exc)
        items.append(item)
        on_item(item)
    return items


def _same_person(client, profile: str, space: dict) -> MesError | None:
    """Identity vigilance for the profile: the archive's person is this profile's (NIR and birth date)."""
    person = space.get("person") or {}
    held_nir = nir_of_bundle(client.fhir_bundle(profile))
    birth = client.medical_profile(profile).birth_date.isoformat()
    if person.get("nir") == held_nir and person.get("birth_date") == birth:
        return None
    name = " ".join(str(person.get(k) or "") for k in ("first_name", "last_name")).strip() or "?"
    return MesError("PATIENT_MISMATCH", _("This archive is {name}'s (NIR {nir}, born {birth}), not this "
                                          "profile's: their medical profile and vaccinations were not restored.")
                    .format(name=name, nir=person.get("nir") or "?", birth=person.get("birth_date") or "?"),
                    {"field": "patient", "archive_nir": person.get("nir"), "profile_nir": held_nir})


def import_space(client, profile: str, path: Path, *, dry_run: bool = False,
                 on_item: Callable[[SpaceItem], None] = lambda item: None) -> SpaceImport:
    """Restores an archive of `mes export` into ``profile``: documents, then the profile and vaccinations.

    Any IHE XDM archive is accepted (its documents are filed as `mes docs import` files them); the
    profile and vaccinations come only from an archive of `mes export` (MES/space.json). A problem
    with one item does not stop the others.
    """
    from .health_import import import_archive

    report = SpaceImport()
    path = Path(path)
    try:
        chosen, space, report.conversations, problem = _read_archive(path)
    except (MesError, OSError):  # import_archive reports what is wrong with the archive, as one item
        chosen, space, problem = {}, None, None
    report.has_space = space is not None

    def document_done(imported) -> None:
        item = _document_item(imported)
        if space is not None and not dry_run:
            try:
                _restore_choices(client, profile, item, chosen.get(item.path))
            except MesError as exc:
                item.fail(exc)
        report.items.append(item)
        on_item(item)

    import_archive(client, profile, path, dry_run=dry_run, on_item=document_done)
    if problem is not None:
        item = SpaceItem("profile", problem.details.get("entry") or SPACE_JSON)
        item.fail(problem)
        report.items.append(item)
        on_item(item)
    if space is None:
        return report

    mismatch = _same_person(client, profile, space)
    if mismatch is not None:
        item = SpaceItem("profile", SPACE_JSON)
        item.fail(mismatch)
        report.items.append(item)
        on_item(item)
        return report
    report.items += _restore_profile(client, profile, space, dry_run, on_item)
    report.items += _restore_vaccinations(client, profile, space, dry_run, on_item)
    return report
