"""Documents of a profile: upload (streamed, idempotent), list (keyset), read, hide, file, pin, delete.

Confidentiality levels (DOMAIN.md §5) are two independent marks: ``hidden`` (MASQUE_PS, hidden
from professionals) and ``hidden_from_representatives`` (INVISIBLE_REPRESENTANTS_LEGAUX). The second
is enforced in one place, ``visible_condition``: every read of a document row goes through
``document_row`` or a query built with it, so that for a legal representative (a parent acting on a child's profile,
services/profiles.py) such a document answers exactly as an id that does not exist — same code,
same message, same query — in listings, counts, reads, downloads, changes and deletions.

Order of writes, so that a crash at any point leaves the whole document or
nothing visible: bytes to a temp file and fsync (an upload also puts them durably in
place, store/blobs.py ``place``); then one database write transaction that stores the
bytes (store/blobs.py) and inserts their metadata — for an upload on SQLite, the
transaction of a group commit shared with the uploads that queued meanwhile
(store/group_commit.py). Deletion removes the metadata first and the bytes after, under
the write lock again.
"""

from __future__ import annotations

import base64
import datetime as dt
import sqlite3
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from ...contract import models as m
from ...contract.errors import MesError
from ...domain.categories import CATEGORIES, DEFAULT_CATEGORY, validate_category
from ...domain.dates import parse_date
from ...domain.sniff import EXTENSIONS
from ...i18n import _
from ..clock import france, from_iso, to_iso
from ..context import ServerContext
from ..store import group_commit
from ..store.blobs import too_large
from . import events
from .common import FileResult, new_id  # FileResult: a download (content; messaging too)
from .document_folders import folder_id
from .profiles import acting_as_representative

TITLE_MAX = 50
PAGE_MAX = 1000
# Every read of documents selects through this: the row and the name of its folder.
DOCUMENT_SELECT = ("SELECT *, (SELECT f.name FROM document_folders f WHERE f.id = documents.folder_id) AS folder_name"
                   " FROM documents")
# The key under which a representative's upload is kept when the person's own key names a document
# invisible to them (so that the upload neither reveals it nor collides with it).
REPRESENTATIVE_KEY_PREFIX = "representative:"


@dataclass(frozen=True)
class UploadMeta:
    title: str | None = None
    filename: str | None = None
    category: str | None = None
    document_date: str | None = None
    author: str | None = None
    hidden: bool = False
    hidden_from_representatives: bool = False
    folder: str | None = None  # a folder's name
    pinned: bool = False
    uploaded_by: str = "person"
    idempotency_key: str | None = None
    sha256: str | None = None  # what the client computed; checked against the bytes received


def view(row: sqlite3.Row) -> m.DocumentView:
    return m.DocumentView(
        id=row["id"], profile_id=row["profile_id"], title=row["title"], category=row["category"],
        category_label=CATEGORIES[row["category"]],
        document_date=dt.date.fromisoformat(row["document_date"]) if row["document_date"] else None,
        author=row["author"], uploaded_by=row["uploaded_by"], media_type=row["media_type"], size=row["size"],
        sha256=row["sha256"], hidden=bool(row["hidden"]), created_at=from_iso(row["created_at"]),
        format=row["format"], type_code=row["type_code"], type_label=row["type_label"],
        confidentiality=row["confidentiality"], version=row["version"],
        folder=row["folder_name"], pinned=bool(row["pinned"]),
        hidden_from_representatives=bool(row["hidden_from_representatives"]),
    )


def visible_condition() -> str:
    """The condition a document row meets to exist for the current reader: the one place where
    "invisible to legal representatives" is enforced (a representative gets what an unknown id gets)."""
    return "hidden_from_representatives = 0" if acting_as_representative() else "1 = 1"


def refuse_for_representative() -> None:
    """Only the person themself may mark a document invisible to legal representatives, or lift the mark."""
    if acting_as_representative():
        raise MesError("NOT_FOR_REPRESENTATIVES", _("Only the person themself can make a document invisible to "
                                                    "their legal representatives, or visible again."),
                       {"field": "hidden_from_representatives"})


def default_hidden(ctx: ServerContext, profile_id: str) -> bool:
    """The profile's default for new documents: hidden from professionals (``mes settings documents``)."""
    row = ctx.store.one("SELECT hide_new_from_professionals FROM document_settings WHERE profile_id = ?",
                        (profile_id,))
    return bool(row and row["hide_new_from_professionals"])


def get_settings(ctx: ServerContext, profile_id: str) -> m.DocumentSettings:
    return m.DocumentSettings(hide_new_from_professionals=default_hidden(ctx, profile_id))


def put_settings(ctx: ServerContext, profile_id: str, settings: m.DocumentSettings) -> m.DocumentSettings:
    """Applies to documents added from now on; those already there keep their level."""
    with ctx.store.transaction() as conn:
        conn.execute("DELETE FROM document_settings WHERE profile_id = ?", (profile_id,))
        conn.execute("INSERT INTO document_settings(profile_id, hide_new_from_professionals) VALUES (?, ?)",
                     (profile_id, int(settings.hide_new_from_professionals)))
    return get_settings(ctx, profile_id)


def cda_levels(ctx: ServerContext, code: str | None) -> tuple[bool, bool]:
    """(hidden from professionals, invisible to legal representatives) for a CDA confidentialityCode.

    Neither HL7 CDA nor the CI-SIS says how N (normal), R (restricted) and V (very restricted)
    are to be interpreted (ANS, DMP homologation requirement REC_2.1-1100: "Ni le standard CDA ni
    le Cadre d'Interopérabilité des SIS ne précisent la manière dont chaque valeur possible du
    confidentialityCode doit être interprétée"; a restricted document "ne devrait pas être mis en
    partage"). The DMP itself marks documents MASQUE_PS and, for a minor, invisible to the legal
    representatives (EX_2.1-1050, EX_3.2-1025). So, [ours] and configurable
    (Policy.cda_confidentiality_levels): N → no restriction; R → hidden from professionals (not
    shared); V → hidden from professionals and invisible to legal representatives. An unknown code
    restricts nothing.
    """
    levels = ctx.policy.cda_confidentiality_levels.get((code or "N").strip().upper(), ())
    return "professionals" in levels, "legal_representatives" in levels


def with_default_levels(ctx: ServerContext, profile_id: str, meta: "UploadMeta") -> "UploadMeta":
    """The levels a new document gets: those asked for, plus the profile's default "hidden from
    professionals" — a professional's document too, unless Policy.professional_documents_follow_default
    says otherwise (uploads, imports, documents sent by professionals and filed attachments alike)."""
    follows = meta.uploaded_by != "professional" or ctx.policy.professional_documents_follow_default
    return replace(meta, hidden=meta.hidden or (follows and default_hidden(ctx, profile_id)))


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


def _validated(ctx: ServerContext, meta: UploadMeta, today: dt.date | None = None) -> dict:
    today = today or ctx.clock.today()
    return {
        "title": validate_title(meta.title) if meta.title is not None else title_from_filename(meta.filename),
        "category": validate_category(meta.category) if meta.category else DEFAULT_CATEGORY,
        "document_date": (parse_date(meta.document_date, "document_date", today=today) if meta.document_date
                          else today).isoformat(),
        "author": (meta.author or "").strip()[:100] or None,
    }


def existing(ctx: ServerContext, profile_id: str, key: str | None) -> sqlite3.Row | None:
    """The document this idempotency key already names, among those the reader may see; a legal
    representative's own upload of the same content is kept under a key of theirs (``_stored_key``)."""
    if not key:
        return None
    keys = (key, REPRESENTATIVE_KEY_PREFIX + key) if acting_as_representative() else (key,)
    for candidate in keys:
        row = ctx.store.one(f"{DOCUMENT_SELECT} WHERE profile_id = ? AND idempotency_key = ?"
                            f" AND {visible_condition()}", (profile_id, candidate))
        if row is not None:
            return row
    return None


def _stored_key(conn, profile_id: str, key: str | None) -> str | None:
    """The key to store a new document under: the one given, unless a document the reader may not see
    holds it (then the representative's own key, so that nothing collides or is revealed)."""
    if not key or not acting_as_representative():
        return key
    taken = conn.execute("SELECT 1 FROM documents WHERE profile_id = ? AND idempotency_key = ?",
                         (profile_id, key)).fetchone()
    return REPRESENTATIVE_KEY_PREFIX + key if taken else key


def _replay(row: sqlite3.Row, meta: UploadMeta) -> m.UploadResult:
    if meta.sha256 and meta.sha256 != row["sha256"]:
        raise MesError("IDEMPOTENCY_KEY_REUSED", _("This idempotency key was already used for different content; "
                                                   "use a new key for a new document."))
    return m.UploadResult(created=False, document=view(row))


def upload(ctx: ServerContext, profile_id: str, stream: BinaryIO, length: int | None,
           meta: UploadMeta) -> m.UploadResult:
    """Stores one document; answers once its bytes and its row are durable.

    This thread receives the body and puts it durably in place; on SQLite, the group committer
    (store/group_commit.py) then writes its row with those of the uploads that queued meanwhile,
    in one transaction. Elsewhere the same ``write`` runs in a transaction of its own.
    """
    if meta.hidden_from_representatives:
        refuse_for_representative()
    now = ctx.clock.now()
    fields = _validated(ctx, meta, now.astimezone(france()).date())  # refuse bad metadata before reading any byte
    fields["folder_id"] = folder_id(ctx, profile_id, meta.folder) if meta.folder else None
    meta = with_default_levels(ctx, profile_id, meta)
    replayed = existing(ctx, profile_id, meta.idempotency_key)
    if replayed is not None:
        return _replay(replayed, meta)
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
    stamp = to_iso(now)

    def write(conn) -> str | m.UploadResult:
        """In the write transaction: the new document's id, or the replay of the one a concurrent
        retry with the same key stored first."""
        replayed = existing(ctx, profile_id, meta.idempotency_key)
        if replayed is not None:
            return _replay(replayed, meta)
        blobs.commit(conn, staged, stamp)
        document_id = insert(conn, profile_id, fields, meta, staged.sha256, staged.media_type, staged.size, stamp)
        announce(conn, ctx, "document.added", profile_id, document_id)
        return document_id

    try:
        blobs.place(staged)  # durable at its final name before the transaction, outside its lock
        committer = group_commit.for_context(ctx)
        if committer is not None:
            outcome = committer.run(write)
        else:
            with ctx.store.transaction() as conn:
                outcome = write(conn)
    finally:
        blobs.discard(staged)  # the temp file (its bytes stay under their final name once placed or committed)
    if isinstance(outcome, m.UploadResult):
        return outcome
    return m.UploadResult(created=True, document=get(ctx, profile_id, outcome))


def insert(conn, profile_id: str, fields: dict, meta: UploadMeta, sha256: str, media_type: str, size: int,
            now: str, health: dict | None = None) -> str:
    """Inserts a document's row; ``health``: the columns a health document's header fills (format,
    type_code, set_id, version, header…, see health_documents.py). ``meta`` carries the levels
    already completed by the profile's default (``with_default_levels``)."""
    document_id = new_id("d")
    columns = {"id": document_id, "profile_id": profile_id, "title": fields["title"], "category": fields["category"],
               "document_date": fields["document_date"], "author": fields["author"],
               "uploaded_by": meta.uploaded_by, "media_type": media_type, "size": size, "sha256": sha256,
               "hidden": int(meta.hidden), "hidden_from_representatives": int(meta.hidden_from_representatives),
               "pinned": int(meta.pinned), "folder_id": fields.get("folder_id"), "created_at": now,
               "idempotency_key": _stored_key(conn, profile_id, meta.idempotency_key), **(health or {})}
    conn.execute(f"INSERT INTO documents({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                 tuple(columns.values()))
    return document_id


def add_existing_blob(ctx: ServerContext, profile_id: str, sha256: str, media_type: str, size: int,
                      meta: UploadMeta) -> m.UploadResult:
    """A document over bytes already stored (a message attachment filed into the documents)."""
    fields = _validated(ctx, meta)
    meta = with_default_levels(ctx, profile_id, meta)
    with ctx.store.transaction() as conn:
        replayed = existing(ctx, profile_id, meta.idempotency_key)
        if replayed is not None:
            return _replay(replayed, meta)
        document_id = insert(conn, profile_id, fields, meta, sha256, media_type, size, to_iso(ctx.clock.now()))
        announce(conn, ctx, "document.added", profile_id, document_id)
    return m.UploadResult(created=True, document=get(ctx, profile_id, document_id))


def announce(conn, ctx: ServerContext, type_: str, profile_id: str, document_id: str, **more: str) -> None:
    """The event of a document's change (services/events.py), about the document: ids only."""
    events.emit(conn, ctx, type_, document_id, profile_id=profile_id, document_id=document_id, **more)


def document_row(ctx: ServerContext, profile_id: str, document_id: str) -> sqlite3.Row:
    """A document of this profile that the reader may see (an earlier version of a health document
    too), or DOCUMENT_NOT_FOUND: the same answer for an unknown id and for one kept from the reader."""
    row = ctx.store.one(f"{DOCUMENT_SELECT} WHERE profile_id = ? AND id = ? AND {visible_condition()}",
                        (profile_id, document_id))
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


def _encode_cursor(row: sqlite3.Row) -> str:
    return base64.urlsafe_b64encode(f"p{int(row['pinned'])}s{row['seq']}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[int, int]:
    """(pinned, seq) of the last row of the previous page (pinned documents are listed first)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        pinned, _s, seq = raw.partition("s")
        if pinned in ("p0", "p1") and seq.isdigit():
            return int(pinned[1]), int(seq)
    except (ValueError, UnicodeDecodeError):
        pass
    raise MesError("INVALID_CURSOR", _("This page cursor is not valid; start from the first page."),
                   {"field": "cursor"})


def list_documents(ctx: ServerContext, profile_id: str, query: dict) -> m.DocumentPage:
    """Pinned documents first, then newest first, by insertion order; the cursor continues after the
    last row of the previous page. A health document's earlier versions are not listed (see
    health_documents.py), nor documents kept from the reader."""
    where, params = ["profile_id = ?", "superseded_by IS NULL", visible_condition()], [profile_id]
    if query.get("folder"):
        where.append("folder_id = ?")
        params.append(folder_id(ctx, profile_id, query["folder"]))
    if query.get("pinned") is not None:
        where.append("pinned = ?")
        params.append(int(query["pinned"]))
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
        pinned, seq = _decode_cursor(query["cursor"])
        where.append("(pinned < ? OR (pinned = ? AND seq < ?))")
        params += [pinned, pinned, seq]
    limit = min(query.get("limit") or 50, PAGE_MAX)
    rows = ctx.store.all(f"{DOCUMENT_SELECT} WHERE {' AND '.join(where)} ORDER BY pinned DESC, seq DESC LIMIT ?",
                         (*params, limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return m.DocumentPage(documents=[view(r) for r in rows], next_cursor=_encode_cursor(rows[-1]) if more else None)


def lookup(ctx: ServerContext, profile_id: str, request: m.LookupRequest) -> m.LookupResult:
    """Which of these idempotency keys already name a document (so a re-run skips sending their bytes)."""
    keys = list(dict.fromkeys(request.idempotency_keys))
    if not keys:
        return m.LookupResult(existing={})
    found = {}
    for key in keys:  # one by one, as an upload's replay finds them (at most 1000, by the contract)
        row = existing(ctx, profile_id, key)
        if row is not None:
            found[key] = view(row)
    return m.LookupResult(existing=found)


def update(ctx: ServerContext, profile_id: str, document_id: str, patch: m.DocumentPatch) -> m.DocumentView:
    row = document_row(ctx, profile_id, document_id)
    changes = {}
    if patch.hidden is not None:
        changes["hidden"] = int(patch.hidden)
    if patch.hidden_from_representatives is not None:
        refuse_for_representative()
        changes["hidden_from_representatives"] = int(patch.hidden_from_representatives)
    if patch.pinned is not None:
        changes["pinned"] = int(patch.pinned)
    if patch.folder is not None:
        changes["folder_id"] = folder_id(ctx, profile_id, patch.folder) if patch.folder.strip() else None
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
    with ctx.store.transaction() as conn:
        conn.execute("DELETE FROM documents WHERE seq = ?", (row["seq"],))
        announce(conn, ctx, "document.deleted", profile_id, document_id)
    release_blobs(ctx, [row["sha256"]])


def delete_batch(ctx: ServerContext, profile_id: str, request: m.BatchDeleteRequest) -> m.BatchDeleteResult:
    """Deletes several documents, each on its own (one refused does not keep the others); at most
    Policy.batch_delete_max per request, as in the official app (the CLI sends bigger lists in batches)."""
    limit = ctx.policy.batch_delete_max
    ids = list(dict.fromkeys(request.ids))
    if len(ids) > limit:
        raise MesError("VALIDATION_ERROR", _("At most {limit} documents can be deleted in one request; {count} were "
                                             "given. Send them in batches.").format(limit=limit, count=len(ids)),
                       {"field": "ids", "limit": limit})
    outcomes = []
    for document_id in ids:
        try:
            delete(ctx, profile_id, document_id)
            outcomes.append(m.BatchDeleteOutcome(document_id, "deleted"))
        except MesError as exc:
            outcomes.append(m.BatchDeleteOutcome(document_id, "failed", exc.code, exc.message))
    return m.BatchDeleteResult(results=outcomes)


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
