"""An httpx transport for ``http://`` servers over the standard library's ``http.client``.

httpx's own transport loads httpcore, h11 and anyio on first use (~20 ms of every remote
command's start-up, a sixth of the whole); ``http.client`` is already loaded by httpx itself.
What a command line needs of HTTP/1.1 is small: keep-alive connections reused across the
threads of a bulk upload, request bodies streamed (with a length, or chunked), answers
streamed, the connect/read/write timeouts, and the same httpx exceptions for the same
failures, so that retries and error messages (client/api.py) do not know the difference.
``https://`` keeps httpx's transport (TLS, HTTP/2 negotiation, certificates).
"""

from __future__ import annotations

import http.client
import select
import socket
import threading
from typing import Iterator

import httpx

CHUNK = 64 * 1024
MAX_IDLE = 16  # idle keep-alive connections kept per transport (a bulk upload uses at most --jobs)


class StdlibHTTPTransport(httpx.BaseTransport):
    """Plain-HTTP requests over pooled ``http.client`` connections (thread-safe)."""

    def __init__(self) -> None:
        self._idle: list[tuple[tuple[str, int], http.client.HTTPConnection]] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "http":
            raise httpx.UnsupportedProtocol(f"this transport speaks http:// only, not {request.url.scheme}://")
        timeouts = request.extensions.get("timeout", {})
        address = (request.url.host, request.url.port or 80)
        conn, reused = self._connection(address, timeouts.get("connect"))
        try:
            try:
                response = self._exchange(conn, request, timeouts, stale_ok=reused)
            except _StaleConnection:  # the server had closed a kept-alive connection: once more, on a new one
                conn.close()
                conn, _reused = self._connection(address, timeouts.get("connect"), reuse=False)
                response = self._exchange(conn, request, timeouts, stale_ok=False)
        except BaseException:
            conn.close()
            raise
        headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in response.getheaders()]
        return httpx.Response(response.status, headers=headers, stream=_Body(self, address, conn, response),
                              extensions={"http_version": b"HTTP/1.1",
                                          "reason_phrase": response.reason.encode("latin-1", "replace")})

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for _address, conn in idle:
            conn.close()

    # -- connections -------------------------------------------------------------------------

    def _connection(self, address: tuple[str, int], connect_timeout: float | None,
                    reuse: bool = True) -> tuple[http.client.HTTPConnection, bool]:
        while reuse:
            with self._lock:
                found = next((i for i, (where, _c) in enumerate(self._idle) if where == address), None)
                if found is None:
                    break
                conn = self._idle.pop(found)[1]
            if conn.sock is not None and not _readable(conn.sock):  # readable while idle: closed, or junk
                return conn, True
            conn.close()
        conn = http.client.HTTPConnection(*address, timeout=connect_timeout)
        conn._create_connection = _connect  # noqa: SLF001 - http.client's own hook for making the socket
        try:
            conn.connect()
        except (socket.timeout, TimeoutError) as exc:
            raise httpx.ConnectTimeout(str(exc) or "connect timed out") from exc
        except OSError as exc:
            raise httpx.ConnectError(str(exc)) from exc
        return conn, False

    def _release(self, address: tuple[str, int], conn: http.client.HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < MAX_IDLE:
                self._idle.append((address, conn))
                return
        conn.close()

    # -- one exchange ------------------------------------------------------------------------

    def _exchange(self, conn: http.client.HTTPConnection, request: httpx.Request, timeouts: dict,
                  stale_ok: bool) -> http.client.HTTPResponse:
        """Sends the request and reads the answer's head. ``stale_ok``: the connection was reused, so a
        failure before any answer may mean the server had closed it meanwhile; a request whose body is
        bytes is then sent again (an iterator may be half read: never)."""
        replayable = stale_ok and isinstance(request.stream, httpx.ByteStream)
        chunked = request.headers.get("Transfer-Encoding", "").lower() == "chunked"
        conn.sock.settimeout(timeouts.get("write"))
        try:
            conn.putrequest(request.method, request.url.raw_path.decode("ascii"), skip_host=True,
                            skip_accept_encoding=True)
            for name, value in request.headers.raw:
                conn.putheader(name, value)
            conn.endheaders()
            for chunk in request.stream:
                if chunk:
                    conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            if chunked:
                conn.send(b"0\r\n\r\n")
        except (socket.timeout, TimeoutError) as exc:
            raise httpx.WriteTimeout(str(exc) or "write timed out") from exc
        except OSError as exc:
            if replayable:
                raise _StaleConnection from exc
            raise httpx.WriteError(str(exc)) from exc
        conn.sock.settimeout(timeouts.get("read"))
        try:
            return conn.getresponse()
        except (socket.timeout, TimeoutError) as exc:
            raise httpx.ReadTimeout(str(exc) or "read timed out") from exc
        except (http.client.RemoteDisconnected, ConnectionResetError) as exc:
            if replayable:
                raise _StaleConnection from exc
            raise httpx.RemoteProtocolError(str(exc)) from exc
        except http.client.HTTPException as exc:
            raise httpx.RemoteProtocolError(str(exc)) from exc
        except OSError as exc:
            raise httpx.ReadError(str(exc)) from exc


class _StaleConnection(Exception):
    """A reused connection failed before the answer began, for a request that can be sent again."""


class _Body(httpx.SyncByteStream):
    """An answer's body read in chunks as they arrive; its connection goes back to the pool once the body
    is all read (and is closed otherwise: what is left of a body cannot be skipped cheaply)."""

    def __init__(self, transport: StdlibHTTPTransport, address: tuple[str, int], conn: http.client.HTTPConnection,
                 response: http.client.HTTPResponse) -> None:
        self._transport, self._address, self._conn, self._response = transport, address, conn, response

    def __iter__(self) -> Iterator[bytes]:
        response = self._response
        while not self._complete():
            try:
                chunk = response.read1(CHUNK)
            except (socket.timeout, TimeoutError) as exc:
                raise httpx.ReadTimeout(str(exc) or "read timed out") from exc
            except http.client.HTTPException as exc:  # e.g. a chunked body cut short
                raise httpx.RemoteProtocolError(str(exc)) from exc
            except OSError as exc:
                raise httpx.ReadError(str(exc)) from exc
            if not chunk:
                if response.length:  # http.client does not say it: the server closed before the end
                    raise httpx.RemoteProtocolError(f"the answer ended {response.length} bytes before its "
                                                    f"Content-Length")
                return
            yield chunk

    def _complete(self) -> bool:
        """The body is all read: http.client closed it (chunked, or to the end of the connection), or as many
        bytes as its Content-Length said have come (a 204 and a HEAD answer have none)."""
        response = self._response
        return response.isclosed() or (not response.chunked and response.length == 0)

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        reusable = self._complete() and not self._response.will_close
        self._response.close()  # http.client sends no new request on a connection until its answer is closed
        if reusable:
            self._transport._release(self._address, conn)
        else:
            conn.close()


def _connect(address: tuple[str, int], timeout, source_address) -> socket.socket:
    """``socket.create_connection``, an ASCII host name given as bytes: a text one goes through the IDNA
    codec, whose import (stringprep, unicodedata tables) costs a remote command ~2 ms for nothing."""
    host, port = address
    return socket.create_connection((host.encode("ascii") if host.isascii() else host, port), timeout,
                                    source_address)


def _readable(sock: socket.socket) -> bool:
    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True
