"""MesClient: one typed method per endpoint. No printing, no prompting.

Errors come back as ``MesError`` with the server's code, message, details and
request id; transport failures as ``MesError("NETWORK_ERROR")``.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, TypeVar
from urllib.parse import quote

import httpx
import msgspec

from ..contract import models as m
from ..contract.errors import CATALOGUE, MesError
from ..i18n import _
from .config import ClientConfig
from .retry import ReplayGuard, RetryPolicy
from .transport import build_http_client

T = TypeVar("T")
CHUNK = 64 * 1024


class MesClient:
    def __init__(self, config: ClientConfig, token: str | None = None) -> None:
        self.config = config
        self.token = token
        self._http: httpx.Client | None = None

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            self._http = build_http_client(self.config)
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    # -- plumbing ----------------------------------------------------------------

    retry: RetryPolicy | None = None  # None: RetryPolicy(max_attempts=config.max_attempts); tests inject one

    def request(self, method: str, path: str, *, body: Any = None, response: type[T] | None = None,
                auth: bool = False, admin: bool = False, params: dict | None = None,
                content: Any = None, headers: dict | None = None) -> T | None:
        headers = dict(headers or {})
        if auth:
            headers.update(self._auth_headers())
        if admin and self.config.admin_token:
            headers["X-Admin-Token"] = self.config.admin_token
        if body is not None:
            content = msgspec.json.encode(body)
            headers["Content-Type"] = "application/json"
        reply = self.send(method, path, content=content, headers=headers,
                          params={k: v for k, v in (params or {}).items() if v is not None})
        if reply.status_code >= 400:
            raise self._error(reply)
        if response is None or reply.status_code == 204:
            return None
        try:
            return msgspec.json.decode(reply.content, type=response)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise MesError("BAD_RESPONSE", _("The server's answer to {method} {path} was not understood ({problem}); "
                                             "is --api-url a mes server of a compatible version?")
                           .format(method=method, path=path, problem=exc)) from None

    def send(self, method: str, path: str, *, content: Any = None, headers: dict | None = None,
             params: Any = None) -> httpx.Response:
        """Sends one request under the retry policy (client/retry.py); the answer whatever its status.

        A streamed body (an iterator, e.g. an upload's chunks) is wrapped in a
        ReplayGuard: it is sent again only if none of it was read, i.e. the
        connection failed before the body went out. Bytes bodies replay freely.
        """
        policy = self.retry or RetryPolicy(max_attempts=self.config.max_attempts)
        replayable = policy.allows(method, headers)
        guard = None
        if content is not None and not isinstance(content, (bytes, bytearray, str)):
            content = guard = ReplayGuard(content)
        attempt = 0
        with self._transport_errors():
            while True:
                attempt += 1
                try:
                    reply = self.http.request(method, path, content=content, headers=headers, params=params)
                except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                    wait = policy.delay(attempt) if replayable and not (guard and guard.started) else None
                    if wait is None:
                        raise
                    self._retrying(method, path, type(exc).__name__, wait, attempt, policy)
                    continue
                if policy.retry_status(reply.status_code) and replayable and not (guard and guard.started):
                    wait = policy.delay(attempt, reply.headers.get("Retry-After"))
                    if wait is not None:
                        reply.close()
                        self._retrying(method, path, f"HTTP {reply.status_code}", wait, attempt, policy)
                        continue
                return reply

    def _retrying(self, method: str, path: str, reason: str, wait: float, attempt: int, policy: RetryPolicy) -> None:
        if self.config.debug_out is not None:
            self.config.debug_out.write(f"* {method} {path}: {reason}; attempt {attempt + 1}/{policy.max_attempts} "
                                        f"in {wait:.2f} s\n")
        policy.sleep(wait)

    def raw(self, method: str, path: str, *, content: Any = None, headers: dict | None = None,
            admin: bool = True, on_error: Callable[[httpx.Response], None] | None = None) -> httpx.Response:
        """``mes api``: any request, with the session (if any) and the admin token (if set); errors raised
        (after ``on_error`` has seen the answer: ``mes api`` prints an error's body too)."""
        headers = dict(headers or {})
        if self.token and not any(k.lower() == "authorization" for k in headers):
            headers["Authorization"] = f"Bearer {self.token}"
        if admin and self.config.admin_token and not any(k.lower() == "x-admin-token" for k in headers):
            headers["X-Admin-Token"] = self.config.admin_token
        reply = self.send(method, path, content=content, headers=headers)
        if reply.status_code >= 400:
            if on_error is not None:
                on_error(reply)
            raise self._error(reply)
        return reply

    @contextmanager
    def _transport_errors(self) -> Iterator[None]:
        try:
            yield
        except httpx.TimeoutException:
            raise MesError("NETWORK_ERROR", _("The server at {server} did not answer within {timeout:g} s; try again, "
                                              "or raise --timeout.")
                           .format(server=self.config.target_label(), timeout=self.config.timeout)) from None
        except httpx.TransportError as exc:
            raise MesError("NETWORK_ERROR", _("Cannot reach the server at {server} ({error}); check --api-url and "
                                              "that the server runs.")
                           .format(server=self.config.target_label(), error=type(exc).__name__)) from None

    def _auth_headers(self) -> dict[str, str]:
        if not self.token:
            raise MesError("NOT_LOGGED_IN", _("You are not logged in on this server; run `mes login` first."))
        return {"Authorization": f"Bearer {self.token}"}

    @staticmethod
    def _error(reply: httpx.Response) -> MesError:
        try:
            body = msgspec.json.decode(reply.content, type=m.ErrorResponse).error
        except (msgspec.DecodeError, msgspec.ValidationError):
            return MesError("BAD_RESPONSE", _("The server answered HTTP {status} without an error body; "
                                              "is --api-url a mes server?").format(status=reply.status_code),
                            request_id=reply.headers.get("X-Request-Id"))
        code = body.code if body.code in CATALOGUE else "BAD_RESPONSE"
        return MesError(code, body.message, dict(body.details), request_id=body.request_id)

    # -- service -----------------------------------------------------------------

    def health(self) -> m.Health:
        return self.request("GET", "/health", response=m.Health)

    def openapi(self) -> dict:
        return self.request("GET", "/openapi.json", response=dict)

    # -- administration and development --------------------------------------------

    def seed(self, persons: list[m.PersonIn], professionals: list[m.ProfessionalIn] = (),
             quiet_outbox: bool = False) -> m.SeedResponse:
        return self.request("POST", "/v1/admin/persons",
                            body=m.SeedRequest(persons=persons, professionals=list(professionals),
                                               quiet_outbox=quiet_outbox),
                            response=m.SeedResponse, admin=True)

    def outbox(self, to: str | None = None, limit: int | None = None) -> m.OutboxPage:
        return self.request("GET", "/v1/dev/outbox", params={"to": to, "limit": limit}, response=m.OutboxPage)

    def move_clock(self, advance_seconds: int = 0, reset: bool = False) -> m.ClockResponse:
        return self.request("POST", "/v1/dev/clock", body=m.ClockRequest(advance_seconds, reset),
                            response=m.ClockResponse)

    def add_fault(self, rule: m.FaultRuleIn) -> m.FaultRule:
        return self.request("POST", "/v1/dev/faults", body=rule, response=m.FaultRule)

    def faults(self) -> m.FaultList:
        return self.request("GET", "/v1/dev/faults", response=m.FaultList)

    def clear_faults(self) -> None:
        self.request("DELETE", "/v1/dev/faults")

    def events(self, after: int = 0, type_: str | None = None, limit: int | None = None,
               wait: int | None = None) -> m.EventPage:
        return self.request("GET", "/v1/dev/events", response=m.EventPage,
                            params={"after": str(after), "type": type_, "limit": limit, "wait": wait})

    def trigger_event(self, trigger: m.EventTrigger) -> m.Event:
        return self.request("POST", "/v1/dev/events", body=trigger, response=m.Event)

    def add_webhook(self, webhook: m.WebhookIn) -> m.Webhook:
        return self.request("POST", "/v1/dev/webhooks", body=webhook, response=m.Webhook)

    def webhooks(self) -> m.WebhookList:
        return self.request("GET", "/v1/dev/webhooks", response=m.WebhookList)

    def remove_webhook(self, webhook_id: str) -> None:
        self.request("DELETE", f"/v1/dev/webhooks/{quote(webhook_id, safe='')}")

    def deliveries(self, webhook_id: str | None = None, limit: int | None = None) -> m.DeliveryList:
        return self.request("GET", "/v1/dev/webhook-deliveries", response=m.DeliveryList,
                            params={"webhook": webhook_id, "limit": limit})

    def journal(self, after: int = 0, operation: str | None = None, status: int | None = None,
                limit: int | None = None, bodies: bool = False, wait: int | None = None) -> m.JournalPage:
        return self.request("GET", "/v1/dev/requests", response=m.JournalPage,
                            params={"after": str(after), "operation": operation, "status": status, "limit": limit,
                                    "bodies": "true" if bodies else None, "wait": wait})

    # -- provisional codes, activation, opposition ----------------------------------

    def request_code(self, request: m.NewCodeRequest) -> m.CodeSent:
        return self.request("POST", "/v1/provisional-codes", body=request, response=m.CodeSent)

    def start_enrolment(self, request: m.EnrolmentRequest) -> m.EnrolmentStarted:
        return self.request("POST", "/v1/enrolments", body=request, response=m.EnrolmentStarted)

    def change_contacts(self, request: m.ContactsChange) -> m.ContactsPending:
        return self.request("POST", "/v1/enrolments/contacts", body=request, response=m.ContactsPending)

    def verify_contact(self, request: m.ContactVerification) -> m.ContactsPending:
        return self.request("POST", "/v1/enrolments/verify-contact", body=request, response=m.ContactsPending)

    def activate(self, request: m.ActivationRequest) -> m.AccountView:
        return self.request("POST", "/v1/enrolments/activate", body=request, response=m.AccountView)

    def oppose(self, enrolment_id: str) -> m.OppositionReceipt:
        return self.request("POST", "/v1/enrolments/oppose", body=m.OppositionRequest(enrolment_id),
                            response=m.OppositionReceipt)

    # -- login and session ----------------------------------------------------------

    def start_login(self, request: m.LoginRequest) -> m.LoginStarted:
        return self.request("POST", "/v1/logins", body=request, response=m.LoginStarted)

    def complete_login(self, login_id: str, code: str) -> m.SessionView:
        return self.request("POST", "/v1/logins/verify", body=m.LoginCode(login_id=login_id, code=code),
                            response=m.SessionView)

    def whoami(self) -> m.WhoAmI:
        return self.request("GET", "/v1/me", response=m.WhoAmI, auth=True)

    def logout(self) -> None:
        self.request("DELETE", "/v1/session", auth=True)

    # -- recovery -------------------------------------------------------------------

    def recover_identifier(self, request: m.RecoverIdentifierRequest) -> m.Accepted:
        return self.request("POST", "/v1/identifier-recovery", body=request, response=m.Accepted)

    def request_reset(self, request: m.PasswordResetRequest) -> m.PasswordResetStarted:
        return self.request("POST", "/v1/password-resets", body=request, response=m.PasswordResetStarted)

    def complete_reset(self, request: m.PasswordResetCompletion) -> m.Accepted:
        return self.request("POST", "/v1/password-resets/complete", body=request, response=m.Accepted)

    # -- account --------------------------------------------------------------------

    def close_account(self, password: str, delete_data: bool) -> m.ClosedView:
        return self.request("POST", "/v1/account/close", body=m.CloseRequest(password, delete_data),
                            response=m.ClosedView, auth=True)

    def totp_enable(self) -> m.TotpEnrolment:
        return self.request("POST", "/v1/account/totp", response=m.TotpEnrolment, auth=True)

    def totp_confirm(self, code: str) -> m.TotpStatus:
        return self.request("POST", "/v1/account/totp/confirm", body=m.TotpConfirm(code), response=m.TotpStatus,
                            auth=True)

    def totp_disable(self, password: str) -> m.TotpStatus:
        return self.request("POST", "/v1/account/totp/disable", body=m.PasswordCheck(password),
                            response=m.TotpStatus, auth=True)

    # -- documents ------------------------------------------------------------------

    def categories(self) -> m.CategoryList:
        return self.request("GET", "/v1/document-categories", response=m.CategoryList)

    def upload_document(self, profile: str, path: Path, *, size: int, sha256: str, idempotency_key: str,
                        title: str | None = None, category: str | None = None, date: str | None = None,
                        hidden: bool = False, hidden_from_representatives: bool = False,
                        folder: str | None = None, pinned: bool = False,
                        on_bytes: Callable[[int], None] | None = None, data: bytes | None = None) -> m.UploadResult:
        """Streams a file as the body (never held whole in memory); ``data``: these bytes instead, named
        ``path`` (a document read out of an archive)."""

        def chunks() -> Iterator[bytes]:
            for chunk in _file_chunks(path):
                yield chunk
                if on_bytes:
                    on_bytes(len(chunk))

        params = {"filename": path.name, "title": title, "category": category, "date": date,
                  "hidden": "true" if hidden else None,
                  "hidden_from_representatives": "true" if hidden_from_representatives else None,
                  "folder": folder, "pinned": "true" if pinned else None}
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(size),
                   "Idempotency-Key": idempotency_key, "X-Content-SHA256": sha256}
        return self.request("POST", f"/v1/profiles/{profile}/documents", params=params,
                            content=chunks() if data is None else data, headers=headers, response=m.UploadResult,
                            auth=True)

    def lookup_documents(self, profile: str, keys: list[str]) -> m.LookupResult:
        return self.request("POST", f"/v1/profiles/{profile}/documents/lookup",
                            body=m.LookupRequest(idempotency_keys=keys), response=m.LookupResult, auth=True)

    def list_documents(self, profile: str, **filters: Any) -> m.DocumentPage:
        return self.request("GET", f"/v1/profiles/{profile}/documents", params=filters, response=m.DocumentPage,
                            auth=True)

    def get_document(self, profile: str, document_id: str) -> m.DocumentView:
        return self.request("GET", f"/v1/profiles/{profile}/documents/{document_id}", response=m.DocumentView,
                            auth=True)

    def update_document(self, profile: str, document_id: str, patch: m.DocumentPatch) -> m.DocumentView:
        return self.request("PATCH", f"/v1/profiles/{profile}/documents/{document_id}", body=patch,
                            response=m.DocumentView, auth=True)

    def delete_document(self, profile: str, document_id: str) -> None:
        self.request("DELETE", f"/v1/profiles/{profile}/documents/{document_id}", auth=True)

    def delete_documents(self, profile: str, ids: list[str]) -> m.BatchDeleteResult:
        """Up to 10 ids (the server refuses more): the outcome of each."""
        return self.request("POST", f"/v1/profiles/{profile}/documents/delete", body=m.BatchDeleteRequest(ids=ids),
                            response=m.BatchDeleteResult, auth=True)

    def document_folders(self, profile: str) -> m.FolderList:
        return self.request("GET", f"/v1/profiles/{profile}/document-folders", response=m.FolderList, auth=True)

    def create_document_folder(self, profile: str, name: str) -> m.FolderView:
        return self.request("POST", f"/v1/profiles/{profile}/document-folders", body=m.FolderIn(name=name),
                            response=m.FolderView, auth=True)

    def _folder_segment(self, profile: str, folder: str) -> str:
        """The folder's id when a folder of that name exists (any case), so that the path carries no accent
        nor space; else what was given, which the server answers (FOLDER_NOT_FOUND)."""
        wanted = " ".join(folder.split()).casefold()
        for known in self.document_folders(profile).folders:
            if known.name.casefold() == wanted:
                return known.id
        return quote(folder, safe="")

    def rename_document_folder(self, profile: str, folder: str, name: str) -> m.FolderView:
        return self.request("PATCH", f"/v1/profiles/{profile}/document-folders/{self._folder_segment(profile, folder)}",
                            body=m.FolderIn(name=name), response=m.FolderView, auth=True)

    def delete_document_folder(self, profile: str, folder: str, *, move_documents_out: bool = False) -> None:
        self.request("DELETE", f"/v1/profiles/{profile}/document-folders/{self._folder_segment(profile, folder)}",
                     params={"move_documents_out": "true" if move_documents_out else None}, auth=True)

    def document_settings(self, profile: str) -> m.DocumentSettings:
        return self.request("GET", f"/v1/profiles/{profile}/document-settings", response=m.DocumentSettings,
                            auth=True)

    def set_document_settings(self, profile: str, settings: m.DocumentSettings) -> m.DocumentSettings:
        return self.request("PUT", f"/v1/profiles/{profile}/document-settings", body=settings,
                            response=m.DocumentSettings, auth=True)

    def download_document(self, profile: str, document_id: str, sink: Callable[[bytes], None]) -> str:
        """Streams the bytes into ``sink``; returns the SHA-256 the server announced.

        Not retried: bytes already handed to the sink cannot be taken back. The
        caller writes to a temp file and can simply run the download again.
        """
        url = f"/v1/profiles/{profile}/documents/{document_id}/content"
        with self._transport_errors(), self.http.stream("GET", url, headers=self._auth_headers()) as reply:
            if reply.status_code >= 400:
                reply.read()
                raise self._error(reply)
            for chunk in reply.iter_bytes(CHUNK):
                sink(chunk)
            return reply.headers.get("X-Content-SHA256", "")

    # -- medical profile -----------------------------------------------------------

    def import_health_document(self, profile: str, data: bytes, *, sha256: str,
                               deletion: bool = False) -> m.FiledDocument:
        """One CDA document of an archive; filing the same bytes again changes nothing, so a retry is safe."""
        headers = {"Content-Type": "application/octet-stream", "Idempotency-Key": f"sha256:{sha256}",
                   "X-Content-SHA256": sha256}
        return self.request("POST", f"/v1/profiles/{profile}/documents/import",
                            params={"deletion": "true" if deletion else None}, content=data, headers=headers,
                            response=m.FiledDocument, auth=True)

    def cda_details(self, profile: str, document_id: str) -> m.CdaDetails:
        return self.request("GET", f"/v1/profiles/{profile}/documents/{document_id}/cda", response=m.CdaDetails,
                            auth=True)

    def medical_profile(self, profile: str) -> m.MedicalProfile:
        return self.request("GET", f"/v1/profiles/{profile}/medical", response=m.MedicalProfile, auth=True)

    def add_entry(self, profile: str, section: str, entry: Any) -> m.ProfileEntry:
        return self.request("POST", f"/v1/profiles/{profile}/medical/{section}", body=entry,
                            response=m.ProfileEntry, auth=True)

    def replace_entry(self, profile: str, section: str, entry_id: str, entry: Any) -> m.ProfileEntry:
        return self.request("PUT", f"/v1/profiles/{profile}/medical/{section}/{entry_id}", body=entry,
                            response=m.ProfileEntry, auth=True)

    def remove_entry(self, profile: str, section: str, entry_id: str) -> None:
        self.request("DELETE", f"/v1/profiles/{profile}/medical/{section}/{entry_id}", auth=True)

    def mark_section(self, profile: str, section: str, not_concerned: bool) -> m.SectionView:
        return self.request("PUT", f"/v1/profiles/{profile}/medical/{section}/status",
                            body=m.SectionStatus(not_concerned), response=m.SectionView, auth=True)

    def set_blood_group(self, profile: str, blood_group: str | None) -> m.MedicalProfile:
        return self.request("PUT", f"/v1/profiles/{profile}/medical/blood-group", body=m.BloodGroupIn(blood_group),
                            response=m.MedicalProfile, auth=True)

    def fhir_bundle(self, profile: str) -> dict:
        return self.request("GET", f"/v1/profiles/{profile}/medical/fhir", response=dict, auth=True)

    # -- vaccinations ----------------------------------------------------------------

    def vaccines(self, query: str | None = None) -> m.VaccineList:
        return self.request("GET", "/v1/vaccines", params={"q": query}, response=m.VaccineList)

    def vaccinations(self, profile: str) -> m.VaccinationList:
        return self.request("GET", f"/v1/profiles/{profile}/vaccinations", response=m.VaccinationList, auth=True)

    def add_vaccination(self, profile: str, entry: m.VaccinationIn) -> m.VaccinationView:
        return self.request("POST", f"/v1/profiles/{profile}/vaccinations", body=entry, response=m.VaccinationView,
                            auth=True)

    def remove_vaccination(self, profile: str, vaccination_id: str) -> None:
        self.request("DELETE", f"/v1/profiles/{profile}/vaccinations/{vaccination_id}", auth=True)

    def reminders(self, profile: str, at: str | None = None) -> m.ReminderList:
        return self.request("GET", f"/v1/profiles/{profile}/vaccinations/reminders", params={"at": at},
                            response=m.ReminderList, auth=True)

    def run_jobs(self) -> m.JobReport:
        return self.request("POST", "/v1/admin/jobs", response=m.JobReport, admin=True)

    # -- attached profiles --------------------------------------------------------------

    def children(self) -> m.ChildList:
        return self.request("GET", "/v1/children", response=m.ChildList, auth=True)

    def link_child(self, request: m.LinkRequest) -> m.ChildView:
        return self.request("POST", "/v1/children", body=request, response=m.ChildView, auth=True)

    def unlink_child(self, profile_id: str) -> None:
        self.request("DELETE", f"/v1/children/{profile_id}", auth=True)

    def share_child(self, profile_id: str, identifier: str) -> m.InvitationView:
        return self.request("POST", f"/v1/children/{profile_id}/invitations", body=m.ShareRequest(identifier),
                            response=m.InvitationView, auth=True)

    def invitations(self) -> m.InvitationList:
        return self.request("GET", "/v1/invitations", response=m.InvitationList, auth=True)

    def answer_invitation(self, invitation_id: str, accept: bool) -> m.InvitationView:
        verb = "accept" if accept else "decline"
        return self.request("POST", f"/v1/invitations/{invitation_id}/{verb}", response=m.InvitationView, auth=True)

    # -- messaging ------------------------------------------------------------------------

    def conversations(self, profile: str, unread: bool = False) -> m.ConversationList:
        return self.request("GET", f"/v1/profiles/{profile}/conversations",
                            params={"unread": "true" if unread else None}, response=m.ConversationList, auth=True)

    def read_conversation(self, profile: str, conversation_id: str) -> m.ConversationView:
        return self.request("GET", f"/v1/profiles/{profile}/conversations/{conversation_id}",
                            response=m.ConversationView, auth=True)

    def reply(self, profile: str, conversation_id: str, request: m.ReplyIn) -> m.ConversationView:
        return self.request("POST", f"/v1/profiles/{profile}/conversations/{conversation_id}/messages", body=request,
                            response=m.ConversationView, auth=True)

    def start_conversation(self, profile: str, request: m.NewConversationIn) -> m.ConversationView:
        return self.request("POST", f"/v1/profiles/{profile}/conversations", body=request,
                            response=m.ConversationView, auth=True)

    def delete_conversation(self, profile: str, conversation_id: str) -> None:
        self.request("DELETE", f"/v1/profiles/{profile}/conversations/{conversation_id}", auth=True)

    def upload_attachment(self, profile: str, path: Path) -> m.AttachmentView:
        return self.request("POST", f"/v1/profiles/{profile}/attachments", params={"filename": path.name},
                            content=_file_chunks(path), headers=_raw_headers(path), response=m.AttachmentView,
                            auth=True)

    def save_attachment(self, profile: str, message_id: str, attachment_id: str,
                        request: m.SaveAttachmentIn) -> m.UploadResult:
        return self.request("POST", f"/v1/profiles/{profile}/messages/{message_id}/attachments/{attachment_id}/save",
                            body=request, response=m.UploadResult, auth=True)

    @contextmanager
    def open_attachment(self, profile: str, message_id: str, attachment_id: str) -> Iterator[httpx.Response]:
        """An attachment's bytes as a streamed answer (its SHA-256 in X-Content-SHA256, its name in
        Content-Disposition). Not retried, like ``download_document``."""
        url = f"/v1/profiles/{profile}/messages/{message_id}/attachments/{attachment_id}"
        with self._transport_errors(), self.http.stream("GET", url, headers=self._auth_headers()) as reply:
            if reply.status_code >= 400:
                reply.read()
                raise self._error(reply)
            yield reply

    def file_attachment(self, profile: str, message_id: str, attachment_id: str) -> m.FiledDocuments:
        return self.request("POST", f"/v1/profiles/{profile}/messages/{message_id}/attachments/{attachment_id}/file",
                            response=m.FiledDocuments, auth=True)

    def history(self, profile: str, **filters: Any) -> m.HistoryList:
        return self.request("GET", f"/v1/profiles/{profile}/history", params=filters, response=m.HistoryList,
                            auth=True)

    def professionals(self, profile: str) -> m.ProfessionalList:
        return self.request("GET", f"/v1/profiles/{profile}/professionals", response=m.ProfessionalList, auth=True)

    def search_directory(self, profile: str, text: str | None = None, limit: int | None = None) -> m.ProfessionalList:
        return self.request("GET", f"/v1/profiles/{profile}/directory", params={"q": text, "limit": limit},
                            response=m.ProfessionalList, auth=True)

    def block_professional(self, profile: str, rpps: str, blocked: bool) -> m.ProfessionalView:
        return self.request("PUT" if blocked else "DELETE", f"/v1/profiles/{profile}/professionals/{rpps}/block",
                            response=m.ProfessionalView, auth=True)

    # -- the professional's side (reference server, admin token) ---------------------------

    def pro_start(self, rpps: str, request: m.ProConversationIn) -> m.ConversationView:
        return self.request("POST", f"/v1/admin/pros/{rpps}/conversations", body=request,
                            response=m.ConversationView, admin=True)

    def pro_conversation(self, rpps: str, conversation_id: str) -> m.ConversationView:
        return self.request("GET", f"/v1/admin/pros/{rpps}/conversations/{conversation_id}",
                            response=m.ConversationView, admin=True)

    def pro_write(self, rpps: str, conversation_id: str, request: m.ProMessageIn) -> m.ConversationView:
        return self.request("POST", f"/v1/admin/pros/{rpps}/conversations/{conversation_id}/messages", body=request,
                            response=m.ConversationView, admin=True)

    def pro_close(self, rpps: str, conversation_id: str) -> m.ConversationView:
        return self.request("POST", f"/v1/admin/pros/{rpps}/conversations/{conversation_id}/close",
                            response=m.ConversationView, admin=True)

    def pro_upload_attachment(self, rpps: str, profile: str, path: Path) -> m.AttachmentView:
        return self.request("POST", f"/v1/admin/pros/{rpps}/attachments",
                            params={"profile": profile, "filename": path.name}, content=_file_chunks(path),
                            headers=_raw_headers(path), response=m.AttachmentView, admin=True)

    def pro_send_documents(self, rpps: str, profile: str, path: Path) -> m.FiledDocuments:
        return self.request("POST", f"/v1/admin/pros/{rpps}/documents", params={"profile": profile},
                            content=_file_chunks(path), headers=_raw_headers(path), response=m.FiledDocuments,
                            admin=True)

    def pro_documents(self, rpps: str, profile: str) -> m.DocumentPage:
        return self.request("GET", f"/v1/admin/pros/{rpps}/profiles/{profile}/documents", response=m.DocumentPage,
                            admin=True)

    def pro_read_document(self, rpps: str, profile: str, document_id: str) -> bytes:
        return self.raw("GET", f"/v1/admin/pros/{rpps}/profiles/{profile}/documents/{document_id}/content").content


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def _raw_headers(path: Path) -> dict[str, str]:
    return {"Content-Type": "application/octet-stream", "Content-Length": str(path.stat().st_size)}
