"""Documents of the health system: HL7 CDA R2, alone or in IHE XDM archives (DOMAIN.md §5).

They reach a space three ways — a professional sends them (`mes server pro send-doc`), a
professional attaches an XDM archive to a message and the person files it, a person imports a DMP
export or a CD (`mes docs import`, one document per request) — and all three come through here,
so the same rules hold:

- the original bytes are stored unchanged; title, date, author, type code, category and
  confidentiality come from the CDA header (domain/filing.py); the confidentialityCode sets the
  document's levels (documents.cda_levels: R hidden from professionals, V also invisible to legal
  representatives), completed by the person's default for new documents;
- identity vigilance: the patient's INS in the document must be the profile's NIR (and its birth
  date the profile's); otherwise the document is refused naming both, and nothing is stored;
- a new version (same setId and a higher versionNumber, or a relatedDocument RPLC naming the
  document shown) takes the place of the previous one in listings; the previous one stays, named
  by ``superseded_by``, and the versions are listed with the document (``details``);
- a deletion request (the XDM entry's action, domain/xdm/metadata.py) removes every version;
- the vaccinations a document records (its immunization entries) go into the booklet, marked as
  recorded by a professional and linked to the document: a new version replaces them, a deletion
  removes them, the person cannot remove them (services/vaccinations.py).

A submission is checked whole before anything is stored, and filed in one transaction: a refused
document refuses the archive it came in (the sender's software sends it again, corrected).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO, Iterator

from ...contract import models as m
from ...contract.errors import MesError
from ...domain import filing, vaccination
from ...domain.filing import is_cda_entry
from ...i18n import _
from ..clock import to_iso
from ..context import ServerContext
from ..store.blobs import StagedBlob, too_large
from . import documents, vaccinations
from .common import person_by_id

if TYPE_CHECKING:
    from ...domain.cda import CdaDocument, Patient
    from ...domain.xdm.metadata import DocumentEntry

CDA_MEDIA = "text/xml"
ZIP_MEDIA = "application/zip"


@dataclass(frozen=True)
class Sender:
    """Who files: a professional (each action recorded in the access history) or the person."""

    uploaded_by: str
    rpps: str | None = None
    name: str | None = None  # the author shown when the document names none


@dataclass
class Prepared:
    """One document, read and checked, its bytes staged, ready to file."""

    staged: StagedBlob
    filing: filing.Filing
    cda: "CdaDocument | None" = None
    deletion: bool = False
    doses: list = field(default_factory=list)  # vaccination.RecordedDose, for the booklet
    notes: list[str] = field(default_factory=list)  # administrations read but left out, and why
    # Marked so by the XDS metadata of its archive (the DMP's MASQUE_PS, INVISIBLE_REPRESENTANTS_LEGAUX).
    hidden: bool = False
    hidden_from_representatives: bool = False

    def levels(self, ctx: ServerContext) -> tuple[bool, bool]:
        """(hidden from professionals, invisible to legal representatives): its CDA's confidentialityCode
        (documents.cda_levels) or its metadata's marks, whichever restricts."""
        hidden, invisible = documents.cda_levels(ctx, self.cda.confidentiality) if self.cda else (False, False)
        return hidden or self.hidden, invisible or self.hidden_from_representatives


# --- reading and checking ------------------------------------------------------------------


def _named(exc: MesError, name: str) -> MesError:
    """The same error, saying which document of an archive it is about."""
    return MesError(exc.code, _("{document}: {reason}").format(document=name, reason=exc.message),
                    {**exc.details, "document": name})


def _patient_label(patient: "Patient") -> str:
    name = " ".join(part for part in (patient.given, patient.family) if part)
    born = patient.birth_date.strftime("%d/%m/%Y") if patient.birth_date else "?"
    return _("{name}, born {date}").format(name=name or "?", date=born)


def check_patient(cda: "CdaDocument", person) -> None:
    """Identity vigilance: the document's INS is the profile's NIR, its birth date the profile's."""
    patient = cda.patient
    ins = patient.ins
    if ins is None:
        raise MesError("PATIENT_MISMATCH", _("This document gives no INS for its patient ({patient}): their "
                                             "identity cannot be checked, so it is not filed. Ask its author "
                                             "for a document that carries the patient's INS.").format(
            patient=_patient_label(patient)), {"field": "patient"})
    if ins.key_valid is False:
        raise MesError("INVALID_INS", _("The patient's INS in this document ({ins}) is not valid: its key does not "
                                        "check out. The document is refused; ask its author to correct the "
                                        "patient's identity.").format(ins=ins.extension),
                       {"field": "patient", "ins": ins.extension})
    if ins.extension == person["nir"] and patient.birth_date not in (None, dt.date.fromisoformat(person["birth_date"])):
        raise MesError("PATIENT_MISMATCH", _("This document gives this profile's INS ({ins}) with another birth date "
                                             "({document_birth}, the profile's is {profile_birth}): the identity is "
                                             "inconsistent, so nothing was filed. Ask the document's author to check "
                                             "the patient's identity.").format(
            ins=ins.extension, document_birth=patient.birth_date.strftime("%d/%m/%Y"),
            profile_birth=dt.date.fromisoformat(person["birth_date"]).strftime("%d/%m/%Y")),
            {"field": "patient", "document_ins": ins.extension, "profile_nir": person["nir"]})
    if ins.extension != person["nir"]:
        raise MesError("PATIENT_MISMATCH", _("This document is for {patient} (INS {ins}), not for the profile it "
                                             "was sent to ({person}, NIR {nir}): nothing was filed. Check the "
                                             "recipient, or ask the document's author.").format(
            patient=_patient_label(patient), ins=ins.extension,
            person=f"{person['first_name']} {person['last_name']}", nir=person["nir"]),
            {"field": "patient", "document_ins": ins.extension, "profile_nir": person["nir"]})


def _prepare_cda(staged: StagedBlob, person, today: dt.date, deletion: bool = False) -> Prepared:
    from ...domain.cda import parse_cda

    cda = parse_cda(staged.temp.read_bytes(), narrative=False)  # filing needs the header, not the text
    check_patient(cda, person)
    doses, notes = vaccination.doses_from(cda.immunizations, dt.date.fromisoformat(person["birth_date"]), today)
    return Prepared(staged, filing.of_cda(cda), cda, deletion, doses, notes)


def _stage_bytes(ctx: ServerContext, data: bytes, health: bool) -> StagedBlob:
    return ctx.blobs.receive(io.BytesIO(data), ctx.settings.max_document_bytes, health=health)


def _prepare_entry(ctx: ServerContext, archive, document, person) -> Prepared:
    """One document of an XDM archive: its size and SHA-1 checked against the metadata; a CDA is
    read and checked like any CDA, another file is judged like an upload and filed by its metadata."""
    from ...domain.xds_codes import is_hidden, is_invisible_to_representatives

    entry: DocumentEntry = document.entry
    data = archive.read(document, ctx.settings.max_document_bytes)
    is_cda = is_cda_entry(entry, data)
    staged = _stage_bytes(ctx, data, health=is_cda)
    try:
        if is_cda:
            if staged.media_type != CDA_MEDIA:
                raise MesError("NOT_CDA", _("The archive declares this document as XML, but it is not."))
            prepared = _prepare_cda(staged, person, ctx.clock.today(), entry.is_deletion)
        else:
            filing.check_entry_patient(entry, person["nir"])
            prepared = Prepared(staged, filing.of_xds_entry(entry), None, entry.is_deletion)
    except BaseException:
        ctx.blobs.discard(staged)
        raise
    prepared.hidden = is_hidden(entry.confidentiality)
    prepared.hidden_from_representatives = is_invisible_to_representatives(entry.confidentiality)
    return prepared


def _prepare_archive(ctx: ServerContext, staged_zip: StagedBlob, person) -> list[Prepared]:
    from ...domain.xdm.archive import XdmArchive

    prepared: list[Prepared] = []
    try:
        with XdmArchive(staged_zip.temp) as archive:
            for document in archive.documents():
                try:
                    prepared.append(_prepare_entry(ctx, archive, document, person))
                except MesError as exc:
                    raise _named(exc, document.path) from None
    except BaseException:
        discard(ctx, prepared)
        raise
    return prepared


def prepare(ctx: ServerContext, staged: StagedBlob, person) -> list[Prepared]:
    """A staged CDA or XDM archive as the documents to file (the archive's own bytes are dropped)."""
    if staged.media_type == ZIP_MEDIA:
        try:
            return _prepare_archive(ctx, staged, person)
        finally:
            ctx.blobs.discard(staged)
    if staged.media_type != CDA_MEDIA:
        ctx.blobs.discard(staged)
        raise MesError("NOT_CDA", _("This is not an HL7 CDA document nor an IHE XDM archive; a person's own files "
                                    "go through `mes docs upload`."), {"field": "content"})
    try:
        return [_prepare_cda(staged, person, ctx.clock.today())]
    except BaseException:
        ctx.blobs.discard(staged)
        raise


def discard(ctx: ServerContext, prepared: list[Prepared]) -> None:
    for item in prepared:
        ctx.blobs.discard(item.staged)


# --- filing ----------------------------------------------------------------------------------


def _health_columns(item: Prepared) -> dict:
    cda, meta = item.cda, item.filing
    columns = {"type_code": meta.type_code, "type_label": meta.type_label}
    if cda is not None:
        columns.update(format="cda", confidentiality=cda.confidentiality, source_id=cda.id,
                       set_id=cda.set_id or cda.id, version=cda.version,
                       header=json.dumps(cda.header(), ensure_ascii=False, default=str))
    return columns


def _current(ctx: ServerContext, profile_id: str, cda: "CdaDocument"):
    """The listed document this one is a version of: same set, or the one its RPLC names."""
    set_id = cda.set_id or cda.id
    listed = f"{documents.DOCUMENT_SELECT} WHERE profile_id = ? AND {{column}} = ? AND superseded_by IS NULL" \
             f" AND {documents.visible_condition()} ORDER BY seq DESC LIMIT 1"
    row = set_id and ctx.store.one(listed.format(column="set_id"), (profile_id, set_id))
    if not row and cda.replaces:
        row = ctx.store.one(listed.format(column="source_id"), (profile_id, cda.replaces))
    return row or None


def _delete(ctx: ServerContext, conn, profile_id: str, item: Prepared, sender: Sender,
            released: list[str]) -> m.FiledDocument:
    cda = item.cda
    current = _current(ctx, profile_id, cda) if cda else documents.existing(ctx, profile_id,
                                                                             f"sha256:{item.staged.sha256}")
    if current is None:
        return m.FiledDocument(status="absent", title=item.filing.title)
    set_id = current["set_id"]
    rows = ctx.store.all("SELECT * FROM documents WHERE profile_id = ? AND set_id = ?", (profile_id, set_id)) \
        if set_id else [current]
    for row in rows:
        conn.execute("DELETE FROM documents WHERE seq = ?", (row["seq"],))
        documents.announce(conn, ctx, "document.deleted", profile_id, row["id"])
        released.append(row["sha256"])
    vaccinations.forget_documents(ctx, [row["id"] for row in rows])
    _record(ctx, profile_id, sender, "delete_document", current["id"], current["title"])
    return m.FiledDocument(status="deleted", title=current["title"], document=documents.view(current))


def _file_one(ctx: ServerContext, conn, profile_id: str, item: Prepared, sender: Sender, now: str,
              released: list[str]) -> m.FiledDocument:
    if item.deletion:
        return _delete(ctx, conn, profile_id, item, sender, released)
    key = f"sha256:{item.staged.sha256}"
    same = documents.existing(ctx, profile_id, key)
    if same is not None:
        return m.FiledDocument(status="unchanged", title=same["title"], document=documents.view(same))
    current = _current(ctx, profile_id, item.cda) if item.cda else None
    columns = _health_columns(item)
    status = "created"
    if current is not None:
        newer = (item.cda.version or 0) > (current["version"] or 0) or item.cda.replaces == current["source_id"]
        status = "replaced" if newer else "outdated"
        if not newer:
            columns["superseded_by"] = current["id"]
    meta = item.filing
    fields = {"title": meta.title, "category": meta.category,
              "document_date": (meta.date or ctx.clock.today()).isoformat(), "author": meta.author or sender.name}
    hidden, invisible = item.levels(ctx)
    upload = documents.with_default_levels(ctx, profile_id, documents.UploadMeta(
        uploaded_by=sender.uploaded_by, idempotency_key=key, hidden=hidden, hidden_from_representatives=invisible))
    ctx.blobs.commit(conn, item.staged, now)
    document_id = documents.insert(conn, profile_id, fields, upload, item.staged.sha256, item.staged.media_type,
                                    item.staged.size, now, columns)
    if status == "replaced":
        conn.execute("UPDATE documents SET superseded_by = ? WHERE seq = ?", (document_id, current["seq"]))
        vaccinations.forget_documents(ctx, [current["id"]])
        documents.announce(conn, ctx, "document.replaced", profile_id, document_id, replaced_id=current["id"])
    else:
        documents.announce(conn, ctx, "document.added", profile_id, document_id)
    added = vaccinations.record_from_document(ctx, profile_id, document_id, item.doses) \
        if status != "outdated" else 0
    action = {"created": "add_document", "replaced": "replace_document", "outdated": "add_document"}[status]
    _record(ctx, profile_id, sender, action, document_id, meta.title)
    return m.FiledDocument(status=status, title=meta.title, document=documents.get(ctx, profile_id, document_id),
                           previous_id=current["id"] if current is not None else None, vaccinations=added,
                           notes=item.notes if status != "outdated" else [])


def _record(ctx: ServerContext, profile_id: str, sender: Sender, action: str, document_id: str,
            title: str) -> None:
    """A professional's additions, replacements and deletions go to the access history."""
    if sender.rpps:
        from .messaging import record

        record(ctx, profile_id, sender.rpps, action, document_id=document_id, detail=title)


def file(ctx: ServerContext, profile_id: str, prepared: list[Prepared], sender: Sender) -> m.FiledDocuments:
    """Files checked documents in one transaction (all or nothing), in their order."""
    released: list[str] = []
    now = to_iso(ctx.clock.now())
    try:
        with ctx.store.transaction() as conn:
            results = [_file_one(ctx, conn, profile_id, item, sender, now, released) for item in prepared]
    finally:
        discard(ctx, prepared)  # no-op for those committed (their temp files are gone)
    if released:
        documents.release_blobs(ctx, released)
    return m.FiledDocuments(documents=results)


# --- the three ways in -------------------------------------------------------------------------


def _receive(ctx: ServerContext, stream: BinaryIO, length: int | None, limit: int) -> StagedBlob:
    if length is not None and length > limit:
        raise too_large(limit)
    return ctx.blobs.receive(stream, limit, health=True)


def send_as_professional(ctx: ServerContext, rpps: str, profile: str, stream: BinaryIO,
                         length: int | None) -> m.FiledDocuments:
    """A professional's software sends a CDA document or an XDM archive to a person's space."""
    from .messaging import find_profile, professional_access

    profile_id = find_profile(ctx, profile)
    pro = professional_access(ctx, rpps, profile_id)
    staged = _receive(ctx, stream, length, ctx.settings.max_archive_bytes)
    prepared = prepare(ctx, staged, person_by_id(ctx, profile_id))
    return file(ctx, profile_id, prepared, Sender("professional", pro["rpps"], pro["name"]))


def import_for_person(ctx: ServerContext, profile_id: str, stream: BinaryIO, length: int | None,
                      deletion: bool = False, sha256: str | None = None) -> m.FiledDocument:
    """One CDA document of an archive the person imports (the CLI reads the archive and checks its
    hashes; the server checks the document and the identity again)."""
    staged = _receive(ctx, stream, length, ctx.settings.max_document_bytes)
    if sha256 and sha256.lower() != staged.sha256:
        ctx.blobs.discard(staged)
        raise MesError("CHECKSUM_MISMATCH", _("The bytes received do not match the SHA-256 sent with them; import "
                                              "the archive again."), {"received": staged.sha256})
    if staged.media_type != CDA_MEDIA:
        ctx.blobs.discard(staged)
        raise MesError("NOT_CDA", _("This is not an HL7 CDA document; a person's own files go through "
                                    "`mes docs upload`."), {"field": "content"})
    try:
        item = _prepare_cda(staged, person_by_id(ctx, profile_id), ctx.clock.today(), deletion)
    except BaseException:
        ctx.blobs.discard(staged)
        raise
    return file(ctx, profile_id, [item], Sender("person")).documents[0]


class _ChunkStream(io.RawIOBase):
    """Stored content as a readable stream (to stage it again for reading)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks, self._rest = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._rest:
            self._rest = next(self._chunks, b"")
            if not self._rest:
                return 0
        n = min(len(buffer), len(self._rest))
        buffer[:n], self._rest = self._rest[:n], self._rest[n:]
        return n


def file_attachment(ctx: ServerContext, profile_id: str, row, sender: Sender) -> m.FiledDocuments:
    """Files each document of an XDM archive (or the CDA) attached to a message."""
    if row["media_type"] not in (ZIP_MEDIA, CDA_MEDIA):
        raise MesError("NOT_CDA", _("This attachment is not an IHE XDM archive nor a CDA document: it is filed as "
                                    "it is (saveAttachment)."), {"field": "attachment"})
    stream = io.BufferedReader(_ChunkStream(ctx.blobs.chunks(row["sha256"])))
    staged = ctx.blobs.receive(stream, ctx.settings.max_archive_bytes, health=True)
    prepared = prepare(ctx, staged, person_by_id(ctx, profile_id))
    return file(ctx, profile_id, prepared, sender)


def check_attachment(ctx: ServerContext, staged: StagedBlob) -> None:
    """A zip attached by a professional must be an IHE XDM archive (its documents are checked
    when the person files them)."""
    if staged.media_type != ZIP_MEDIA:
        return
    from ...domain.xdm.archive import XdmArchive

    with XdmArchive(staged.temp) as archive:
        archive.documents()


def details(ctx: ServerContext, profile_id: str, document_id: str) -> m.CdaDetails:
    row = documents.document_row(ctx, profile_id, document_id)
    if row["format"] != "cda":
        raise MesError("NOT_CDA", _("Document {id} is not an HL7 CDA document (it is {media_type}); "
                                    "`mes docs show` gives its details.").format(id=document_id,
                                                                                  media_type=row["media_type"]),
                       {"field": "document_id"})
    versions = ctx.store.all(f"{documents.DOCUMENT_SELECT} WHERE profile_id = ? AND set_id = ?"
                             f" AND {documents.visible_condition()} ORDER BY seq DESC", (profile_id, row["set_id"]))
    return m.CdaDetails(document=documents.view(row), header=json.loads(row["header"] or "{}"),
                        versions=[documents.view(v) for v in versions])
