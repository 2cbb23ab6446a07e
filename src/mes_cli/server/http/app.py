"""The server's WSGI application, built from the route table.

Resources are generic: each decodes the body into the operation's msgspec type
(a precise error path on failure), checks access, calls the service and encodes
its answer. Every error, including the routing's own (unknown path, wrong method)
and unexpected exceptions, leaves as the one JSON error shape with a request id.

No web framework: routing and the request/response shapes are small (router.py,
exchange.py), and the embedded server, which every local command starts in its
own process, does not pay a framework's import.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import msgspec

from ... import __version__, i18n
from ...contract import models as m
from ...contract.errors import MesError
from ...i18n import _
from ..clock import one_reading_per_request
from ..context import ServerContext
from ..services import auth, profiles
from ..services.common import FileResult
from ..settings import Settings
from .exchange import MEDIA_JSON, Request, Response, from_environ, to_wsgi
from .openapi import build_openapi
from .router import Router
from .routes import OPERATIONS, Operation

log = logging.getLogger("mes.server")


@dataclass
class Call:
    """What a handler receives: the decoded body, the session, query and path parameters.

    Operations declared with ``raw_body`` get the request itself in ``request``
    to stream the body (document uploads) instead of a decoded ``body``.
    """

    body: Any = None
    session: Any = None
    query: dict[str, Any] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    request: Any = None
    profile_id: str | None = None  # the authorised profile, for operations under /v1/profiles/{profile_id}


def _error_body(code: str, message: str, details: dict, request_id: str) -> bytes:
    return msgspec.json.encode(m.ErrorResponse(error=m.ErrorBody(code, message, details, request_id)))


def _bearer(req: Request) -> str | None:
    header = req.get_header("Authorization") or ""
    scheme, _space, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


class OperationsResource:
    """One operation: access, input, the handler's call and its answer."""

    def __init__(self, ctx: ServerContext, operation: Operation) -> None:
        self._ctx = ctx
        self._operation = operation

    def __call__(self, req: Request, resp: Response, params: dict[str, str]) -> None:
        operation = self._operation
        req.context.operation_id = operation.operation_id
        if self._ctx.devtools is not None and _injected_fault(self._ctx.devtools, req, resp, operation):
            return None
        if not (operation.uniform_time and self._ctx.settings.pads_answers):
            return self._serve(req, resp, operation, params)
        started = time.monotonic()
        try:
            return self._serve(req, resp, operation, params)
        finally:  # errors too: "not found" must take as long as "sent"
            remaining = self._ctx.settings.policy.uniform_answer_time.total_seconds() - (time.monotonic() - started)
            if remaining > 0:
                time.sleep(remaining)

    def _serve(self, req: Request, resp: Response, operation: Operation, params: dict) -> None:
        call = Call(params=params)
        self._check_access(req, operation, call)
        if call.session is not None and "profile_id" in params:  # the one place a profile access is decided,
            call.profile_id = profiles.authorize(self._ctx, call.session, params["profile_id"])  # before any input
            with profiles.acting_on(call.session, call.profile_id):  # as the person, or their legal representative
                return self._handle(req, resp, operation, call)
        return self._handle(req, resp, operation, call)

    def _handle(self, req: Request, resp: Response, operation: Operation, call: Call) -> None:
        call.query = self._query(req, operation)
        if operation.raw_body:
            call.request = req
        elif operation.request is not None:
            call.body = self._decode(req, operation.request)
        result = operation.handler(self._ctx, call)
        if isinstance(result, FileResult):
            return self._send_file(resp, result)
        resp.status = operation.status_of(result)
        if result is not None:
            resp.content_type = operation.response_media
            resp.data = msgspec.json.encode(result)

    @staticmethod
    def _send_file(resp: Response, result: FileResult) -> None:
        resp.content_type = result.media_type
        resp.content_length = result.size
        resp.set_header("X-Content-SHA256", result.sha256)
        resp.downloadable_as = result.filename
        resp.stream = result.body

    def _check_access(self, req: Request, operation: Operation, call: Call) -> None:
        settings = self._ctx.settings
        if operation.access == "session":
            call.session = auth.authenticate(self._ctx, _bearer(req))
        elif operation.access == "dev" and not settings.dev:
            raise MesError("DEV_MODE_REQUIRED", _("This endpoint exists only on a server started with --dev."))
        elif operation.access == "admin":
            given = req.get_header("X-Admin-Token") or ""
            if settings.admin_token:
                if not hmac.compare_digest(given.encode(), settings.admin_token.encode()):
                    raise MesError("ADMIN_REQUIRED", _("This needs the server's admin token (--admin-token or "
                                                       "MES_ADMIN_TOKEN)."))
            elif not settings.dev:
                raise MesError("ADMIN_REQUIRED", _("This server has no admin token; restart it with --admin-token."))

    def _query(self, req: Request, operation: Operation) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, kind, _doc in operation.query:
            raw = req.get_param(name)
            if raw is None:
                continue
            if kind is int:
                if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 10_000:
                    raise MesError("VALIDATION_ERROR", _("Query parameter {name!r} must be a whole number from 1 "
                                                         "to 10000.").format(name=name), {"field": name})
                values[name] = int(raw)
            elif kind is bool:
                if raw.lower() not in ("true", "false", "1", "0"):
                    raise MesError("VALIDATION_ERROR", _("Query parameter {name!r} must be true or false.")
                                   .format(name=name), {"field": name})
                values[name] = raw.lower() in ("true", "1")
            elif len(raw) > 200:
                raise MesError("VALIDATION_ERROR", _("Query parameter {name!r} is longer than 200 characters.")
                               .format(name=name), {"field": name})
            else:
                values[name] = raw
        return values

    def _decode(self, req: Request, kind: type) -> Any:
        limit = self._ctx.settings.max_body_bytes
        if req.content_length is not None and req.content_length > limit:
            raise MesError("PAYLOAD_TOO_LARGE", _("The request body is larger than {limit} bytes.").format(limit=limit))
        raw = req.bounded_stream.read(limit + 1)
        req.context.raw_body = raw  # for the request journal of a development server
        if len(raw) > limit:
            raise MesError("PAYLOAD_TOO_LARGE", _("The request body is larger than {limit} bytes.").format(limit=limit))
        try:
            return msgspec.json.decode(raw or b"{}", type=kind)
        except msgspec.ValidationError as exc:
            from ...contract import validation  # only on a refusal: not every request's import

            problem = validation.read(exc, kind)
            raise validation.refusal(problem, problem.field or _("The request body")) from None
        except msgspec.DecodeError:
            raise MesError("MALFORMED_REQUEST", _("The request body is not valid JSON.")) from None


def _injected_fault(tools, req: Request, resp: Response, operation: Operation) -> bool:
    """Applies the fault rule drawn for this request, if any: its latency, then its error answer (True:
    answered). Marked in ``X-Mes-Fault`` and in the journal, so that nobody takes it for a real failure."""
    fault = tools.faults.decide(operation.operation_id, req.path)
    if fault is None:
        return False
    req.context.fault = fault.id
    resp.set_header("X-Mes-Fault", fault.id)
    if fault.latency_ms:
        time.sleep(fault.latency_ms / 1000)
    if fault.status is None:
        return False
    resp.status = fault.status
    if fault.status in (429, 503):
        resp.set_header("Retry-After", "1")
    resp.content_type = MEDIA_JSON
    resp.data = _error_body("INJECTED_FAULT", _("Fault injected by rule {rule} of this development server "
                                                "(mes server faults list).").format(rule=fault.id),
                            {"rule": fault.id}, req.context.request_id)
    return True


def _record(ctx: ServerContext, req: Request, resp: Response) -> None:
    """Records a request of a development server in its journal (server/devtools.py), bodies redacted."""
    from ...contract.redaction import describe_content

    operation = getattr(req.context, "operation_id", None)
    if operation == "readJournal":  # reading the journal is not news in it (`--follow` would feed itself)
        return
    raw = getattr(req.context, "raw_body", None)
    if raw:
        request_body = describe_content(req.content_type or "", raw)
    else:
        request_body = f"<{req.content_length} bytes>" if req.content_length else None
    data = resp.data if isinstance(resp.data, bytes) else None
    response_body = describe_content(resp.content_type or "", data) if data else (
        "<streamed>" if resp.stream is not None else None)
    ctx.devtools.journal.record(
        method=req.method, path=req.path, operation=operation, status=resp.status_code,
        duration_ms=(time.monotonic() - req.context.started) * 1000, request_id=req.context.request_id,
        fault=getattr(req.context, "fault", None), request_body=request_body, response_body=response_body)


class HealthResource:
    def __init__(self, ctx: ServerContext) -> None:
        self._ctx = ctx

    def __call__(self, req: Request, resp: Response, params: dict[str, str]) -> None:
        self._ctx.store.one("SELECT 1")
        resp.data = msgspec.json.encode(m.Health(status="ok", version=__version__, time=self._ctx.clock.now(),
                                                 dev=self._ctx.settings.dev))
        resp.content_type = MEDIA_JSON


class OpenApiResource:
    def __init__(self) -> None:
        self._document: bytes | None = None

    def __call__(self, req: Request, resp: Response, params: dict[str, str]) -> None:
        if self._document is None:
            self._document = msgspec.json.encode(build_openapi())
        resp.data = self._document
        resp.content_type = MEDIA_JSON


Handler = Callable[[Request, Response, dict], None]


class App:
    """The WSGI application: every request gets an id, its language, its route's handler, and any error
    as the one error shape. ``handle`` is the whole of it, whichever way the request came."""

    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self._router: Router[Handler] = Router()
        for operation in OPERATIONS:
            self._router.add(operation.path, operation.method, OperationsResource(ctx, operation))
        self._router.add("/health", "GET", HealthResource(ctx))
        self._router.add("/openapi.json", "GET", OpenApiResource())

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        req = from_environ(environ)
        return to_wsgi(self.handle(req), req.method, environ, start_response)

    def handle(self, req: Request) -> Response:
        resp = Response()
        req.context.started = time.monotonic()
        req.context.request_id = secrets.token_hex(8)
        # Messages are built where errors are raised, deep in the services: the language is a context
        # variable for the time of the request rather than a parameter.
        language = i18n.from_accept_language(req.get_header("Accept-Language"))
        token = i18n.use(language)
        try:
            resp.set_header("Content-Language", language)
            resp.append_header("Vary", "Accept-Language")
            try:
                with one_reading_per_request():
                    self._route(req, resp)
            except MesError as exc:
                _answer_refusal(req, resp, exc)
            except Exception as exc:  # noqa: BLE001 - every failure leaves as the one error shape
                _answer_failure(req, resp, exc)
        finally:
            i18n.restore(token)
        resp.set_header("X-Request-Id", req.context.request_id)
        resp.set_header("Cache-Control", "no-store")
        if self.ctx.devtools is not None:
            _record(self.ctx, req, resp)
        return resp

    def _route(self, req: Request, resp: Response) -> None:
        if req.malformed:
            raise MesError("MALFORMED_REQUEST", _("The request's {header} header is not valid.")
                           .format(header=req.malformed))
        found = self._router.find(req.path)
        if found is None:
            raise MesError("NOT_FOUND", _("There is no endpoint {path}; see /openapi.json for the list.")
                           .format(path=req.path))
        handlers, params = found
        handler = handlers.get(req.method)
        if handler is not None:
            return handler(req, resp, params)
        allowed = ", ".join([*handlers, "OPTIONS"])
        resp.set_header("Allow", allowed)
        if req.method == "OPTIONS":
            return None
        raise MesError("METHOD_NOT_ALLOWED", _("{method} is not allowed on {path}; allowed: {allowed}.").format(
            method=req.method, path=req.path, allowed=allowed))


def _answer_refusal(req: Request, resp: Response, exc: MesError) -> None:
    resp.status = exc.status
    resp.content_type = MEDIA_JSON
    resp.stream = None
    retry = exc.details.get("retry_after_seconds")
    if retry:
        resp.set_header("Retry-After", str(retry))
    resp.data = _error_body(exc.code, exc.message, exc.details, req.context.request_id)


def _answer_failure(req: Request, resp: Response, exc: Exception) -> None:
    if isinstance(exc, sqlite3.OperationalError) and "full" in str(exc):  # SQLITE_FULL: the transaction rolled back
        return _answer_refusal(req, resp, MesError("STORAGE_FULL", _("The server's disk is full: nothing was "
                                                                     "changed. Try again later.")))
    request_id = req.context.request_id
    # The type and the request id only: the message could carry health data or a secret.
    log.error("request %s failed: %s at %s", request_id, type(exc).__name__, req.path)
    print(f"mes server: request {request_id} failed with {type(exc).__name__}", file=sys.stderr)
    resp.status = 500
    resp.content_type = MEDIA_JSON
    resp.stream = None
    resp.data = _error_body("INTERNAL_ERROR", _("An unexpected error occurred on the server; nothing was changed. "
                                                "Report request id {request_id} if it persists.")
                            .format(request_id=request_id), {}, request_id)


def create_app(settings: Settings, ctx: ServerContext | None = None) -> App:
    return App(ctx or ServerContext.build(settings))
