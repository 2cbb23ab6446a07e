"""Importing IHE XDM archives (a DMP export, a CD or USB stick, `mes export`) as a library.

No printing: each document's outcome goes to a callback, so the CLI, a script or a test can drive
it. The archive is read here, one document at a time (memory stays flat whatever the archive
holds): its size and SHA-1 are checked against METADATA.XML, then a CDA document goes to the
server's import endpoint, which reads its header and checks the patient's identity again, and any
other file (a person's own, from `mes export`) goes through the ordinary upload with the title,
date and category its metadata gives. Both are keyed by content, so a re-run files nothing twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..contract.errors import ExitStatus, MesError
from ..i18n import _

MAX_DOCUMENT_BYTES = 5_000_000
# The network or the session is gone: no point going on with the next documents.
_FATAL = (ExitStatus.NETWORK, ExitStatus.AUTH)


@dataclass
class ImportItem:
    archive: Path
    path: str  # the document's path inside the archive
    title: str | None = None
    category: str | None = None
    type_code: str | None = None
    date: str | None = None
    deletion: bool = False
    size: int = 0
    # pending → created | replaced | deleted | unchanged | outdated | absent | valid (dry run) | failed
    status: str = "pending"
    document_id: str | None = None
    vaccinations: int = 0  # doses the document added to the booklet
    notes: list[str] = field(default_factory=list)  # what was read but left out
    error_code: str | None = None
    error: str | None = None

    def fail(self, exc: MesError) -> None:
        self.status, self.error_code, self.error = "failed", exc.code, exc.message

    def result(self) -> dict:
        return {"archive": str(self.archive), "path": self.path, "status": self.status,
                "document_id": self.document_id, "title": self.title, "category": self.category,
                "type_code": self.type_code, "date": self.date, "size": self.size, "vaccinations": self.vaccinations,
                "notes": self.notes, "error_code": self.error_code, "error": self.error}


def _describe(item: ImportItem, entry, data: bytes, read_header: bool) -> bool:
    """Fills what the item says from its metadata, or from its CDA header when ``read_header`` (a dry
    run: a real import takes the server's reading of it, which reads the header anyway); True for
    a CDA."""
    from ..domain import filing

    is_cda = filing.is_cda_entry(entry, data)
    if is_cda and read_header:
        from ..domain.cda import parse_cda

        meta = filing.of_cda(parse_cda(data))
    else:
        meta = filing.of_xds_entry(entry)
    item.title, item.category, item.type_code = meta.title, meta.category, meta.type_code
    item.date = meta.date.isoformat() if meta.date else None
    return is_cda


def _file(client, profile: str, item: ImportItem, data: bytes, is_cda: bool) -> None:
    sha256 = hashlib.sha256(data).hexdigest()
    if is_cda:
        filed = client.import_health_document(profile, data, sha256=sha256, deletion=item.deletion)
        item.status, item.vaccinations, item.notes = filed.status, filed.vaccinations, filed.notes
        document = filed.document
        if document is not None:
            item.document_id, item.title, item.category = document.id, document.title, document.category
            item.type_code = document.type_code
            item.date = document.document_date.isoformat() if document.document_date else None
        return
    if item.deletion:  # a person's own files are deleted by `mes docs delete`, not by an archive
        item.status = "absent"
        return
    from ..domain.sniff import sniff_bytes

    sniff_bytes(data)  # the official list of formats, judged from the content as for any upload
    uploaded = client.upload_document(profile, Path(item.path), size=len(data), sha256=sha256,
                                      idempotency_key=f"sha256:{sha256}", title=item.title,
                                      category=item.category, date=item.date, data=data)
    item.status = "created" if uploaded.created else "unchanged"
    item.document_id = uploaded.document.id


def import_archive(client, profile: str, archive_path: Path, *, dry_run: bool = False,
                   on_item: Callable[[ImportItem], None] = lambda item: None) -> list[ImportItem]:
    """Files every document of one archive; a refused document does not stop the others.

    A problem with the archive itself (not a zip, unsafe, no METADATA.XML) is one failed item
    named after the archive: nothing of it is read further.
    """
    from ..domain.xdm.archive import XdmArchive

    items: list[ImportItem] = []
    try:
        with XdmArchive(archive_path) as archive:
            for document in archive.documents():
                item = ImportItem(archive=archive_path, path=document.path, deletion=document.entry.is_deletion)
                items.append(item)
                try:
                    data = archive.read(document, MAX_DOCUMENT_BYTES)
                    item.size = len(data)
                    is_cda = _describe(item, document.entry, data, read_header=dry_run)
                    if dry_run:
                        item.status = "valid"
                    else:
                        _file(client, profile, item, data, is_cda)
                except MesError as exc:
                    if exc.exit_status in _FATAL:
                        raise
                    item.fail(exc)
                on_item(item)
    except MesError as exc:
        if exc.exit_status in _FATAL:
            raise
        item = ImportItem(archive=archive_path, path="")
        item.fail(exc)
        items.append(item)
        on_item(item)
    except OSError as exc:
        item = ImportItem(archive=archive_path, path="")
        item.fail(MesError("INVALID_ARCHIVE", _("Cannot read {path}: {reason}.").format(
            path=archive_path, reason=exc.strerror or exc)))
        items.append(item)
        on_item(item)
    return items
