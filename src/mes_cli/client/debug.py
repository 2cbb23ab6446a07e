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

import time
from typing import IO

import httpx

from ..contract.redaction import REDACTED, SECRET_HEADERS, describe_content, redact, redact_params

__all__ = ["REDACTED", "TrafficLog", "redact"]


def redact_headers(headers: httpx.Headers) -> list[tuple[str, str]]:
    return [(k, REDACTED if k.lower() in SECRET_HEADERS else v) for k, v in headers.multi_items()]


def redact_url(url: httpx.URL) -> str:
    if not url.query:
        return str(url)
    return str(url.copy_with(params=redact_params(url.params.multi_items())))


def describe_body(headers: httpx.Headers, content: bytes | None) -> str | None:
    """A JSON body redacted; anything else as its size only; None when there is no body."""
    size = len(content) if content is not None else headers.get("content-length")
    if content is None:
        return f"<{size} bytes, streamed>" if size not in (None, "0") else None
    if not content:
        return None
    return describe_content(headers.get("content-type", ""), content)


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
