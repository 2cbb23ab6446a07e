"""The server's own HTTP layer, without a framework: the router, the request and answer shapes and
their WSGI form (server/http/router.py, exchange.py, app.py).

Cheap, focused tests: the router and the shapes are called directly, the App through a
hand-built WSGI environ or httpx's WSGITransport, and one waitress server in a thread
proves the status line and headers over a socket.
"""

from __future__ import annotations

import io
import json
import threading
from urllib.parse import unquote

import httpx
import pytest

from mes_cli.server.http.app import create_app
from mes_cli.server.http.exchange import (
    STREAM_BLOCK, BoundedReader, Request, Response, content_disposition, from_environ, to_wsgi)
from mes_cli.server.http.router import Router
from mes_cli.server.settings import Settings
from support.api import Api, build_context, expect_error


@pytest.fixture(scope="module")
def app_api(tmp_path_factory):
    """One development server for the module, in-process (the App and an httpx client on it); SQLite only,
    nothing here depends on the store."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("exchange"), dev=True)
    ctx = build_context(settings)
    app = create_app(settings, ctx)
    api = Api(httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://test"), ctx)
    api.app = app
    yield api
    api.close()


def environ_for(method: str, path: str, *, query: str = "", body: bytes = b"", **extra) -> dict:
    return {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "test",
            "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body), **extra}


def call_wsgi(app, environ: dict) -> httpx.Response:
    """Calls a WSGI app the way a server does (iterate, then close) and returns what it answered."""
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, headers

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    code, _space, phrase = seen["status"].partition(" ")
    assert phrase, seen["status"]
    return httpx.Response(int(code), headers=seen["headers"], content=body)


def allowed(header: str) -> set[str]:
    return {method.strip() for method in header.split(",")}


# --- router --------------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["field first", "literal first"])
def test_a_literal_segment_wins_over_a_field_whatever_the_order_declared(order):
    router: Router[str] = Router()
    routes = [("/a/{id}", "by-id"), ("/a/special", "special")]
    for template, handler in (routes if order == "field first" else routes[::-1]):
        router.add(template, "GET", handler)
    assert router.find("/a/special") == ({"GET": "special"}, {})
    assert router.find("/a/other") == ({"GET": "by-id"}, {"id": "other"})


def test_a_literal_that_leads_nowhere_falls_back_to_the_field():
    router: Router[str] = Router()
    router.add("/a/special/x", "GET", "special-x")
    router.add("/a/{id}/y", "GET", "id-y")
    assert router.find("/a/special/x") == ({"GET": "special-x"}, {})
    assert router.find("/a/special/y") == ({"GET": "id-y"}, {"id": "special"})
    assert router.find("/a/special") is None  # a prefix of a route is not a route


def test_a_field_never_matches_an_empty_segment():
    router: Router[str] = Router()
    router.add("/a/{id}/b", "GET", "b")
    router.add("/a/{id}", "GET", "a")
    assert router.find("/a/x/b") == ({"GET": "b"}, {"id": "x"})
    assert router.find("/a//b") is None
    assert router.find("/a//") is None
    assert router.find("/a") is None


def test_fields_are_returned_by_name_and_not_left_over_from_a_failed_branch():
    router: Router[str] = Router()
    router.add("/p/{profile_id}/d/{document_id}", "GET", "doc")
    router.add("/p/{profile_id}/d/{document_id}/versions", "POST", "versions")
    assert router.find("/p/me/d/doc-1") == ({"GET": "doc"}, {"profile_id": "me", "document_id": "doc-1"})
    assert router.find("/p/me/d/doc-1/versions") == (
        {"POST": "versions"}, {"profile_id": "me", "document_id": "doc-1"})
    assert router.find("/p/me/x/doc-1") is None


def test_one_trailing_slash_is_ignored():
    router: Router[str] = Router()
    router.add("/a/{id}", "GET", "a")
    router.add("/", "GET", "root")
    assert router.find("/a/x/") == router.find("/a/x") == ({"GET": "a"}, {"id": "x"})
    assert router.find("/") == ({"GET": "root"}, {})
    assert router.find("") == ({"GET": "root"}, {})


def test_only_one_trailing_slash_is_ignored():
    """``/a/x//`` (and ``/v1/me//``) is no route: one trailing slash is forgiven, not any number."""
    router: Router[str] = Router()
    router.add("/a/{id}", "GET", "a")
    assert router.find("/a/x//") is None


def test_the_same_method_on_the_same_template_is_refused():
    router: Router[str] = Router()
    router.add("/a/{id}", "GET", "first")
    router.add("/a/{id}", "DELETE", "other method: fine")
    with pytest.raises(ValueError, match="declared twice"):
        router.add("/a/{id}/", "GET", "second")  # the same template, a trailing slash apart
    assert router.find("/a/x") == ({"GET": "first", "DELETE": "other method: fine"}, {"id": "x"})


def test_two_field_names_at_one_position_are_refused():
    router: Router[str] = Router()
    router.add("/a/{id}", "GET", "a")
    with pytest.raises(ValueError, match=r"\{name\}.*\{id\}"):
        router.add("/a/{name}/b", "GET", "b")


def test_through_the_app_an_empty_segment_is_no_field(app_api):
    expect_error(app_api.get("/v1/profiles/x/documents"), "AUTH_REQUIRED")  # the route exists...
    expect_error(app_api.get("/v1/profiles//documents"), "NOT_FOUND")  # ...but not with an empty profile id
    expect_error(app_api.get("/v1//me"), "NOT_FOUND")


# --- request -------------------------------------------------------------------------------------


def make_request(query: str = "", headers: dict | None = None, body: bytes = b"", method: str = "GET"):
    return Request(method, "/x", query, {k.lower(): v for k, v in (headers or {}).items()}, io.BytesIO(body))


def test_query_parameters():
    req = make_request("a=1&a=2&blank=&flag&name=%C3%A9t%C3%A9+x%26y&plus=a%2Bb")
    assert req.get_param("a") == "2"  # the last one
    assert req.get_param("blank") == "" and req.get_param("flag") == ""
    assert req.get_param("absent") is None
    assert req.get_param("name") == "été x&y"
    assert req.get_param("plus") == "a+b"
    assert make_request("").get_param("a") is None


def test_headers_are_found_whatever_their_case():
    environ = environ_for("POST", "/x", HTTP_X_ADMIN_TOKEN="secret", HTTP_ACCEPT_LANGUAGE="fr",
                          CONTENT_TYPE="application/pdf", CONTENT_LENGTH="3")
    req = from_environ(environ)
    for name in ("X-Admin-Token", "x-admin-token", "X-ADMIN-TOKEN"):
        assert req.get_header(name) == "secret"
    assert req.get_header("Content-Type") == req.content_type == "application/pdf"
    assert req.get_header("content-length") == "3" and req.content_length == 3
    assert req.get_header("X-Missing") is None
    assert req.method == "POST" and req.malformed is None


def test_a_path_is_decoded_from_the_latin_1_a_wsgi_server_hands_over():
    tunnelled = "/v1/profiles/compte-rendu-échographie".encode().decode("latin-1")  # PEP 3333
    assert from_environ(environ_for("get", tunnelled)).path == "/v1/profiles/compte-rendu-échographie"
    assert from_environ(environ_for("GET", "")).path == "/"


class RecordingStream(io.BytesIO):
    """A body whose reads are recorded, to prove none reaches past the declared length."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.asked: list[int] = []

    def read(self, size=-1):
        self.asked.append(size)
        return super().read(size)


def test_the_body_is_never_read_past_its_content_length():
    stream = RecordingStream(b"hello world" + b"GET /next-request HTTP/1.1\r\n")
    req = Request("POST", "/x", "", {"content-length": "11"}, stream)
    assert req.bounded_stream.read() == b"hello world"
    assert stream.tell() == 11 and all(0 <= size <= 11 for size in stream.asked), stream.asked

    stream = RecordingStream(b"hello world, and more")
    reader = Request("POST", "/x", "", {"content-length": "11"}, stream).bounded_stream
    assert [reader.read(4), reader.read(100), reader.read(), reader.read(5)] == [b"hell", b"o world", b"", b""]
    assert stream.tell() == 11 and max(stream.asked) <= 11, stream.asked


def test_without_content_length_there_is_no_body():
    stream = RecordingStream(b"unannounced bytes")
    req = Request("POST", "/x", "", {}, stream)
    assert req.content_length is None and req.malformed is None
    assert req.bounded_stream.read() == b"" and req.bounded_stream.read(5) == b""
    assert stream.tell() == 0
    assert BoundedReader(io.BytesIO(b"abc"), 0).read() == b""


def test_a_short_body_ends_where_the_stream_does():
    reader = Request("POST", "/x", "", {"content-length": "10"}, io.BytesIO(b"abc")).bounded_stream
    assert reader.read() == b"abc" and reader.read() == b""


@pytest.mark.parametrize("length", ["abc", "-1", "1e3", " 12", "12 ", "0x10", "²", "3.0"])
def test_a_content_length_that_is_not_a_number_is_400_malformed_request(app_api, length):
    environ = environ_for("POST", "/v1/logins", body=b'{"identifier": "a", "password": "b"}',
                          CONTENT_TYPE="application/json", CONTENT_LENGTH=length)
    error = expect_error(call_wsgi(app_api.app, environ), "MALFORMED_REQUEST")
    assert "Content-Length" in error["message"]
    # before routing: an unknown path or a GET-only route answers the same
    for method, path in (("GET", "/health"), ("GET", "/nope")):
        expect_error(call_wsgi(app_api.app, environ_for(method, path, CONTENT_LENGTH=length)), "MALFORMED_REQUEST")


def test_an_empty_content_length_is_no_length(app_api):
    """What httpx/WSGI servers hand over for a body-less request: no error, no body."""
    environ = environ_for("GET", "/health", CONTENT_LENGTH="")
    assert call_wsgi(app_api.app, environ).status_code == 200


# --- answers and their WSGI form -------------------------------------------------------------------


def wsgi_answer(resp: Response, method: str = "GET", environ: dict | None = None):
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, headers

    body = to_wsgi(resp, method, environ or {}, start_response)
    names = [name.lower() for name, _value in seen["headers"]]
    assert len(names) == len(set(names)), seen["headers"]  # every header once
    return seen["status"], dict((name.lower(), value) for name, value in seen["headers"]), body


@pytest.mark.parametrize("status, line", [(204, "204 No Content"), (304, "304 Not Modified")])
def test_a_bodiless_status_has_neither_content_type_nor_length(status, line):
    resp = Response()
    resp.status, resp.data = status, b'{"would": "be dropped"}'
    resp.set_header("X-Request-Id", "abc")
    got, headers, body = wsgi_answer(resp)
    assert got == line
    assert "content-type" not in headers and "content-length" not in headers
    assert headers["x-request-id"] == "abc" and list(body) == []


def test_json_is_the_default_content_type():
    resp = Response()
    resp.data = b'{"a": 1}'
    status, headers, body = wsgi_answer(resp)
    assert status == "200 OK"
    assert headers["content-type"] == "application/json" and headers["content-length"] == "8"
    assert b"".join(body) == b'{"a": 1}'

    resp = Response()
    resp.status, resp.content_type, resp.data = 201, "text/plain; charset=utf-8", b"ok"
    status, headers, _body = wsgi_answer(resp)
    assert status == "201 Created" and headers["content-type"] == "text/plain; charset=utf-8"

    empty = Response()
    status, headers, body = wsgi_answer(empty)
    assert headers["content-length"] == "0" and headers["content-type"] == "application/json" and list(body) == []

    unknown = Response()
    unknown.status, unknown.data = 599, b"{}"
    assert wsgi_answer(unknown)[0] == "599 Unknown"


def test_headers_are_set_once_and_appended_with_a_comma():
    resp = Response()
    resp.set_header("X-One", "a")
    resp.set_header("x-one", "b")
    resp.append_header("Vary", "Accept-Language")
    resp.append_header("vary", "Origin")
    assert resp.get_header("X-ONE") == "b" and resp.get_header("Vary") == "Accept-Language, Origin"
    resp.content_type = "text/csv"
    resp.set_header("Content-Type", "application/pdf")  # set explicitly: wins over content_type
    headers = dict(resp.header_list(0))
    assert headers["Content-Type"] == "application/pdf" and headers["Content-Length"] == "0"


def test_head_sends_no_body():
    resp = Response()
    resp.data = b'{"a": 1}'
    status, headers, body = wsgi_answer(resp, "HEAD")
    assert status == "200 OK" and list(body) == [] and "content-length" not in headers


def filename_star(value: str) -> str:
    prefix = "filename*=UTF-8''"
    parts = [part.strip() for part in value.split(";")]
    assert parts[0] == "attachment", value
    [star] = [part for part in parts if part.startswith(prefix)]
    return unquote(star[len(prefix):], errors="strict")


def fallback_of(value: str) -> str:
    [plain] = [part.strip() for part in value.split(";") if part.strip().startswith("filename=")]
    return plain[len("filename="):]


@pytest.mark.parametrize("name, header", [
    ("report.pdf", 'attachment; filename="report.pdf"'),
    ('my "report".pdf', 'attachment; filename="my \\"report\\".pdf"'),
    ("back\\slash.txt", 'attachment; filename="back\\\\slash.txt"'),
    (".hidden", 'attachment; filename=".hidden"'),
])
def test_content_disposition_of_an_ascii_name(name, header):
    assert content_disposition(name) == header
    assert "filename*" not in header


@pytest.mark.parametrize("name, fallback", [
    ("compte-rendu-échographie.pdf", "compte-rendu-echographie.pdf"),
    (".échographie.pdf", "_echographie.pdf"),  # a fallback never makes a hidden file
    ("résultats (mars) «bilan».pdf", "resultats__mars__bilan.pdf"),  # « » have no ASCII form: dropped
    ("検査結果.pdf", "_pdf"),
    ("検査結果", "download"),
])
def test_content_disposition_of_a_non_ascii_name(name, fallback):
    value = content_disposition(name)
    assert value.isascii(), value
    assert filename_star(value) == name
    assert fallback_of(value) == fallback
    assert not fallback.startswith(".")
    assert value.startswith(f"attachment; filename={fallback}; filename*=UTF-8''")


def test_response_downloadable_as():
    resp = Response()
    resp.downloadable_as = "compte-rendu-échographie.pdf"
    assert filename_star(resp.get_header("Content-Disposition")) == "compte-rendu-échographie.pdf"
    assert resp.downloadable_as == resp.get_header("content-disposition")


def test_an_ascii_name_with_a_line_break_does_not_break_the_header():
    """A message attachment's name is the ``filename`` query parameter: ``a\\r\\nSet-Cookie: x=1.pdf`` may be
    stored, and its download must not put CR LF inside Content-Disposition (waitress would refuse the
    header, and no answer would leave in the one error shape)."""
    value = content_disposition("a\r\nSet-Cookie: x=1.pdf")
    assert not any(ord(c) < 32 or c == "\x7f" for c in value), repr(value)


class RecordingFile(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.close_calls = 0

    def close(self) -> None:
        self.close_calls += 1
        super().close()


def streamed(data: bytes, *, name: str = "compte-rendu-échographie.pdf") -> tuple[Response, RecordingFile]:
    file = RecordingFile(data)
    resp = Response()
    resp.content_type, resp.content_length, resp.stream = "application/pdf", len(data), file
    resp.downloadable_as = name
    return resp, file


def test_a_streamed_file_is_sent_in_blocks_and_closed_when_the_answer_is():
    data = bytes(range(256)) * (2 * STREAM_BLOCK // 256) + b"tail"
    resp, file = streamed(data)
    status, headers, body = wsgi_answer(resp)
    assert status == "200 OK" and headers["content-length"] == str(len(data))
    assert headers["content-type"] == "application/pdf"
    chunks = list(body)
    assert b"".join(chunks) == data and len(chunks) == 3 and max(map(len, chunks)) == STREAM_BLOCK
    assert file.close_calls == 0  # the server closes the iterable, not the iteration
    body.close()
    assert file.closed and file.close_calls == 1


def test_a_streamed_file_cut_short_is_closed_too():
    resp, file = streamed(b"x" * (3 * STREAM_BLOCK))
    _status, _headers, body = wsgi_answer(resp)
    iterator = iter(body)
    assert len(next(iterator)) == STREAM_BLOCK
    body.close()  # the client went away
    assert file.closed


def test_a_streamed_file_goes_to_the_servers_file_wrapper_when_it_has_one():
    resp, file = streamed(b"data")
    wrapped = []
    _status, _headers, body = wsgi_answer(resp, environ={"wsgi.file_wrapper": lambda f, size: wrapped.append(
        (f, size)) or ["wrapped"]})
    assert wrapped == [(file, STREAM_BLOCK)] and body == ["wrapped"]


def test_an_iterator_stream_is_passed_on_as_it_is():
    chunks = iter([b"a", b"b"])
    resp = Response()
    resp.stream = chunks
    _status, headers, body = wsgi_answer(resp)
    assert body is chunks and "content-length" not in headers


# --- the App: routing answers, request id, language --------------------------------------------------


@pytest.mark.parametrize("path, methods", [("/v1/me", {"GET"}), ("/v1/dev/faults", {"GET", "POST", "DELETE"}),
                                           ("/health", {"GET"})])
def test_options_answers_200_with_the_methods_served(app_api, path, methods):
    response = app_api.request("OPTIONS", path)
    assert response.status_code == 200 and response.content == b""
    assert allowed(response.headers["allow"]) == methods | {"OPTIONS"}
    assert response.headers["x-request-id"]


def test_options_on_an_unknown_path_is_404(app_api):
    expect_error(app_api.request("OPTIONS", "/nope"), "NOT_FOUND")


def test_head_on_a_get_only_route_is_405_with_allow(app_api):
    resp = app_api.app.handle(Request("HEAD", "/health", "", {}, io.BytesIO()))
    assert resp.status == 405 and allowed(resp.get_header("Allow")) == {"GET", "OPTIONS"}
    error = json.loads(resp.data)["error"]
    assert error["code"] == "METHOD_NOT_ALLOWED" and error["request_id"] == resp.get_header("X-Request-Id")

    response = app_api.request("HEAD", "/v1/me")  # over WSGI: the status and headers, no body
    assert response.status_code == 405 and response.content == b""
    assert allowed(response.headers["allow"]) == {"GET", "OPTIONS"}
    assert response.headers["x-request-id"] and "content-length" not in response.headers


def test_every_answer_carries_its_request_id_language_and_no_store(app_api):
    first = app_api.app.handle(Request("GET", "/nope", "", {"accept-language": "fr-FR,fr;q=0.9"}, io.BytesIO()))
    second = app_api.app.handle(Request("GET", "/health", "", {}, io.BytesIO()))
    assert first.get_header("Content-Language") == "fr" and second.get_header("Content-Language") == "en"
    for resp in (first, second):
        assert resp.get_header("Vary") == "Accept-Language" and resp.get_header("Cache-Control") == "no-store"
    assert first.get_header("X-Request-Id") != second.get_header("X-Request-Id")
    assert json.loads(first.data)["error"]["request_id"] == first.get_header("X-Request-Id")
    in_english = json.loads(app_api.get("/nope").content)["error"]["message"]
    assert json.loads(first.data)["error"]["message"] != in_english  # the message in the language asked


@pytest.mark.parametrize("path, shown", [("/v1/%C3%A9", "/v1/é"), ("/v1/%E2%82%AC", "/v1/€")])
def test_a_non_ascii_path_in_process_is_answered_like_over_http(app_api, path, shown):
    """httpx's WSGITransport puts the *decoded* path in PATH_INFO, not PEP 3333's latin-1 form that waitress
    hands over; the embedded transport (client/transport.py) converts it, so both answer a 404 naming the
    path as sent."""
    from mes_cli.client.transport import StreamingWSGITransport

    with httpx.Client(transport=StreamingWSGITransport(app_api.app), base_url="http://mes.local") as client:
        error = expect_error(client.get(path), "NOT_FOUND")
    assert shown in error["message"], error


# --- over a socket -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(app_api):
    """waitress (the server `mes server run` uses) in a thread: the real App, and /download, a streamed
    file under a non-ASCII name built with Response and to_wsgi."""
    from waitress.server import create_server

    files: list[RecordingFile] = []

    def application(environ, start_response):
        if environ["PATH_INFO"] == "/download":
            resp, file = streamed(b"%PDF-1.4 " + b"x" * 100_000)
            files.append(file)
            return to_wsgi(resp, environ["REQUEST_METHOD"], environ, start_response)
        return app_api.app(environ, start_response)

    server = create_server(application, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}", files
    finally:
        server.close()
        thread.join(5)


def test_over_http_a_405_has_its_status_line_allow_and_error_shape(served):
    url, _files = served
    with httpx.Client(base_url=url, timeout=5) as client:
        response = client.put("/v1/me/", headers={"Accept-Language": "fr"})
    assert (response.http_version, response.status_code, response.reason_phrase) == (
        "HTTP/1.1", 405, "Method Not Allowed")
    assert allowed(response.headers["allow"]) == {"GET", "OPTIONS"}
    assert response.headers["content-language"] == "fr"
    expect_error(response, "METHOD_NOT_ALLOWED")


def test_over_http_a_download_keeps_its_non_ascii_name_and_its_file_is_closed(served):
    url, files = served
    with httpx.Client(base_url=url, timeout=5) as client:
        response = client.get("/download")
    assert response.status_code == 200 and response.reason_phrase == "OK"
    assert response.content == b"%PDF-1.4 " + b"x" * 100_000
    assert response.headers["content-length"] == str(len(response.content))
    assert response.headers["content-type"] == "application/pdf"
    assert filename_star(response.headers["content-disposition"]) == "compte-rendu-échographie.pdf"
    assert fallback_of(response.headers["content-disposition"]) == "compte-rendu-echographie.pdf"
    assert len(files) == 1
    for _ in range(50):  # waitress closes the answer's iterable once it is written
        if files[0].closed:
            break
        threading.Event().wait(0.02)
    assert files[0].closed
