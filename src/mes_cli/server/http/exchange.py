"""One HTTP request and its answer as the server's resources see them, and their WSGI form.

The server needs a small part of what a web framework offers: headers, query
parameters, a body read at most up to its declared length, a status, headers and
a body or a stream in return. Keeping that part here, with no framework, keeps
every embedded command (the server runs in the `mes` process) from importing one
(~40 ms of start-up); the WSGI server (`mes server run`) and the in-process
transport both go through ``to_wsgi``/``from_environ``, so they behave alike.
"""

from __future__ import annotations

import unicodedata
from http import HTTPStatus
from types import SimpleNamespace
from typing import Any, BinaryIO, Callable, Iterable, Iterator
from urllib.parse import parse_qsl, quote

MEDIA_JSON = "application/json"
STREAM_BLOCK = 64 * 1024
_BODILESS = frozenset({204, 304})


class BoundedReader:
    """The request body, read at most up to its declared length: never past it into the next request."""

    def __init__(self, stream: BinaryIO, length: int) -> None:
        self._stream = stream
        self._remaining = length

    def read(self, size: int = -1) -> bytes:
        if self._remaining <= 0:
            return b""
        if size is None or size < 0 or size > self._remaining:
            size = self._remaining
        data = self._stream.read(size)
        self._remaining -= len(data)
        return data


class Request:
    """Method, path (decoded), headers, query string and body of one request."""

    def __init__(self, method: str, path: str, query_string: str, headers: dict[str, str],
                 body: BinaryIO) -> None:
        self.method = method
        self.path = path
        self.query_string = query_string
        self._headers = headers  # names in lower case
        self._body = body
        self._params: dict[str, str] | None = None
        self.context = SimpleNamespace()
        raw_length = headers.get("content-length")
        self.content_length: int | None = None
        self.malformed: str | None = None  # what is wrong with the request's framing, answered 400
        if raw_length:
            if raw_length.isascii() and raw_length.isdigit():
                self.content_length = int(raw_length)
            else:
                self.malformed = "Content-Length"

    def get_header(self, name: str) -> str | None:
        return self._headers.get(name.lower())

    @property
    def content_type(self) -> str | None:
        return self._headers.get("content-type")

    def get_param(self, name: str) -> str | None:
        """A query parameter's value (the last one if repeated); None when absent, "" when given empty."""
        if self._params is None:
            self._params = dict(parse_qsl(self.query_string, keep_blank_values=True))
        return self._params.get(name)

    @property
    def bounded_stream(self) -> BoundedReader:
        """The body; without a Content-Length there is none (a WSGI server de-chunks and sets it)."""
        return BoundedReader(self._body, self.content_length or 0)


class Response:
    """Status, headers and a body (bytes in ``data``, or a file or iterator in ``stream``)."""

    def __init__(self) -> None:
        self.status = 200
        self.data: bytes | None = None
        self.stream: BinaryIO | Iterator[bytes] | None = None
        self.content_type: str | None = None
        self.content_length: int | None = None
        self._headers: dict[str, tuple[str, str]] = {}  # lower-case name -> (name, value)

    @property
    def status_code(self) -> int:
        return self.status

    def set_header(self, name: str, value: str) -> None:
        self._headers[name.lower()] = (name, value)

    def append_header(self, name: str, value: str) -> None:
        present = self._headers.get(name.lower())
        self._headers[name.lower()] = (name, f"{present[1]}, {value}" if present else value)

    def get_header(self, name: str) -> str | None:
        present = self._headers.get(name.lower())
        return present[1] if present else None

    @property
    def downloadable_as(self) -> str | None:
        return self.get_header("Content-Disposition")

    @downloadable_as.setter
    def downloadable_as(self, filename: str) -> None:
        self.set_header("Content-Disposition", content_disposition(filename))

    def header_list(self, body_length: int | None) -> list[tuple[str, str]]:
        """The headers to send; Content-Type (JSON unless set) and Content-Length, except on 204/304."""
        headers = dict(self._headers)
        if self.status not in _BODILESS:
            headers.setdefault("content-type", ("Content-Type", self.content_type or MEDIA_JSON))
            if body_length is not None:
                headers["content-length"] = ("Content-Length", str(body_length))
        return list(headers.values())


def content_disposition(filename: str) -> str:
    """``attachment`` with the file's name: plain when ASCII, else an ASCII fallback and the UTF-8 form
    (RFC 6266 appendix D)."""
    if filename.isascii() and filename.isprintable():  # no line break may reach the header
        return 'attachment; filename="{}"'.format(filename.replace("\\", "\\\\").replace('"', '\\"'))
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = "".join(c if c.isalnum() or c in "._-" else "_" for c in fallback) or "download"
    if fallback.startswith("."):
        fallback = "_" + fallback[1:]
    return f"attachment; filename={fallback}; filename*=UTF-8''{quote(filename, safe='')}"


def from_environ(environ: dict[str, Any]) -> Request:
    """The request a WSGI server hands over (PEP 3333: the path arrives decoded, as latin-1 text)."""
    path = environ.get("PATH_INFO") or "/"
    if not path.isascii():
        try:
            path = path.encode("latin-1").decode("utf-8", "replace")
        except UnicodeEncodeError:  # a host that put the decoded text itself (httpx's WSGITransport does)
            pass
    headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = environ[key]
    return Request(environ.get("REQUEST_METHOD", "GET").upper(), path, environ.get("QUERY_STRING", ""), headers,
                   environ["wsgi.input"])


def to_wsgi(resp: Response, method: str, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
    """Starts the WSGI answer for ``resp`` and returns its body: bytes whole, a file or iterator streamed."""
    body: Iterable[bytes]
    if resp.status in _BODILESS or method == "HEAD":
        body, length = [], None
    elif resp.data is not None:
        body, length = [resp.data], len(resp.data)
    elif resp.stream is not None:
        body, length = _streamed(resp.stream, environ), resp.content_length
    else:
        body, length = [], 0
    start_response(f"{resp.status} {_phrase(resp.status)}", resp.header_list(length))
    return body


def _streamed(stream, environ: dict[str, Any]) -> Iterable[bytes]:
    if not hasattr(stream, "read"):
        return stream
    wrapper = environ.get("wsgi.file_wrapper")
    if wrapper is not None:  # the server may send a real file with sendfile()
        return wrapper(stream, STREAM_BLOCK)
    return _ClosingChunks(stream)


class _ClosingChunks:
    """A file read in blocks; WSGI servers call ``close()`` when the answer ends, even if cut short."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        return iter(lambda: self._stream.read(STREAM_BLOCK), b"")

    def close(self) -> None:
        self._stream.close()


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
