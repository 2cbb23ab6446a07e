"""HTTP adapters for documents: query and headers in, service calls out."""

from __future__ import annotations

from ...contract import models as m
from ...domain.categories import CATEGORIES
from .operation import Operation, Service

document_folders, documents = Service("document_folders"), Service("documents")
health_documents, registry = Service("health_documents"), Service("registry")

BASE = "/v1/profiles/{profile_id}/documents"
ONE = BASE + "/{document_id}"
FOLDERS = "/v1/profiles/{profile_id}/document-folders"
FOLDER = FOLDERS + "/{folder}"
SETTINGS = "/v1/profiles/{profile_id}/document-settings"

LIST_QUERY = (
    ("category", str, "Only this category code"),
    ("since", str, "Document date on or after (YYYY-MM-DD or DD/MM/YYYY)"),
    ("until", str, "Document date on or before"),
    ("search", str, "Words in the title"),
    ("hidden", bool, "Only hidden (true) or visible (false) documents"),
    ("folder", str, "Only the documents of this folder (its id or name)"),
    ("pinned", bool, "Only pinned (true) or unpinned (false) documents"),
    ("limit", int, "Page size (default 50, at most 1000)"),
    ("cursor", str, "next_cursor of the previous page"),
)
UPLOAD_QUERY = (
    ("title", str, "Title, at most 50 characters (default: from filename)"),
    ("filename", str, "The file's name, for the default title"),
    ("category", str, "Category code (default AUTR_DOC)"),
    ("date", str, "Document date (default: today)"),
    ("hidden", bool, "Hidden from professionals"),
    ("hidden_from_representatives", bool, "Invisible to legal representatives (only the person themself)"),
    ("folder", str, "Into this folder (its id or name)"),
    ("pinned", bool, "Pinned"),
)


def _profile(ctx, call) -> str:
    """The profile the resource already authorised (see app.OperationsResource)."""
    return call.profile_id


def upload_meta(call, uploaded_by: str = "person") -> documents.UploadMeta:
    req = call.request
    return documents.UploadMeta(
        title=call.query.get("title"), filename=call.query.get("filename"), category=call.query.get("category"),
        document_date=call.query.get("date"), hidden=bool(call.query.get("hidden")),
        hidden_from_representatives=bool(call.query.get("hidden_from_representatives")),
        folder=call.query.get("folder"), pinned=bool(call.query.get("pinned")),
        author=call.query.get("author"), uploaded_by=uploaded_by,
        idempotency_key=(req.get_header("Idempotency-Key") or "")[:200] or None,
        sha256=(req.get_header("X-Content-SHA256") or "")[:64] or None,
    )


def upload(ctx, call) -> m.UploadResult:
    profile_id = _profile(ctx, call)
    req = call.request
    return documents.upload(ctx, profile_id, req.bounded_stream, req.content_length, upload_meta(call))


def upload_as_professional(ctx, call) -> m.UploadResult:
    """The reference server's stand-in for a professional's software adding a document (admin API)."""
    profile_id = registry.existing_person(ctx, call.params["profile_id"])
    req = call.request
    return documents.upload(ctx, profile_id, req.bounded_stream, req.content_length,
                            upload_meta(call, uploaded_by="professional"))


def import_health_document(ctx, call) -> m.FiledDocument:
    req = call.request
    return health_documents.import_for_person(
        ctx, _profile(ctx, call), req.bounded_stream, req.content_length, deletion=bool(call.query.get("deletion")),
        sha256=(req.get_header("X-Content-SHA256") or "")[:64] or None)


def send_as_professional(ctx, call) -> m.FiledDocuments:
    req = call.request
    return health_documents.send_as_professional(ctx, call.params["rpps"], call.query.get("profile") or "",
                                                 req.bounded_stream, req.content_length)


def categories(ctx, call) -> m.CategoryList:
    return m.CategoryList(categories=[m.Category(code, label) for code, label in CATEGORIES.items()])


OPERATIONS = [
    Operation("GET", "/v1/document-categories", "listCategories", "The official document categories", "documents",
        categories, None, m.CategoryList),
    Operation("POST", BASE, "uploadDocument", "Upload a document: the raw bytes as the body, streamed; "
        "`Idempotency-Key` makes a retry return the same document; `X-Content-SHA256` is checked", "documents",
        upload, None, m.UploadResult, access="session", status=201, query=UPLOAD_QUERY, raw_body=True,
        raw_media="application/octet-stream"),
    Operation("POST", "/v1/admin/profiles/{profile_id}/documents", "uploadDocumentAsProfessional",
              "Add a document as a health professional would (reference server only)", "admin",
              upload_as_professional, None, m.UploadResult, access="admin", status=201,
              query=UPLOAD_QUERY + (("author", str, "The professional's name"),), raw_body=True,
              raw_media="application/octet-stream"),
    Operation("GET", BASE, "listDocuments", "List documents, newest first, with filters and a cursor", "documents",
        lambda ctx, call: documents.list_documents(ctx, _profile(ctx, call), call.query), None, m.DocumentPage,
        access="session", query=LIST_QUERY),
    Operation("POST", BASE + "/lookup", "lookupDocuments", "Which idempotency keys already name a document",
        "documents", lambda ctx, call: documents.lookup(ctx, _profile(ctx, call), call.body), m.LookupRequest,
        m.LookupResult, access="session"),
    Operation("GET", ONE, "getDocument", "One document's metadata", "documents",
        lambda ctx, call: documents.get(ctx, _profile(ctx, call), call.params["document_id"]), None,
        m.DocumentView, access="session"),
    Operation("POST", BASE + "/import", "importHealthDocument",
              "Import one HL7 CDA R2 document (from a DMP export, a CD, an XDM archive read by the client): the "
              "raw XML as the body; its patient must be this profile's; a new version replaces the one listed",
              "documents", import_health_document, None, m.FiledDocument, access="session", status=201,
              query=(("deletion", bool, "The archive asks to delete this document (and its versions)"),),
              raw_body=True, raw_media="application/octet-stream"),
    Operation("GET", ONE + "/cda", "getCdaDetails",
              "An HL7 CDA document's parsed header and every version of it", "documents",
              lambda ctx, call: health_documents.details(ctx, _profile(ctx, call), call.params["document_id"]),
              None, m.CdaDetails, access="session"),
    Operation("POST", "/v1/admin/pros/{rpps}/documents", "proSendDocuments",
              "As a professional: send an HL7 CDA R2 document or an IHE XDM archive to a person's space "
              "(reference server only)", "professional", send_as_professional, None, m.FiledDocuments,
              access="admin", status=201, query=(("profile", str, "The person's NIR or profile id"),),
              raw_body=True, raw_media="application/octet-stream"),
    Operation("GET", ONE + "/content", "downloadDocument", "The document's bytes (checksum in X-Content-SHA256)",
        "documents", lambda ctx, call: documents.content(ctx, _profile(ctx, call), call.params["document_id"]),
        None, None, access="session", raw_media="application/octet-stream"),
    Operation("PATCH", ONE, "updateDocument", "Hide or unhide from professionals or legal representatives; pin; "
        "move to a folder; change title, category or date (not the date of a document from a professional)",
        "documents", lambda ctx, call: documents.update(ctx, _profile(ctx, call), call.params["document_id"],
                                                        call.body), m.DocumentPatch, m.DocumentView,
        access="session"),
    Operation("DELETE", ONE, "deleteDocument", "Delete a document for good (not those added by a professional)",
        "documents", lambda ctx, call: documents.delete(ctx, _profile(ctx, call), call.params["document_id"]),
        None, None, access="session", status=204),
    Operation("POST", BASE + "/delete", "deleteDocuments", "Delete up to 10 documents for good, each on its own: "
        "the outcome of each id", "documents",
        lambda ctx, call: documents.delete_batch(ctx, _profile(ctx, call), call.body), m.BatchDeleteRequest,
        m.BatchDeleteResult, access="session"),
    Operation("GET", FOLDERS, "listDocumentFolders", "The folders of the documents, by name", "documents",
        lambda ctx, call: document_folders.list_folders(ctx, _profile(ctx, call)), None, m.FolderList,
        access="session"),
    Operation("POST", FOLDERS, "createDocumentFolder", "Create a folder (name ≤ 50 characters, unique without "
        "regard to case)", "documents",
        lambda ctx, call: document_folders.create(ctx, _profile(ctx, call), call.body), m.FolderIn, m.FolderView,
        access="session", status=201),
    Operation("PATCH", FOLDER, "renameDocumentFolder", "Rename a folder (named by its id or name)", "documents",
        lambda ctx, call: document_folders.rename(ctx, _profile(ctx, call), call.params["folder"], call.body),
        m.FolderIn, m.FolderView, access="session"),
    Operation("DELETE", FOLDER, "deleteDocumentFolder", "Delete a folder; one holding documents only with "
        "move_documents_out (they go back to no folder)", "documents",
        lambda ctx, call: document_folders.delete(ctx, _profile(ctx, call), call.params["folder"],
                                                  bool(call.query.get("move_documents_out"))),
        None, None, access="session", status=204,
        query=(("move_documents_out", bool, "Put the folder's documents back in no folder"),)),
    Operation("GET", SETTINGS, "getDocumentSettings", "The defaults for new documents", "documents",
        lambda ctx, call: documents.get_settings(ctx, _profile(ctx, call)), None, m.DocumentSettings,
        access="session"),
    Operation("PUT", SETTINGS, "putDocumentSettings", "Set the defaults for new documents (hide every new "
        "document from professionals)", "documents",
        lambda ctx, call: documents.put_settings(ctx, _profile(ctx, call), call.body), m.DocumentSettings,
        m.DocumentSettings, access="session"),
]
