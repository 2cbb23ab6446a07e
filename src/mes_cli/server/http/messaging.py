"""HTTP adapters for the messagerie: the person's side (session) and the professional's (admin API)."""

from __future__ import annotations

from ...contract import models as m
from .operation import Operation, Service

messaging = Service("messaging")

BASE = "/v1/profiles/{profile_id}"
PRO = "/v1/admin/pros/{rpps}"


def _profile(ctx, call) -> str:
    """The profile the resource already authorised (see app.OperationsResource)."""
    return call.profile_id


def _raw(call):
    return call.request.bounded_stream, call.request.content_length, call.query.get("filename")


PERSON = [
    Operation("GET", BASE + "/conversations", "listConversations", "Conversations with professionals, newest first",
              "messages", lambda ctx, call: messaging.list_conversations(ctx, _profile(ctx, call), call.query), None,
              m.ConversationList, access="session", query=(("unread", bool, "Only those with unread messages"),)),
    Operation("POST", BASE + "/conversations", "startConversation",
              "Write to a professional who already wrote to you (and has not closed the exchange)", "messages",
              lambda ctx, call: messaging.start_by_person(ctx, _profile(ctx, call), call.body), m.NewConversationIn,
              m.ConversationView, access="session", status=201),
    Operation("GET", BASE + "/conversations/{conversation_id}", "readConversation",
              "A conversation with its messages (marks them read)", "messages",
              lambda ctx, call: messaging.read(ctx, _profile(ctx, call), call.params["conversation_id"]), None,
              m.ConversationView, access="session"),
    Operation("DELETE", BASE + "/conversations/{conversation_id}", "deleteConversation",
              "Delete a conversation and its messages", "messages",
              lambda ctx, call: messaging.delete(ctx, _profile(ctx, call), call.params["conversation_id"]), None,
              None, access="session", status=204),
    Operation("POST", BASE + "/conversations/{conversation_id}/messages", "reply", "Reply in a conversation",
              "messages", lambda ctx, call: messaging.reply(ctx, _profile(ctx, call), call.params["conversation_id"],
                                                            call.body), m.ReplyIn, m.ConversationView,
              access="session", status=201),
    Operation("POST", BASE + "/attachments", "uploadAttachment",
              "Upload a file to attach to your next message (same rules as documents)", "messages",
              lambda ctx, call: messaging.upload_attachment(ctx, _profile(ctx, call), *_raw(call)), None,
              m.AttachmentView, access="session", status=201, raw_body=True, raw_media="application/octet-stream",
              query=(("filename", str, "The file's name"),)),
    Operation("GET", BASE + "/messages/{message_id}/attachments/{attachment_id}", "downloadAttachment",
              "An attachment's bytes", "messages",
              lambda ctx, call: messaging.attachment_content(ctx, _profile(ctx, call), call.params["message_id"],
                                                             call.params["attachment_id"]),
              None, None, access="session", raw_media="application/octet-stream"),
    Operation("POST", BASE + "/messages/{message_id}/attachments/{attachment_id}/save", "saveAttachment",
              "File an attachment into the documents", "messages",
              lambda ctx, call: messaging.save_attachment(ctx, _profile(ctx, call), call.params["message_id"],
                                                          call.params["attachment_id"], call.body),
              m.SaveAttachmentIn, m.UploadResult, access="session", status=201),
    Operation("POST", BASE + "/messages/{message_id}/attachments/{attachment_id}/file", "fileAttachmentDocuments",
              "File each document of an IHE XDM archive (or a CDA) attached to a message, with the metadata of "
              "its header", "messages",
              lambda ctx, call: messaging.file_attachment(ctx, _profile(ctx, call), call.params["message_id"],
                                                          call.params["attachment_id"]),
              None, m.FiledDocuments, access="session", status=201),
    Operation("GET", BASE + "/history", "accessHistory", "Who read or added what, when", "messages",
              lambda ctx, call: messaging.history(ctx, _profile(ctx, call), call.query), None, m.HistoryList,
              access="session", query=(("since", str, "From this date"), ("until", str, "Up to this date"),
                                       ("rpps", str, "Only this professional"))),
    Operation("GET", BASE + "/professionals", "listProfessionals", "Professionals who wrote to you, and those blocked",
              "messages", lambda ctx, call: messaging.list_professionals(ctx, _profile(ctx, call)), None,
              m.ProfessionalList, access="session"),
    Operation("GET", BASE + "/directory", "searchDirectory",
              "Search the (public) directory of health professionals by name, profession, specialty, city or "
              "RPPS number; each result says whether this profile blocked them", "messages",
              lambda ctx, call: messaging.search_directory(ctx, _profile(ctx, call), call.query), None,
              m.ProfessionalList, access="session",
              query=(("q", str, "Words that must all match (case and accents ignored); none: the directory "
                                "from the start"), ("limit", int, "At most this many (default 50)"))),
    Operation("PUT", BASE + "/professionals/{rpps}/block", "blockProfessional",
              "Block a professional: they can neither write to you nor read your documents", "messages",
              lambda ctx, call: messaging.block(ctx, _profile(ctx, call), call.params["rpps"], True), None,
              m.ProfessionalView, access="session"),
    Operation("DELETE", BASE + "/professionals/{rpps}/block", "unblockProfessional", "Unblock a professional",
              "messages", lambda ctx, call: messaging.block(ctx, _profile(ctx, call), call.params["rpps"], False),
              None, m.ProfessionalView, access="session"),
]

PROFESSIONAL = [
    Operation("POST", PRO + "/conversations", "proStartConversation",
              "As a professional: start a conversation with a person (reference server only)", "professional",
              lambda ctx, call: messaging.pro_start(ctx, call.params["rpps"], call.body), m.ProConversationIn,
              m.ConversationView, access="admin", status=201),
    Operation("GET", PRO + "/conversations/{conversation_id}", "proReadConversation",
              "As a professional: read a conversation", "professional",
              lambda ctx, call: messaging.pro_read_conversation(ctx, call.params["rpps"],
                                                                call.params["conversation_id"]),
              None, m.ConversationView, access="admin"),
    Operation("POST", PRO + "/conversations/{conversation_id}/messages", "proWrite",
              "As a professional: write in a conversation", "professional",
              lambda ctx, call: messaging.pro_write(ctx, call.params["rpps"], call.params["conversation_id"],
                                                    call.body), m.ProMessageIn, m.ConversationView, access="admin",
              status=201),
    Operation("POST", PRO + "/conversations/{conversation_id}/close", "proClose",
              "As a professional: close a conversation (no more replies)", "professional",
              lambda ctx, call: messaging.pro_close(ctx, call.params["rpps"], call.params["conversation_id"]), None,
              m.ConversationView, access="admin"),
    Operation("POST", PRO + "/attachments", "proUploadAttachment", "As a professional: upload an attachment",
              "professional", lambda ctx, call: messaging.pro_upload_attachment(
                  ctx, call.params["rpps"], call.query.get("profile") or "", *_raw(call)),
              None, m.AttachmentView, access="admin", status=201, raw_body=True, raw_media="application/octet-stream",
              query=(("profile", str, "The person's NIR or profile id"), ("filename", str, "The file's name"))),
    Operation("GET", PRO + "/profiles/{profile}/documents", "proListDocuments",
              "As a professional: the documents not hidden from professionals (recorded in the history)",
              "professional", lambda ctx, call: messaging.pro_documents(ctx, call.params["rpps"],
                                                                        call.params["profile"]),
              None, m.DocumentPage, access="admin"),
    Operation("GET", PRO + "/profiles/{profile}/documents/{document_id}/content", "proReadDocument",
              "As a professional: read a document (recorded in the history)", "professional",
              lambda ctx, call: messaging.pro_document_content(ctx, call.params["rpps"], call.params["profile"],
                                                               call.params["document_id"]),
              None, None, access="admin", raw_media="application/octet-stream"),
]

OPERATIONS = PERSON + PROFESSIONAL
