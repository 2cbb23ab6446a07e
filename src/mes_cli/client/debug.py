"""``--debug`` / ``MES_DEBUG=api``: the HTTP traffic on stderr, with every secret redacted.

Shown: method, URL, status, duration, headers and JSON bodies. Redacted:
credentials in headers (Authorization, X-Admin-Token, cookies), secret fields in
JSON bodies and query strings (session tokens, login/enrolment/reset ids, codes,
passwords, TOTP secrets), and document bodies, shown as ``<N bytes>`` only
(health data never reaches a log). Streamed bodies are never read here: an
upload or a download is described by its headers alone.

Wired as httpx event hooks by ``transport.build_http_client``.
"""

from __future__ import annotations

import json
import time
from typing import IO, Any

import httpx

REDACTED = "<redacted>"
SECRET_HEADERS = frozenset({"authorization", "x-admin-token", "cookie", "set-cookie", "proxy-authorization"})
SECRET_FIELDS = frozenset({
    "token", "login_id", "enrolment_id", "reset_id", "code", "password", "new_password", "current_password",
    "old_password", "secret", "otpauth_uri", "admin_token", "access_token", "refresh_token",
})
MAX_BODY = 4000  # characters of a JSON body shown; longer ones are cut (the point is to see the shape)


def redact(value: Any) -> Any:
    """A copy of a decoded JSON value with every secret field's value replaced."""
    if isinstance(value, dict):
        return {k: (REDACTED if isinstance(k, str) and k.lower() in SECRET_FIELDS and v is not None else redact(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def redact_headers(headers: httpx.Headers) -> list[tuple[str, str]]:
    return [(k, REDACTED if k.lower() in SECRET_HEADERS else v) for k, v in headers.multi_items()]


def redact_url(url: httpx.URL) -> str:
    if not url.query:
        return str(url)
    params = [(k, REDACTED if k.lower() in SECRET_FIELDS else v) for k, v in url.params.multi_items()]
    return str(url.copy_with(params=params))


def describe_body(headers: httpx.Headers, content: bytes | None) -> str | None:
    """A JSON body redacted; anything else as its size only; None when there is no body."""
    kind = headers.get("content-type", "").split(";")[0].strip().lower()
    size = len(content) if content is not None else headers.get("content-length")
    if content is None:
        return f"<{size} bytes, streamed>" if size not in (None, "0") else None
    if not content:
        return None
    if kind == "application/json" or kind.endswith("+json"):
        try:
            text = json.dumps(redact(json.loads(content)), ensure_ascii=False)
        except ValueError:
            return f"<{size} bytes, not JSON>"
        return text if len(text) <= MAX_BODY else text[:MAX_BODY] + f"… <{len(text)} characters>"
    return f"<{size} bytes>"


class TrafficLog:
    """The request and response hooks, writing to one stream."""

    def __init__(self, out: IO[str], clock=time.monotonic) -> None:
        self._out = out
        self._clock = clock
        self._started: dict[int, float] = {}

    def hooks(self) -> dict[str, list]:
        return {"request": [self.on_request], "response": [self.on_response]}

    def _write(self, lines: list[str]) -> None:
        self._out.write("\n".join(lines) + "\n")
        self._out.flush()

    def on_request(self, request: httpx.Request) -> None:
        self._started[id(request)] = self._clock()
        lines = [f"> {request.method} {redact_url(request.url)}"]
        lines += [f">   {k}: {v}" for k, v in redact_headers(request.headers)]
        try:
            content = request.content
        except httpx.RequestNotRead:  # a streamed upload: never read here
            content = None
        body = describe_body(request.headers, content)
        if body:
            lines.append(f">   body: {body}")
        self._write(lines)

    def on_response(self, response: httpx.Response) -> None:
        request = response.request
        started = self._started.pop(id(request), None)
        took = f" in {(self._clock() - started) * 1000:.0f} ms" if started is not None else ""
        lines = [f"< {response.status_code} {response.reason_phrase} ({request.method} {redact_url(request.url)}){took}"]
        lines += [f"<   {k}: {v}" for k, v in redact_headers(response.headers)]
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "application/json" or kind.endswith("+json"):
            content = response.read()  # JSON answers are small; documents are never read here
        else:
            content = None
        body = describe_body(response.headers, content)
        if body:
            lines.append(f"<   body: {body}")
        self._write(lines)

    def note(self, message: str) -> None:
        self._write([f"* {message}"])
