"""The messagerie de santé (DOMAIN.md §6, §8).

Rules: only a professional starts a conversation; the person replies; the
person starts a new one only with a professional who has already written to
them and has not closed that exchange; nobody writes after a professional
closes a conversation; a blocked professional can neither write nor read.
Every professional's read or addition is written to the access history.
Attachments are stored like documents (same type and size checks, same blobs).
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

from ...contract import models as m
from ...contract.errors import MesError
from ...domain._text import fold
from ...domain.rpps import validate_rpps
from ...domain.sniff import ACCEPTED, EXTENSIONS
from ...i18n import _
from ..clock import from_iso, to_iso
from ..context import ServerContext
from . import documents, events, messages as texts
from .accounts import notify_person
from .common import new_id, next_seq, person_by_id
from .profiles import caregiving

MAX_ATTACHMENTS = 10
_UNSAFE_IN_NAMES = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


# --- directory -------------------------------------------------------------------------


def add_professionals(conn: sqlite3.Connection, pros: list[m.ProfessionalIn]) -> int:
    for pro in pros:
        conn.execute("INSERT INTO professionals(rpps, name, profession, specialty, city, kind)"
                     " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(rpps) DO UPDATE SET name = excluded.name, "
                     "profession = excluded.profession, specialty = excluded.specialty, city = excluded.city, "
                     "kind = excluded.kind", (validate_rpps(pro.rpps), pro.name.strip(), pro.profession.strip(),
                                                    pro.specialty, pro.city, pro.kind))
    return len(pros)


def professional(ctx: ServerContext, rpps: str) -> sqlite3.Row:
    row = ctx.store.one("SELECT * FROM professionals WHERE rpps = ?", (validate_rpps(rpps),))
    if row is None:
        raise MesError("PROFESSIONAL_NOT_FOUND", _("No health professional with RPPS {rpps} in the directory.").format(
            rpps=rpps))
    return row


def _is_blocked(ctx: ServerContext, profile_id: str, rpps: str) -> bool:
    return ctx.store.one("SELECT 1 FROM blocked_professionals WHERE profile_id = ? AND rpps = ?",
                         (profile_id, rpps)) is not None


def _pro_view(ctx: ServerContext, row, profile_id: str | None = None) -> m.ProfessionalView:
    view = m.ProfessionalView(rpps=row["rpps"], name=row["name"], profession=row["profession"],
                              specialty=row["specialty"], city=row["city"], kind=row["kind"])
    if profile_id:
        view.blocked = _is_blocked(ctx, profile_id, row["rpps"])
        view.has_written = ctx.store.one("SELECT 1 FROM conversations WHERE profile_id = ? AND rpps = ? LIMIT 1",
                                         (profile_id, row["rpps"])) is not None
    return view


def list_professionals(ctx: ServerContext, profile_id: str) -> m.ProfessionalList:
    """The professionals this profile deals with: those who wrote, and those blocked."""
    rows = ctx.store.all(
        "SELECT * FROM professionals WHERE rpps IN (SELECT rpps FROM conversations WHERE profile_id = ?"
        " UNION SELECT rpps FROM blocked_professionals WHERE profile_id = ?) ORDER BY name", (profile_id, profile_id))
    return m.ProfessionalList(professionals=[_pro_view(ctx, r, profile_id) for r in rows])


DIRECTORY_LIMIT = 50


def search_directory(ctx: ServerContext, profile_id: str, query: dict) -> m.ProfessionalList:
    """The directory of professionals (public, like the RPPS directory), searched by words of a name,
    profession, specialty or city, or by RPPS number — case and accents ignored, every word must match;
    no words: the directory from the start. Each result says whether this profile blocked them and
    whether they wrote to it, so that the next step (`mes pros block`) is at hand."""
    words = fold(query.get("q") or "").split()
    limit = query.get("limit") or DIRECTORY_LIMIT
    found = []
    for row in ctx.store.all("SELECT * FROM professionals ORDER BY name, rpps"):
        haystack = fold(" ".join(row[k] or "" for k in ("name", "profession", "specialty", "city", "rpps")))
        if all(word in haystack for word in words):
            found.append(row)
            if len(found) == limit:
                break
    blocked = {r["rpps"] for r in ctx.store.all("SELECT rpps FROM blocked_professionals WHERE profile_id = ?",
                                                (profile_id,))}
    written = {r["rpps"] for r in ctx.store.all("SELECT DISTINCT rpps FROM conversations WHERE profile_id = ?",
                                                (profile_id,))}
    views = []
    for row in found:
        view = _pro_view(ctx, row)
        view.blocked, view.has_written = row["rpps"] in blocked, row["rpps"] in written
        views.append(view)
    return m.ProfessionalList(professionals=views)


def block(ctx: ServerContext, profile_id: str, rpps: str, blocked: bool) -> m.ProfessionalView:
    row = professional(ctx, rpps)
    if blocked:
        ctx.store.run("INSERT OR IGNORE INTO blocked_professionals(profile_id, rpps, since) VALUES (?, ?, ?)",
                      (profile_id, row["rpps"], to_iso(ctx.clock.now())))
    else:
        ctx.store.run("DELETE FROM blocked_professionals WHERE profile_id = ? AND rpps = ?", (profile_id, row["rpps"]))
    return _pro_view(ctx, row, profile_id)


# --- history -----------------------------------------------------------------------------


def record(ctx: ServerContext, profile_id: str, rpps: str, action: str, document_id: str | None = None,
           detail: str | None = None) -> None:
    ctx.store.run("INSERT INTO access_history(profile_id, rpps, action, document_id, detail, at)"
                  " VALUES (?, ?, ?, ?, ?, ?)", (profile_id, rpps, action, document_id, detail,
                                                 to_iso(ctx.clock.now())))


def history(ctx: ServerContext, profile_id: str, query: dict) -> m.HistoryList:
    from ...domain.dates import parse_date

    where, params = ["h.profile_id = ?"], [profile_id]
    today = ctx.clock.today()
    if query.get("since"):
        where.append("h.at >= ?")
        params.append(parse_date(query["since"], "since", today=today).isoformat())
    if query.get("until"):
        where.append("h.at < ?")
        until = parse_date(query["until"], "until", today=today, allow_future=True) + dt.timedelta(days=1)
        params.append(until.isoformat())
    if query.get("rpps"):
        where.append("h.rpps = ?")
        params.append(validate_rpps(query["rpps"]))
    rows = ctx.store.all(f"SELECT h.*, p.name FROM access_history h LEFT JOIN professionals p ON p.rpps = h.rpps"
                         f" WHERE {' AND '.join(where)} ORDER BY h.id DESC LIMIT 1000", tuple(params))
    return m.HistoryList(profile_id=profile_id, entries=[
        m.HistoryEntry(at=from_iso(r["at"]), rpps=r["rpps"], professional=r["name"] or r["rpps"], action=r["action"],
                       document_id=r["document_id"], detail=r["detail"]) for r in rows])


# --- conversations -------------------------------------------------------------------


def _conversation(ctx: ServerContext, profile_id: str, conversation_id: str) -> sqlite3.Row:
    row = ctx.store.one("SELECT * FROM conversations WHERE id = ? AND profile_id = ?", (conversation_id, profile_id))
    if row is None:
        raise MesError("CONVERSATION_NOT_FOUND", _("No conversation {id!r} here; see `mes messages list`.").format(
            id=conversation_id))
    return row


def _attachment_views(ctx: ServerContext, message_id: str) -> list[m.AttachmentView]:
    return [m.AttachmentView(id=a["id"], filename=a["filename"], media_type=a["media_type"], size=a["size"],
                             sha256=a["sha256"])
            for a in ctx.store.all("SELECT * FROM attachments WHERE message_id = ? ORDER BY created_at, seq",
                                   (message_id,))]


def _view(ctx: ServerContext, row, with_messages: bool = False) -> m.ConversationView:
    stats = ctx.store.one("SELECT MAX(created_at) AS last,"
                          " COUNT(CASE WHEN sender = 'professional' AND read_at IS NULL THEN 1 END) AS unread"
                          " FROM messages WHERE conversation_id = ?", (row["id"],))
    view = m.ConversationView(
        id=row["id"], profile_id=row["profile_id"], professional=_pro_view(ctx, professional(ctx, row["rpps"])),
        subject=row["subject"], started_by=row["started_by"], started_at=from_iso(row["started_at"]),
        closed_at=from_iso(row["closed_at"]), unread=stats["unread"] or 0,
        last_message_at=from_iso(stats["last"] or row["started_at"]))
    if with_messages:
        view.messages = [
            m.MessageView(id=r["id"], sender=r["sender"], body=r["body"], created_at=from_iso(r["created_at"]),
                          read=r["read_at"] is not None or r["sender"] == "person",
                          attachments=_attachment_views(ctx, r["id"]))
            for r in ctx.store.all("SELECT * FROM messages WHERE conversation_id = ? ORDER BY created_at, seq",
                                   (row["id"],))]
    return view


def list_conversations(ctx: ServerContext, profile_id: str, query: dict) -> m.ConversationList:
    rows = ctx.store.all("SELECT * FROM conversations WHERE profile_id = ? ORDER BY started_at DESC, id",
                         (profile_id,))
    views = [_view(ctx, r) for r in rows]
    if query.get("unread"):
        views = [v for v in views if v.unread]
    views.sort(key=lambda v: v.last_message_at, reverse=True)
    return m.ConversationList(conversations=views)


def read(ctx: ServerContext, profile_id: str, conversation_id: str) -> m.ConversationView:
    row = _conversation(ctx, profile_id, conversation_id)
    view = _view(ctx, row, with_messages=True)
    ctx.store.run("UPDATE messages SET read_at = ? WHERE conversation_id = ? AND sender = 'professional'"
                  " AND read_at IS NULL", (to_iso(ctx.clock.now()), conversation_id))
    return view


def delete(ctx: ServerContext, profile_id: str, conversation_id: str) -> None:
    _conversation(ctx, profile_id, conversation_id)
    shas = [r["sha256"] for r in ctx.store.all("SELECT a.sha256 FROM attachments a JOIN messages msg ON"
                                               " msg.id = a.message_id WHERE msg.conversation_id = ?",
                                               (conversation_id,))]
    with ctx.store.transaction() as conn:
        conn.execute("DELETE FROM attachments WHERE message_id IN (SELECT id FROM messages WHERE conversation_id = ?)",
                     (conversation_id,))
        conn.execute("DELETE FROM messages WHERE conversation_id = ?", (conversation_id,))
        conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
    documents.release_blobs(ctx, shas)


def _check_text(body: str) -> str:
    text = body.strip()
    if not text:
        raise MesError("VALIDATION_ERROR", _("The message is empty; write something (--body or --body-file)."),
                       {"field": "body"})
    return text


def _attach(ctx: ServerContext, conn, profile_id: str, message_id: str, attachment_ids: list[str],
            document_ids: list[str]) -> None:
    """Binds uploaded attachments, and documents of the space copied as attachments, to a message."""
    if len(attachment_ids) + len(document_ids) > MAX_ATTACHMENTS:
        raise MesError("VALIDATION_ERROR", _("At most {limit} attachments per message.").format(limit=MAX_ATTACHMENTS),
                       {"field": "attachment_ids"})
    for attachment_id in attachment_ids:
        bound = conn.execute("UPDATE attachments SET message_id = ? WHERE id = ? AND profile_id = ?"
                             " AND message_id IS NULL", (message_id, attachment_id, profile_id))
        if bound.rowcount != 1:
            raise MesError("ATTACHMENT_NOT_FOUND", _("No unsent attachment {id!r}; upload it again.").format(
                id=attachment_id))
    for document_id in document_ids:
        doc = documents.get(ctx, profile_id, document_id)
        conn.execute("INSERT INTO attachments(id, profile_id, message_id, filename, media_type, size, sha256,"
                     f" created_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, {next_seq('attachments')})",
                     (new_id("a"), profile_id, message_id, _document_filename(doc.title, doc.media_type),
                      doc.media_type, doc.size, doc.sha256,
                      to_iso(ctx.clock.now())))


def _document_filename(title: str, media_type: str) -> str:
    """A document of the space sent as an attachment is named after its title, with the extension of
    its type (``Bilan sanguin.pdf``), so that whoever saves it gets a file that opens."""
    stem = " ".join(_UNSAFE_IN_NAMES.sub(" ", title).split()).strip(" .") or "document"
    extension = EXTENSIONS.get(media_type, "")
    return stem if stem.lower().endswith(extension) else stem[:95] + extension


def _post(ctx: ServerContext, conversation: sqlite3.Row, sender: str, body: str, attachment_ids: list[str],
          document_ids: list[str] = ()) -> str:
    message_id = new_id("m")
    with ctx.store.transaction() as conn:
        conn.execute("INSERT INTO messages(id, conversation_id, sender, body, created_at, seq)"
                     f" VALUES (?, ?, ?, ?, ?, {next_seq('messages')})",
                     (message_id, conversation["id"], sender, _check_text(body), to_iso(ctx.clock.now())))
        _attach(ctx, conn, conversation["profile_id"], message_id, list(attachment_ids), list(document_ids))
        if sender == "professional":
            record(ctx, conversation["profile_id"], conversation["rpps"], "message", detail=conversation["subject"])
            _notify_new_message(ctx, conversation)
        events.emit(conn, ctx, "message.received" if sender == "professional" else "message.sent",
                    conversation["id"], profile_id=conversation["profile_id"], conversation_id=conversation["id"],
                    message_id=message_id, rpps=conversation["rpps"])
    return message_id


def _notify_new_message(ctx: ServerContext, conversation: sqlite3.Row) -> None:
    """An e-mail to whoever reads this profile: the person, or a child's caregivers."""
    profile_id = conversation["profile_id"]
    pro = professional(ctx, conversation["rpps"])
    holder = person_by_id(ctx, profile_id)
    caregivers = [r["caregiver_id"] for r in ctx.store.all("SELECT caregiver_id FROM caregivers WHERE profile_id = ?",
                                                           (profile_id,)) if caregiving(ctx, r["caregiver_id"],
                                                                                        profile_id)]
    readers = caregivers if caregivers and not holder["identifier"] else [profile_id]
    for reader_id in readers:
        reader = person_by_id(ctx, reader_id)
        whose = "" if reader_id == profile_id else f" (profil de {holder['first_name']})"
        text = (f"Vous avez reçu un nouveau message de {pro['name']} ({pro['profession']}){whose} : "
                f"« {conversation['subject']} ». Pour le lire : mes messages list.")
        notify_person(ctx, reader_id, *texts.notice(reader["first_name"], "Nouveau message dans votre messagerie "
                      "de santé", text), kind="new_message")


def _writable(conversation: sqlite3.Row) -> None:
    if conversation["closed_at"]:
        raise MesError("CONVERSATION_CLOSED", _("The professional closed this conversation: no more replies. "
                                                "Start a new one only if they write to you again."))


def _not_blocked(ctx: ServerContext, profile_id: str, pro: sqlite3.Row) -> None:
    """A blocked professional can neither write to the person nor be written to: blocking cuts the
    exchange both ways, for a reply as for a new conversation."""
    if _is_blocked(ctx, profile_id, pro["rpps"]):
        raise MesError("PROFESSIONAL_BLOCKED", _("You blocked {name}; unblock them first (`mes pros unblock`).").format(
            name=pro["name"]))


def reply(ctx: ServerContext, profile_id: str, conversation_id: str, request: m.ReplyIn) -> m.ConversationView:
    conversation = _conversation(ctx, profile_id, conversation_id)
    _writable(conversation)
    _not_blocked(ctx, profile_id, professional(ctx, conversation["rpps"]))
    _post(ctx, conversation, "person", request.body, request.attachment_ids, request.document_ids)
    return _view(ctx, conversation, with_messages=True)


def start_by_person(ctx: ServerContext, profile_id: str, request: m.NewConversationIn) -> m.ConversationView:
    pro = professional(ctx, request.rpps)
    open_exchange = ctx.store.one(
        "SELECT 1 FROM conversations WHERE profile_id = ? AND rpps = ? AND started_by = 'professional'"
        " AND closed_at IS NULL LIMIT 1", (profile_id, pro["rpps"]))
    if open_exchange is None:
        raise MesError("MESSAGING_NOT_ALLOWED", _("You can write to {name} only once they have written to you "
                                                  "and while that exchange is open; reply in an existing "
                                                  "conversation instead.").format(name=pro["name"]))
    _not_blocked(ctx, profile_id, pro)
    conversation_id = _open(ctx, profile_id, pro["rpps"], request.subject, "person")
    conversation = _conversation(ctx, profile_id, conversation_id)
    _post(ctx, conversation, "person", request.body, request.attachment_ids, request.document_ids)
    return _view(ctx, conversation, with_messages=True)


def _open(ctx: ServerContext, profile_id: str, rpps: str, subject: str, started_by: str) -> str:
    conversation_id = new_id("c")
    ctx.store.run("INSERT INTO conversations(id, profile_id, rpps, subject, started_by, started_at)"
                  " VALUES (?, ?, ?, ?, ?, ?)", (conversation_id, profile_id, rpps, subject.strip(), started_by,
                                                 to_iso(ctx.clock.now())))
    return conversation_id


def upload_attachment(ctx: ServerContext, profile_id: str, stream, length: int | None,
                      filename: str | None, health: bool = False) -> m.AttachmentView:
    """Stores an attachment's bytes (checked like a document's) until a message takes it."""
    limit = ctx.settings.max_archive_bytes if health else ctx.settings.max_document_bytes
    if length is not None and length > limit:
        from ..store.blobs import too_large

        raise too_large(limit)
    blobs = ctx.blobs
    staged = blobs.receive(stream, limit, health=health)
    if health:
        from .health_documents import check_attachment

        try:
            check_attachment(ctx, staged)
        except BaseException:
            blobs.discard(staged)
            raise
    attachment_id = new_id("a")
    name = (filename or "piece-jointe").strip()[:100] or "piece-jointe"
    now = to_iso(ctx.clock.now())
    try:
        with ctx.store.transaction() as conn:
            blobs.commit(conn, staged, now)
            conn.execute("INSERT INTO attachments(id, profile_id, filename, media_type, size, sha256, created_at, seq)"
                         f" VALUES (?, ?, ?, ?, ?, ?, ?, {next_seq('attachments')})",
                         (attachment_id, profile_id, name, staged.media_type,
                                                           staged.size, staged.sha256, now))
    finally:
        blobs.discard(staged)
    return m.AttachmentView(id=attachment_id, filename=name, media_type=staged.media_type, size=staged.size,
                            sha256=staged.sha256)


def attachment_row(ctx: ServerContext, profile_id: str, message_id: str, attachment_id: str) -> sqlite3.Row:
    row = ctx.store.one("SELECT a.* FROM attachments a JOIN messages msg ON msg.id = a.message_id"
                        " JOIN conversations c ON c.id = msg.conversation_id"
                        " WHERE a.id = ? AND a.message_id = ? AND c.profile_id = ?",
                        (attachment_id, message_id, profile_id))
    if row is None:
        raise MesError("ATTACHMENT_NOT_FOUND", _("No attachment {id!r} on message {message!r}.").format(
            id=attachment_id, message=message_id))
    return row


def attachment_content(ctx: ServerContext, profile_id: str, message_id: str, attachment_id: str):
    row = attachment_row(ctx, profile_id, message_id, attachment_id)
    return documents.FileResult(ctx.blobs.open(row["sha256"]), row["media_type"], row["size"],
                                row["sha256"], row["filename"])


def save_attachment(ctx: ServerContext, profile_id: str, message_id: str, attachment_id: str,
                    request: m.SaveAttachmentIn) -> m.UploadResult:
    """Files an attachment into the documents (the same bytes; nothing is copied)."""
    row = attachment_row(ctx, profile_id, message_id, attachment_id)
    if row["media_type"] not in ACCEPTED:
        raise MesError("UNSUPPORTED_TYPE", _("This attachment is an HL7 CDA document or an IHE XDM archive: file the "
                                             "documents it holds instead (`mes messages save-attachment` does)."),
                       {"field": "attachment", "media_type": row["media_type"]})
    sender = ctx.store.one("SELECT msg.sender, c.rpps FROM messages msg JOIN conversations c"
                           " ON c.id = msg.conversation_id WHERE msg.id = ?", (message_id,))
    author = professional(ctx, sender["rpps"])["name"] if sender["sender"] == "professional" else None
    return documents.add_existing_blob(ctx, profile_id, row["sha256"], row["media_type"], row["size"],
                                       documents.UploadMeta(title=request.title, filename=row["filename"],
                                                            category=request.category, author=author,
                                                            idempotency_key=f"attachment:{attachment_id}"))


def file_attachment(ctx: ServerContext, profile_id: str, message_id: str, attachment_id: str) -> m.FiledDocuments:
    """Files each document of an IHE XDM archive (or a CDA) attached by a professional, with the
    metadata its header gives (health_documents.py)."""
    from .health_documents import Sender, file_attachment as file_documents

    row = attachment_row(ctx, profile_id, message_id, attachment_id)
    sender = ctx.store.one("SELECT msg.sender, c.rpps FROM messages msg JOIN conversations c"
                           " ON c.id = msg.conversation_id WHERE msg.id = ?", (message_id,))
    if sender["sender"] == "professional":
        pro = professional(ctx, sender["rpps"])
        who = Sender("professional", pro["rpps"], pro["name"])
    else:
        who = Sender("person")
    return file_documents(ctx, profile_id, row, who)


# --- the professional's side (reference server only, admin API) ----------------------


def professional_access(ctx: ServerContext, rpps: str, profile_id: str) -> sqlite3.Row:
    pro = professional(ctx, rpps)
    if _is_blocked(ctx, profile_id, pro["rpps"]):
        raise MesError("PROFESSIONAL_BLOCKED", _("This person has blocked you: you can neither write to them nor "
                                                 "read their documents."))
    return pro


def find_profile(ctx: ServerContext, nir_or_id: str) -> str:
    row = ctx.store.one("SELECT id FROM persons WHERE id = ? OR nir = ?", (nir_or_id, "".join(nir_or_id.split())))
    if row is None:
        raise MesError("PROFILE_NOT_FOUND", _("No person with this NIR or profile id in the registry."))
    return row["id"]


def pro_start(ctx: ServerContext, rpps: str, request: m.ProConversationIn) -> m.ConversationView:
    profile_id = find_profile(ctx, request.profile)
    pro = professional_access(ctx, rpps, profile_id)
    conversation_id = _open(ctx, profile_id, pro["rpps"], request.subject, "professional")
    conversation = _conversation(ctx, profile_id, conversation_id)
    _post(ctx, conversation, "professional", request.body, request.attachment_ids)
    return _view(ctx, conversation, with_messages=True)


def _pro_conversation(ctx: ServerContext, rpps: str, conversation_id: str) -> sqlite3.Row:
    row = ctx.store.one("SELECT * FROM conversations WHERE id = ? AND rpps = ?", (conversation_id, validate_rpps(rpps)))
    if row is None:
        raise MesError("CONVERSATION_NOT_FOUND", _("No conversation {id!r} of this professional.").format(
            id=conversation_id))
    return row


def pro_write(ctx: ServerContext, rpps: str, conversation_id: str, request: m.ProMessageIn) -> m.ConversationView:
    conversation = _pro_conversation(ctx, rpps, conversation_id)
    professional_access(ctx, rpps, conversation["profile_id"])
    _writable(conversation)
    _post(ctx, conversation, "professional", request.body, request.attachment_ids)
    return _view(ctx, conversation, with_messages=True)


def pro_close(ctx: ServerContext, rpps: str, conversation_id: str) -> m.ConversationView:
    _pro_conversation(ctx, rpps, conversation_id)  # this professional's, or CONVERSATION_NOT_FOUND
    ctx.store.run("UPDATE conversations SET closed_at = COALESCE(closed_at, ?) WHERE id = ?",
                  (to_iso(ctx.clock.now()), conversation_id))
    return _view(ctx, _pro_conversation(ctx, rpps, conversation_id), with_messages=True)


def pro_read_conversation(ctx: ServerContext, rpps: str, conversation_id: str) -> m.ConversationView:
    conversation = _pro_conversation(ctx, rpps, conversation_id)
    professional_access(ctx, rpps, conversation["profile_id"])
    return _view(ctx, conversation, with_messages=True)


def pro_upload_attachment(ctx: ServerContext, rpps: str, profile: str, stream, length, filename):
    """A professional may also attach an HL7 CDA document or an IHE XDM archive, as MSSanté carries
    them; the person files its documents with ``file_attachment``."""
    profile_id = find_profile(ctx, profile)
    professional_access(ctx, rpps, profile_id)
    return upload_attachment(ctx, profile_id, stream, length, filename, health=True)


def pro_documents(ctx: ServerContext, rpps: str, profile: str) -> m.DocumentPage:
    """What a professional sees: the documents not hidden from professionals (the read is recorded)."""
    profile_id = find_profile(ctx, profile)
    pro = professional_access(ctx, rpps, profile_id)
    page = documents.list_documents(ctx, profile_id, {"hidden": False, "limit": 1000})
    record(ctx, profile_id, pro["rpps"], "list_documents", detail=f"{len(page.documents)} document(s)")
    return page


def pro_document_content(ctx: ServerContext, rpps: str, profile: str, document_id: str):
    profile_id = find_profile(ctx, profile)
    pro = professional_access(ctx, rpps, profile_id)
    doc = documents.get(ctx, profile_id, document_id)
    if doc.hidden:
        raise MesError("DOCUMENT_NOT_FOUND", _("No document {id!r} visible to professionals.").format(id=document_id))
    record(ctx, profile_id, pro["rpps"], "read_document", document_id=document_id, detail=doc.title)
    return documents.content(ctx, profile_id, document_id)
