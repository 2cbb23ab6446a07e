"""client/http11.py: StdlibHTTPTransport against small servers started here (a raw socket server that can
misbehave on purpose, and one stdlib ``http.server``), through ``httpx.Client(transport=...)``.

Every server counts the TCP connections it accepts and records each request as it arrived on the wire
(headers, body, whether it came chunked), so keep-alive, replays and framing are checked on the server side.
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
from dataclasses import dataclass, field

import httpx
import pytest

from mes_cli.client.http11 import StdlibHTTPTransport

WAIT = 5.0  # an upper bound on any wait for the other side; nothing here should come near it


# -- a raw HTTP/1.1 server ------------------------------------------------------------------


@dataclass
class Seen:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    chunked: bool
    conn: int  # index of the TCP connection it arrived on (0-based, in accept order)


@dataclass
class Conn:
    index: int
    eof: threading.Event = field(default_factory=threading.Event)  # the client closed it (we read EOF)


def answer(status: int = 200, body: bytes = b"", headers: dict | None = None, reason: str = "OK") -> bytes:
    head = {"Content-Length": str(len(body))}
    head.update(headers or {})
    lines = "".join(f"{k}: {v}\r\n" for k, v in head.items() if v is not None)
    return f"HTTP/1.1 {status} {reason}\r\n{lines}\r\n".encode() + body


def chunked_answer(body: bytes, pieces: int = 3, headers: dict | None = None) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    out = f"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n{head}\r\n".encode()
    size = max(1, -(-len(body) // pieces))
    for i in range(0, len(body), size):
        part = body[i:i + size]
        out += b"%x\r\n%s\r\n" % (len(part), part)
    return out + b"0\r\n\r\n"


def echo(req: Seen):
    """The default behaviour: 200 with a body naming the request, Content-Length framed, kept alive."""
    return answer(body=f"{req.method} {req.target} {len(req.body)}".encode())


class RawServer:
    """Accepts connections (one thread each), parses requests and lets ``respond(req)`` decide:
    bytes to send and keep the connection; ``(bytes, "close")`` to send then close; ``None`` to close
    without answering; ``"hang"`` to answer nothing until the server stops."""

    def __init__(self, respond=echo) -> None:
        self.respond = respond
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.02)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.conns: list[Conn] = []
        self.requests: list[Seen] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.errors: list[BaseException] = []
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    @property
    def accepted(self) -> int:
        with self.lock:
            return len(self.conns)

    def bodies(self) -> list[bytes]:
        with self.lock:
            return [r.body for r in self.requests]

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self.listener.accept()
            except (socket.timeout, TimeoutError):
                continue
            except OSError:
                return
            with self.lock:
                conn = Conn(len(self.conns))
                self.conns.append(conn)
            thread = threading.Thread(target=self._serve, args=(sock, conn), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket, conn: Conn) -> None:
        sock.settimeout(WAIT)
        reader = sock.makefile("rb")
        try:
            while True:
                req = self._read_request(reader, conn.index)
                if req is None:
                    conn.eof.set()
                    return
                with self.lock:
                    self.requests.append(req)
                action = self.respond(req)
                if action == "hang":  # answer nothing; notice when the client gives up and closes
                    sock.settimeout(0.02)
                    while not self.stopping.is_set():
                        try:
                            if not sock.recv(65536):
                                conn.eof.set()
                                return
                        except (socket.timeout, TimeoutError):
                            continue
                    return
                if action is None:
                    return
                data, then = action if isinstance(action, tuple) else (action, "keep")
                sock.sendall(data)
                if then == "close":
                    return
        except (socket.timeout, TimeoutError, ConnectionError):
            return
        except BaseException as exc:  # noqa: BLE001 - reported by stop()
            self.errors.append(exc)
        finally:
            reader.close()
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    @staticmethod
    def _read_request(reader, index: int) -> Seen | None:
        line = reader.readline()
        if not line:
            return None
        method, target, _version = line.decode("latin-1").split()
        headers: dict[str, str] = {}
        while True:
            line = reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, value = line.decode("latin-1").split(":", 1)
            headers[name.strip().lower()] = value.strip()
        chunked = headers.get("transfer-encoding", "").lower() == "chunked"
        if chunked:
            body = b""
            while True:
                size = int(reader.readline().split(b";")[0], 16)
                if size == 0:
                    while reader.readline() not in (b"\r\n", b""):  # trailers
                        pass
                    break
                body += reader.read(size)
                assert reader.read(2) == b"\r\n"
        else:
            body = reader.read(int(headers.get("content-length", "0")))
        return Seen(method, target, headers, body, chunked, index)

    def stop(self) -> None:
        self.stopping.set()
        self.listener.close()
        self.acceptor.join(WAIT)
        for thread in self.threads:
            thread.join(WAIT)
        assert not self.errors, self.errors


@pytest.fixture
def serve():
    servers: list[RawServer] = []

    def start(respond=echo) -> RawServer:
        server = RawServer(respond)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def client_for(server, **options) -> httpx.Client:
    options.setdefault("timeout", httpx.Timeout(WAIT))
    return httpx.Client(transport=StdlibHTTPTransport(), base_url=server.url, **options)


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def chunks(*parts: bytes):
    yield from parts


# -- keep-alive ------------------------------------------------------------------------------


def test_requests_reuse_one_connection_when_answers_are_chunked(serve):
    server = serve(lambda req: chunked_answer(f"{req.method} {req.target} {req.body!r}".encode()))
    with client_for(server) as client:
        assert client.get("/a").text == "GET /a b''"
        assert client.post("/b", content=b"payload").text == "POST /b b'payload'"
        assert client.get("/c?x=1").text == "GET /c?x=1 b''"
        assert client.post("/d", content=chunks(b"it", b"er")).text == "POST /d b'iter'"
    assert server.accepted == 1
    assert [r.conn for r in server.requests] == [0, 0, 0, 0]


def test_content_length_answers_reuse_the_connection(serve):
    """On Python 3.11 HTTPResponse.read1 does not close the response once Content-Length bytes are read
    (3.12 does): the body counts them itself, or every request to the mes server (Content-Length JSON
    answers) would open a new connection."""
    server = serve()
    with client_for(server) as client:
        assert client.get("/a").text == "GET /a 0"
        assert client.post("/b", content=b"payload").text == "POST /b 7"
        assert client.get("/c").text == "GET /c 0"
    assert server.accepted == 1, f"{server.accepted} connections for 3 kept-alive requests"


def test_a_stdlib_http_server_sees_get_and_post_on_one_connection():
    """Interoperability with a real HTTP/1.1 server (http.server, chunked answers so the pool can reuse)."""
    accepted = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            accepted.append(self.client_address)
            super().setup()

        def _reply(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))

        def do_GET(self):
            self._reply(self.path.encode())

        def do_POST(self):
            self._reply(self.rfile.read(int(self.headers["Content-Length"])).upper())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        with httpx.Client(transport=StdlibHTTPTransport(), base_url=f"http://127.0.0.1:{server.server_port}",
                          timeout=WAIT) as client:
            assert client.get("/one").content == b"/one"
            assert client.post("/two", content=b"body").content == b"BODY"
            assert client.get("/three").content == b"/three"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(WAIT)
    assert len(accepted) == 1


def test_a_stream_closed_early_does_not_go_back_to_the_pool(serve):
    big = bytes(range(256)) * 2048  # 512 KB: far more than one read
    server = serve(lambda req: chunked_answer(big, pieces=8) if req.target == "/big" else echo(req))
    with client_for(server) as client:
        with client.stream("GET", "/big") as response:
            first = next(response.iter_raw())
            assert first and big.startswith(first)
        # the rest of the body was never read: that connection is closed, not pooled
        wait_for(lambda: server.conns[0].eof.is_set() or not server.threads[0].is_alive(), "the close")
        assert client.get("/next").text == "GET /next 0"
        assert server.accepted == 2
        assert [r.conn for r in server.requests] == [0, 1]


def test_connection_close_from_the_server_means_a_new_connection_next(serve):
    server = serve(lambda req: (chunked_answer(b"bye", headers={"Connection": "close"}), "close"))
    with client_for(server) as client:
        assert client.get("/1").content == b"bye"
        assert client.get("/2").content == b"bye"
        assert client.post("/3", content=b"x").content == b"bye"
    assert server.accepted == 3
    assert [r.conn for r in server.requests] == [0, 1, 2]


# -- stale kept-alive connections ----------------------------------------------------------------


def close_after_first_answer(req: Seen):
    """Answers every connection's first request (kept alive, as far as the client knows), then closes it."""
    return (chunked_answer(req.body or b"first"), "close")


@pytest.mark.parametrize("body", [b"bytes body", "iterator"], ids=["bytes", "iterator"])
def test_a_connection_the_server_closed_while_idle_is_not_used(serve, body):
    """The server closed the idle connection (its FIN has arrived): the pool sees it readable and opens a new
    one before sending anything, so even a streamed body goes out once, on the new connection."""
    server = serve(close_after_first_answer)
    with client_for(server) as client:
        assert client.get("/first").content == b"first"
        wait_for(lambda: not server.threads[0].is_alive(), "the server to close connection 0")
        time.sleep(0.05)  # the FIN crosses the loopback
        content = b"bytes body" if body == b"bytes body" else chunks(b"streamed ", b"body")
        expected = b"bytes body" if body == b"bytes body" else b"streamed body"
        assert client.post("/second", content=content).content == expected
    assert server.accepted == 2
    assert server.bodies() == [b"", expected]
    assert [r.conn for r in server.requests] == [0, 1]


def drop_second_request_on_first_connection(req: Seen):
    """Connection 0 answers its first request, then reads the next one whole and closes without answering:
    what a client sees when a keep-alive timeout races its request. Later connections answer normally."""
    if req.conn == 0 and req.target != "/first":
        return None
    return chunked_answer(b"%s %s" % (req.target.encode(), req.body))


def test_a_bytes_body_is_sent_again_once_on_a_new_connection_when_a_reused_one_drops(serve):
    server = serve(drop_second_request_on_first_connection)
    with client_for(server) as client:
        assert client.get("/first").content == b"/first "
        assert client.post("/second", content=b"data").content == b"/second data"
    assert server.accepted == 2
    assert [(r.target, r.conn, r.body) for r in server.requests] == [
        ("/first", 0, b""), ("/second", 0, b"data"), ("/second", 1, b"data")]


def test_a_streamed_body_is_not_replayed_when_a_reused_connection_drops(serve):
    """The iterator was consumed on connection 0: the transport must not send it again; it raises
    RemoteProtocolError (http.client.RemoteDisconnected, not retried for a non-ByteStream body)."""
    server = serve(drop_second_request_on_first_connection)
    with client_for(server) as client:
        assert client.get("/first").content == b"/first "
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/second", content=chunks(b"stream", b"ed"))
    assert server.accepted == 1
    assert [(r.target, r.conn, r.body, r.chunked) for r in server.requests] == [
        ("/first", 0, b"", False), ("/second", 0, b"streamed", True)]


def test_a_post_is_not_replayed_when_a_fresh_connection_drops_without_answer(serve):
    """A new connection (nothing stale about it) that the server closes after reading the request — e.g. it
    crashed while handling it — must raise: the POST may have been acted on, and client/retry.py does not
    replay a POST without Idempotency-Key. Only a *reused* connection is retried."""
    server = serve(lambda req: None)
    with client_for(server) as client:
        with pytest.raises(httpx.TransportError):
            client.post("/v1/charge", content=b"once only")
    assert server.bodies() == [b"once only"], f"the POST arrived {len(server.requests)} times"


# -- request bodies ------------------------------------------------------------------------------


def test_a_bytes_body_arrives_with_content_length(serve):
    server = serve()
    payload = bytes(range(256)) * 300
    with client_for(server) as client:
        assert client.put("/blob", content=payload).text == f"PUT /blob {len(payload)}"
    (req,) = server.requests
    assert req.headers["content-length"] == str(len(payload)) and "transfer-encoding" not in req.headers
    assert not req.chunked and req.body == payload


def test_an_iterator_body_arrives_chunked_and_dechunks_to_the_same_bytes(serve):
    server = serve()
    parts = [b"a" * 10, b"", b"b" * 70_000, b"c"]  # an empty piece must not end the body early
    with client_for(server) as client:
        assert client.post("/up", content=chunks(*parts)).text == f"POST /up {70_011}"
    (req,) = server.requests
    assert req.chunked and "content-length" not in req.headers
    assert req.body == b"".join(parts)


def test_an_empty_post(serve):
    server = serve()
    with client_for(server) as client:
        assert client.post("/empty").text == "POST /empty 0"
        assert client.post("/empty", content=b"").text == "POST /empty 0"
    assert [(r.headers.get("content-length"), r.body, r.chunked) for r in server.requests] == [
        ("0", b"", False), ("0", b"", False)]


def test_request_headers_and_query_go_out_as_given(serve):
    server = serve()
    with client_for(server, headers={"User-Agent": "mes-cli/test"}) as client:
        client.get("/p/a%20b", params={"q": "x y"}, headers={"X-Thing": "1"})
    (req,) = server.requests
    assert req.target == "/p/a%20b?q=x+y"
    assert req.headers["host"] == f"127.0.0.1:{server.port}"
    assert req.headers["user-agent"] == "mes-cli/test" and req.headers["x-thing"] == "1"


# -- response bodies ---------------------------------------------------------------------------


def test_a_content_length_answer(serve):
    server = serve(lambda req: answer(201, b'{"ok": true}', {"Content-Type": "application/json"}, "Created"))
    with client_for(server) as client:
        response = client.get("/x")
    assert response.status_code == 201 and response.reason_phrase == "Created"
    assert response.http_version == "HTTP/1.1"
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"ok": True}


def test_a_chunked_answer(serve):
    body = b"0123456789" * 1000
    server = serve(lambda req: chunked_answer(body, pieces=7))
    with client_for(server) as client:
        response = client.get("/x")
        assert response.content == body
        assert response.headers["transfer-encoding"] == "chunked"
        assert client.get("/y").content == body
    assert server.accepted == 1


def test_a_204_and_the_request_after_it(serve):
    server = serve(lambda req: answer(204, headers={"Content-Length": None}, reason="No Content")
                   if req.target == "/none" else echo(req))
    with client_for(server) as client:
        response = client.delete("/none")
        assert response.status_code == 204 and response.content == b""
        assert client.get("/after").text == "GET /after 0"


def test_a_head_request_has_headers_and_no_body(serve):
    # the server announces the length of the GET body but sends none, as HEAD requires
    server = serve(lambda req: (answer(headers={"Content-Length": "1234", "X-Kind": "head"}) if req.method == "HEAD"
                                else echo(req)))
    with client_for(server) as client:
        response = client.head("/thing")
        assert response.status_code == 200 and response.content == b""
        assert response.headers["content-length"] == "1234" and response.headers["x-kind"] == "head"
        assert client.get("/after").text == "GET /after 0"  # nothing of a body was left to misread
    assert [r.method for r in server.requests] == ["HEAD", "GET"]


def test_a_large_answer_streams_in_several_chunks(serve):
    big = bytes(range(251)) * 4200  # ~1 MB, a period that does not divide the read size
    server = serve(lambda req: answer(body=big))
    with client_for(server) as client:
        with client.stream("GET", "/big") as response:
            assert response.headers["content-length"] == str(len(big))
            received = list(response.iter_bytes())
    assert len(received) > 1
    assert max(len(c) for c in received) <= 64 * 1024
    assert b"".join(received) == big


# -- errors ------------------------------------------------------------------------------------


def test_a_refused_port_is_a_connect_error():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with httpx.Client(transport=StdlibHTTPTransport(), base_url=f"http://127.0.0.1:{port}") as client:
        with pytest.raises(httpx.ConnectError):
            client.get("/")


def test_a_server_that_never_answers_is_a_read_timeout(serve):
    server = serve(lambda req: "hang")
    with client_for(server, timeout=httpx.Timeout(0.2)) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.get("/slow")
        with pytest.raises(httpx.ReadTimeout):  # a body that was sent is not sent again either
            client.post("/slow", content=b"x")
    assert server.accepted == 2 and len(server.requests) == 2


def test_the_replacement_connection_is_closed_when_the_retry_fails(serve):
    """When the second attempt on a new connection fails too (here a read timeout), that connection is
    closed at once, not kept open for as long as the exception is referenced: the server sees EOF."""
    def respond(req: Seen):
        if req.conn == 0:
            return chunked_answer(b"first") if req.target == "/first" else None
        return "hang"

    server = serve(respond)
    with client_for(server, timeout=httpx.Timeout(0.2)) as client:
        assert client.get("/first").content == b"first"
        with pytest.raises(httpx.ReadTimeout) as caught:
            client.post("/second", content=b"data")
        assert server.accepted == 2
        closed = server.conns[1].eof.wait(0.3)
        assert caught.value is not None
        assert closed, "the second connection is still open after its request failed"


def test_a_server_closing_mid_chunked_body_is_a_remote_protocol_error(serve):
    """Closed inside a chunk: http.client raises IncompleteRead, which the body maps to RemoteProtocolError."""
    server = serve(lambda req: (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                b"400\r\n" + b"x" * 100, "close"))
    with client_for(server) as client:
        with pytest.raises(httpx.RemoteProtocolError) as caught:
            client.get("/cut")
    assert isinstance(caught.value, httpx.TransportError)


def test_a_server_closing_mid_content_length_body_is_an_error_not_a_short_body(serve):
    """Content-Length: 1000, 100 bytes sent, then the server closes. HTTPResponse.read1 answers b"" at EOF
    without a word: the caller must get a TransportError (as httpx's own transport raises), not a 200 with
    100 bytes of 1000 (a download written short)."""
    server = serve(lambda req: (b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 100, "close"))
    with client_for(server) as client:
        try:
            response = client.get("/cut")
        except httpx.TransportError:
            return
    pytest.fail(f"no error: a {response.status_code} with {len(response.content)} of 1000 bytes")


def test_https_is_an_unsupported_protocol():
    with httpx.Client(transport=StdlibHTTPTransport()) as client:
        with pytest.raises(httpx.UnsupportedProtocol):
            client.get("https://127.0.0.1:1/")


# -- threads and closing -------------------------------------------------------------------------


def test_four_threads_share_one_client(serve):
    server = serve(lambda req: chunked_answer(f"{req.target} {req.body.decode()}".encode()))
    results: dict[tuple[int, int], str] = {}
    failures: list[BaseException] = []

    with client_for(server) as client:
        def work(t: int) -> None:
            try:
                for i in range(25):
                    if i % 2:
                        got = client.post(f"/t{t}/{i}", content=f"{t}-{i}".encode()).text
                    else:
                        got = client.get(f"/t{t}/{i}").text
                    results[t, i] = got
            except BaseException as exc:  # noqa: BLE001
                failures.append(exc)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(WAIT * 2)
    assert not failures
    assert results == {(t, i): f"/t{t}/{i} " + (f"{t}-{i}" if i % 2 else "")
                       for t in range(4) for i in range(25)}
    assert len(server.requests) == 100
    assert server.accepted <= 6, f"{server.accepted} connections for 4 threads"


def test_closing_the_client_closes_its_idle_connections(serve):
    server = serve(lambda req: chunked_answer(b"ok"))
    client = client_for(server)
    client.get("/1")
    client.get("/2")
    assert server.accepted == 1 and not server.conns[0].eof.is_set()
    client.close()
    assert server.conns[0].eof.wait(WAIT), "the server never saw the idle connection close"
