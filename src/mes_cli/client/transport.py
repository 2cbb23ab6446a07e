"""The only place that builds httpx clients: in-process (embedded server) or over HTTP."""

from __future__ import annotations

import threading
from http.cookiejar import CookieJar

import httpx

from .. import __version__, i18n
from .config import ClientConfig

LOCAL_BASE_URL = "http://mes.local"


class _StreamReader:
    """A file-like ``wsgi.input`` over an httpx request stream: read in chunks, never whole."""

    def __init__(self, stream) -> None:
        self._chunks = iter(stream)
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


class StreamingWSGITransport(httpx.WSGITransport):
    """httpx's WSGITransport reads a whole request body into memory; this one streams it to the app.

    With several 5 MB uploads in flight in the embedded mode, that is the
    difference between holding them all and holding a 64 KB chunk of each.
    """

    def __init__(self, app, **kwargs) -> None:
        self._bodies = threading.local()
        super().__init__(app=self._with_streamed_body(app), **kwargs)

    def _with_streamed_body(self, app):
        def wrapped(environ, start_response):
            # httpx puts the decoded path itself in PATH_INFO; WSGI (PEP 3333) wants its UTF-8 bytes as latin-1
            environ["PATH_INFO"] = environ["PATH_INFO"].encode("utf-8").decode("latin-1")
            body = getattr(self._bodies, "reader", None)
            if body is not None:
                environ["wsgi.input"] = body
            return app(environ, start_response)

        return wrapped

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if isinstance(request.stream, httpx.ByteStream):
            self._bodies.reader = None
            return super().handle_request(request)
        self._bodies.reader = _StreamReader(request.stream)
        request.stream = httpx.ByteStream(b"")  # the base class reads this empty stand-in instead
        try:
            return super().handle_request(request)
        finally:
            self._bodies.reader = None


class NoCookies(CookieJar):
    """The API authenticates with a bearer token: cookies are neither kept nor sent (no state a server
    could set behind the token's back; and httpx's default jar parses every answer for them, ≈ 15 µs
    a request here, for nothing)."""

    def extract_cookies(self, response, request) -> None:
        return None

    def add_cookie_header(self, request) -> None:
        return None


def build_http_client(config: ClientConfig, transport: httpx.BaseTransport | None = None) -> httpx.Client:
    """The httpx client for ``config``; ``transport`` replaces the network (tests pass a MockTransport).

    With ``config.debug_out`` set (``--debug`` or ``MES_DEBUG=api``), event hooks
    log the traffic there, secrets redacted (client/debug.py).
    """
    headers = {"User-Agent": f"mes-cli/{__version__}", "Accept-Language": i18n.current()}
    options: dict = {"headers": headers, "timeout": config.timeout, "cookies": NoCookies()}
    if config.debug_out is not None:
        from .debug import TrafficLog

        options["event_hooks"] = TrafficLog(config.debug_out).hooks()
    if transport is not None:
        base = LOCAL_BASE_URL if config.is_local else config.api_url
        return httpx.Client(transport=transport, base_url=base, **options)
    if config.is_local:
        from ..server.http.app import create_app
        from ..server.settings import Settings

        app = create_app(Settings(data_dir=config.server_data_dir, dev=True))
        return httpx.Client(transport=StreamingWSGITransport(app), base_url=LOCAL_BASE_URL, **options)
    if config.api_url.startswith("http://"):
        from .http11 import StdlibHTTPTransport

        return httpx.Client(base_url=config.api_url, transport=StdlibHTTPTransport(), **options)
    return httpx.Client(base_url=config.api_url, **options)
