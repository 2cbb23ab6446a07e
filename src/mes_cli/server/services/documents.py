"""Documents of a profile: upload (streamed, idempotent), list (keyset), read, hide, delete.

Order of writes, so that a crash at any point leaves the whole document or
nothing visible: bytes to a temp file and fsync; then one database write
transaction that stores the bytes (store/blobs.py) and inserts their metadata.
Deletion removes the metadata first and the bytes after, under the write lock again.
"""

from __future__ import annotations

import base64
import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from ...contract import models as m
from ...contract.errors import MesError
from ...domain.categories import CATEGORIES, DEFAULT_CATEGORY, validate_category
from ...domain.dates import parse_date
from ...domain.sniff import EXTENSIONS
from ...i18n import _
from ..clock import from_iso, to_iso
from ..context import ServerContext
from ..store.blobs import too_large
from .common import new_id

TITLE_MAX = 50
PAGE_MAX = 1000


@dataclass(frozen=True)
class UploadMeta:
    title: str | None = None
    filename: str | None = None
    category: str | None = None
    document_date: str | None = None
    author: str | None = None
    hidden: bool = False
    uploaded_by: str = "person"
    idempotency_key: str | None = None
    sha256: str | None = None  # what the client computed; checked against the bytes received


@dataclass(frozen=True)
class FileResult:
    """Bytes to send as a download: a file or an iterator of chunks, and what to say about them."""

    body: BinaryIO | Iterator[bytes]
    media_type: str
    size: int
    sha256: str
    filename: str


def view(row: sqlite3.Row) -> m.DocumentView:
    return m.DocumentView(
        id=row["id"], profile_id=row["profile_id"], title=row["title"], category=row["category"],
        category_label=CATEGORIES[row["category"]],
        document_date=dt.date.fromisoformat(row["document_date"]) if row["document_date"] else None,
        author=row["author"], uploaded_by=row["uploaded_by"], media_type=row["media_type"], size=row["size"],
        sha256=row["sha256"], hidden=bool(row["hidden"]), created_at=from_iso(row["created_at"]),
        format=row["format"], type_code=row["type_code"], type_label=row["type_label"],
        confidentiality=row["confidentiality"], version=row["version"],
    )


def validate_title(raw: str) -> str:
    title = " ".join(raw.split())
    if not title:
        raise MesError("INVALID_TITLE", _("The title is empty; give a short title (--title)."), {"field": "title"})
    if len(title) > TITLE_MAX:
        raise MesError("INVALID_TITLE", _("The title has {length} characters; at most {limit} are allowed.").format(
            length=len(title), limit=TITLE_MAX), {"field": "title"})
    return title


def title_from_filename(filename: str | None) -> str:
    stem = Path(filename or "").stem.replace("_", " ").strip() or "Document"
    return " ".join(stem.split())[:TITLE_MAX].rstrip()  # a long name is shortened (the CLI says so)


def _validated(ctx: ServerContext, meta: UploadMeta) -> dict:
    today = ctx.clock.today()
    return {
        "title": validate_title(meta.title) if meta.title is not None else title_from_filename(meta.filename),
        "category": validate_category(meta.category) if meta.category else DEFAULT_CATEGORY,
        "document_date": (parse_date(meta.document_date, "document_date", today=today) if meta.document_date
                          else today).isoformat(),
        "author": (meta.author or "").strip()[:100] or None,
    }


def _existing(ctx: ServerContext, profile_id: str, key: str | None) -> sqlite3.Row | None:
    if not key:
        return None
    return ctx.store.one("SELECT * FROM documents WHERE profile_id = ? AND idempotency_key = ?", (profile_id, key))


def _replay(row: sqlite3.Row, meta: UploadMeta) -> m.UploadResult:
    if meta.sha256 and meta.sha256 != row["sha256"]:
        raise MesError("IDEMPOTENCY_KEY_REUSED", _("This idempotency key was already used for different content; "
                                                   "use a new key for a new document."))
    return m.UploadResult(created=False, document=view(row))


def upload(ctx: ServerContext, profile_id: str, stream: BinaryIO, length: int | None,
           meta: UploadMeta) -> m.UploadResult:
    fields = _validated(ctx, meta)  # refuse bad metadata before reading any byte
    existing = _existing(ctx, profile_id, meta.idempotency_key)
    if existing is not None:
        return _replay(existing, meta)
    limit = ctx.settings.max_document_bytes
    if length is not None and length > limit:
        raise too_large(limit)
    blobs = ctx.blobs
    staged = blobs.receive(stream, limit)
    if meta.sha256 and meta.sha256.lower() != staged.sha256:
        blobs.discard(staged)
        raise MesError("CHECKSUM_MISMATCH", _("The bytes received do not match the SHA-256 sent with them: the file "
                                              "changed or was damaged on the way; upload it again."),
                       {"received": staged.sha256})
    now = to_iso(ctx.clock.now())
    try:
        with ctx.store.transaction() as conn:
            existing = _existing(ctx, profile_id, meta.idempotency_key)  # a concurrent retry may have won
            if existing is not None:
                blobs.discard(staged)
                return _replay(existing, meta)
            blobs.commit(conn, staged, now)
            document_id = insert(conn, profile_id, fields, meta, staged.sha256, staged.media_type, staged.size, now)
    finally:
        blobs.discard(staged)  # no-op once committed (the temp file no longer exists)
    return m.UploadResult(created=True, document=get(ctx, profile_id, document_id))


def insert(conn, profile_id: str, fields: dict, meta: UploadMeta, sha256: str, media_type: str, size: int,
            now: str, health: dict | None = None) -> str:
    """Inserts a document's row; ``health``: the columns a health document's header fills (format,
    type_code, set_id, version, header…, see health_documents.py)."""
    document_id = new_id("d")
    columns = {"id": document_id, "profile_id": profile_id, "title": fields["title"], "category": fields["category"],
               "document_date": fields["document_date"], "author": fields["author"],
               "uploaded_by": meta.uploaded_by, "media_type": media_type, "size": size, "sha256": sha256,
               "hidden": int(meta.hidden), "created_at": now, "idempotency_key": meta.idempotency_key,
               **(health or {})}
    conn.execute(f"INSERT INTO documents({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                 tuple(columns.values()))
    return document_id


def add_existing_blob(ctx: ServerContext, profile_id: str, sha256: str, media_type: str, size: int,
                      meta: UploadMeta) -> m.UploadResult:
    """A document over bytes already stored (a message attachment filed into the documents)."""
    fields = _validated(ctx, meta)
    with ctx.store.transaction() as conn:
        existing = _existing(ctx, profile_id, meta.idempotency_key)
        if existing is not None:
            return _replay(existing, meta)
        document_id = insert(conn, profile_id, fields, meta, sha256, media_type, size, to_iso(ctx.clock.now()))
    return m.UploadResult(created=True, document=get(ctx, profile_id, document_id))


def document_row(ctx: ServerContext, profile_id: str, document_id: str) -> sqlite3.Row:
    """A document of this profile (an earlier version of a health document too), or DOCUMENT_NOT_FOUND."""
    row = ctx.store.one("SELECT * FROM documents WHERE profile_id = ? AND id = ?", (profile_id, document_id))
    if row is None:
        raise MesError("DOCUMENT_NOT_FOUND", _("No document {id!r} in this profile; list them with "
                                               "`mes docs list`.").format(id=document_id))
    return row


def get(ctx: ServerContext, profile_id: str, document_id: str) -> m.DocumentView:
    return view(document_row(ctx, profile_id, document_id))


def content(ctx: ServerContext, profile_id: str, document_id: str) -> FileResult:
    row = document_row(ctx, profile_id, document_id)
    extension = EXTENSIONS.get(row["media_type"], "")
    return FileResult(ctx.blobs.open(row["sha256"]), row["media_type"], row["size"], row["sha256"],
                      row["title"] + extension)


def _encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"s{seq}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if raw.startswith("s") and raw[1:].isdigit():
            return int(raw[1:])
    except (ValueError, UnicodeDecodeError):
        pass
    raise MesError("INVALID_CURSOR", _("This page cursor is not valid; start from the first page."),
                   {"field": "cursor"})


def list_documents(ctx: ServerContext, profile_id: str, query: dict) -> m.DocumentPage:
    """Newest first, by insertion order; the cursor continues after the last row of the previous page.
    A health document's earlier versions are not listed (see health_documents.py)."""
    where, params = ["profile_id = ?", "superseded_by IS NULL"], [profile_id]
    if query.get("category"):
        where.append("category = ?")
        params.append(validate_category(query["category"]))
    today = ctx.clock.today()
    for name, op in (("since", ">="), ("until", "<=")):
        if query.get(name):
            where.append(f"document_date {op} ?")
            params.append(parse_date(query[name], name, today=today, allow_future=True).isoformat())
    if query.get("search"):
        escaped = query["search"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append("lower(title) LIKE lower(?) ESCAPE '\\'")  # case-insensitive on both engines
        params.append(f"%{escaped}%")
    if query.get("hidden") is not None:
        where.append("hidden = ?")
        params.append(int(query["hidden"]))
    if query.get("cursor"):
        where.append("seq < ?")
        params.append(_decode_cursor(query["cursor"]))
    limit = min(query.get("limit") or 50, PAGE_MAX)
    rows = ctx.store.all(f"SELECT * FROM documents WHERE {' AND '.join(where)} ORDER BY seq DESC LIMIT ?",
                         (*params, limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return m.DocumentPage(documents=[view(r) for r in rows],
                          next_cursor=_encode_cursor(rows[-1]["seq"]) if more else None)


def lookup(ctx: ServerContext, profile_id: str, request: m.LookupRequest) -> m.LookupResult:
    """Which of these idempotency keys already name a document (so a re-run skips sending their bytes)."""
    keys = list(dict.fromkeys(request.idempotency_keys))
    if not keys:
        return m.LookupResult(existing={})
    marks = ",".join("?" * len(keys))
    rows = ctx.store.all(f"SELECT * FROM documents WHERE profile_id = ? AND idempotency_key IN ({marks})",
                         (profile_id, *keys))
    return m.LookupResult(existing={r["idempotency_key"]: view(r) for r in rows})


def update(ctx: ServerContext, profile_id: str, document_id: str, patch: m.DocumentPatch) -> m.DocumentView:
    row = document_row(ctx, profile_id, document_id)
    changes = {}
    if patch.hidden is not None:
        changes["hidden"] = int(patch.hidden)
    if patch.title is not None:
        changes["title"] = validate_title(patch.title)
    if patch.category is not None:
        changes["category"] = validate_category(patch.category)
    if patch.document_date is not None:
        if row["format"] == "cda" or row["uploaded_by"] == "professional":
            # Title and category are how the person files it; the date is the document's own (a CDA's header).
            raise MesError("VALIDATION_ERROR", _("The date of a document from a health professional is the one it "
                                                 "carries and cannot be changed; its title and category can."),
                           {"field": "document_date"})
        changes["document_date"] = parse_date(patch.document_date, "document_date",
                                              today=ctx.clock.today()).isoformat()
    if changes:
        assignments = ", ".join(f"{column} = ?" for column in changes)
        ctx.store.run(f"UPDATE documents SET {assignments} WHERE seq = ?", (*changes.values(), row["seq"]))
    return get(ctx, profile_id, document_id)


def delete(ctx: ServerContext, profile_id: str, document_id: str) -> None:
    row = document_row(ctx, profile_id, document_id)
    if row["uploaded_by"] == "professional":
        raise MesError("NOT_DELETABLE", _("This document was added by a health professional and cannot be deleted "
                                          "by you; you can hide it from professionals (`mes docs hide`)."))
    ctx.store.run("DELETE FROM documents WHERE seq = ?", (row["seq"],))
    release_blobs(ctx, [row["sha256"]])


def release_blobs(ctx: ServerContext, shas: list[str]) -> None:
    """Erases bytes that no document and no message attachment names any more.

    The metadata goes first (in its own transaction, already committed by the
    caller); the bytes go under the write lock after a fresh check, so that a
    concurrent upload of the same content, which stores its bytes under the
    same lock, is never left without them.
    """
    for sha in set(shas):
        with ctx.store.transaction() as conn:
            used = conn.execute("SELECT 1 FROM documents WHERE sha256 = ? UNION ALL SELECT 1 FROM attachments"
                                " WHERE sha256 = ? LIMIT 1", (sha, sha)).fetchone()
            if used is None:
                ctx.blobs.remove(conn, sha)


def collect_garbage(ctx: ServerContext, older_than_seconds: float = 3600) -> int:
    """Removes what a crash can leave, and returns how many: contents that no document and no
    attachment names any more (a deletion cut between its two steps: the person deleted them),
    files that no row names, stale temp files."""
    with ctx.store.transaction() as conn:
        orphans = [row[0] for row in conn.execute(
            "SELECT sha256 FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.sha256 = b.sha256)"
            " AND NOT EXISTS (SELECT 1 FROM attachments a WHERE a.sha256 = b.sha256)")]
        for sha in orphans:
            ctx.blobs.remove(conn, sha)
        return len(orphans) + ctx.blobs.collect_garbage(conn, older_than_seconds)
