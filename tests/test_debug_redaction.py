"""--debug / MES_DEBUG=api: the traffic on stderr, never a password, a code, a token or a document body."""

from __future__ import annotations

import io
import json

import httpx

from mes_cli.client.config import ClientConfig
from mes_cli.client.debug import REDACTED, TrafficLog, redact
from mes_cli.client.transport import build_http_client
from support.flows import identity_args, last_message, seed
from support.people import STRONG_PASSWORD

DEBUG = {"MES_DEBUG": "api"}


def test_login_flow_traffic_never_shows_secrets(mes):
    p = seed(mes)
    identifier = "debug.user"
    results = [mes("activate", "--code", p["code"], *identity_args(p), "--identifier", identifier,
                   "--password-stdin", "--accept-terms", stdin=STRONG_PASSWORD + "\n", env=DEBUG)]
    results.append(mes("login", "--identifier", identifier, "--password-stdin", stdin=STRONG_PASSWORD + "\n",
                       env=DEBUG))
    login_id = next(iter(json.loads((mes.home / "pending-login.json").read_text()).values()))["login_id"]
    code = last_message(mes, p["email"])["code"]
    results.append(mes("login", "--code", code, env=DEBUG))
    results.append(mes("whoami", env=DEBUG))
    assert all(r.exit_code == 0 for r in results), results
    token = next(iter(json.loads((mes.home / "sessions.json").read_text()).values()))["token"]

    stderr = "".join(r.stderr for r in results)
    assert "> POST" in stderr and "/v1/logins" in stderr and "/v1/logins/verify" in stderr
    assert "> GET" in stderr and "/v1/me" in stderr and "< 200" in stderr and " ms" in stderr
    assert REDACTED in stderr
    assert identifier in stderr  # the traffic really is shown (bodies included)
    for secret in (STRONG_PASSWORD, p["code"], code, login_id, token):
        assert secret not in stderr, f"a secret leaked into the debug output: {secret[:3]}…"
    assert token not in "".join(r.stdout for r in results)


def test_without_debug_nothing_is_logged(mes):
    result = mes("api", "GET", "/health")
    assert result.exit_code == 0 and result.stderr == ""


def test_debug_flag_shows_traffic(mes):
    result = mes("--debug", "api", "GET", "/health")
    assert result.exit_code == 0 and "> GET" in result.stderr and "/health" in result.stderr


def _logged_client(handler, out):
    config = ClientConfig(api_url="http://mes.test", debug_out=out)
    return build_http_client(config, transport=httpx.MockTransport(handler))


def test_document_bodies_are_sizes_only_and_streams_are_not_consumed():
    out = io.StringIO()
    received: list[bytes] = []

    def handler(request):
        received.append(request.read())
        return httpx.Response(200, content=b"%PDF-1.4 secret diagnosis", headers={"Content-Type": "application/pdf"})

    with _logged_client(handler, out) as client:
        client.post("/v1/x", content=b"%PDF-1.4 private scan", headers={"Content-Type": "application/octet-stream"})

        def chunks():
            yield b"%PDF streamed "
            yield b"private"

        client.post("/v1/y", content=chunks(), headers={"Content-Type": "application/octet-stream",
                                                        "Content-Length": "21"})
    log = out.getvalue()
    assert "private" not in log and "diagnosis" not in log
    assert "<21 bytes>" in log and "<21 bytes, streamed>" in log
    assert received[1] == b"%PDF streamed private"  # the hook did not eat the streamed body


def test_headers_query_and_nested_json_are_redacted():
    out = io.StringIO()

    def handler(request):
        return httpx.Response(200, json={"session": {"token": "tok-123"}, "items": [{"reset_id": "r-9"}],
                                         "identifier": "visible"})

    with _logged_client(handler, out) as client:
        client.post("/v1/z?code=654321&limit=5", json={"password": "pw-xyz", "new_password": "pw-new", "n": 1},
                    headers={"Authorization": "Bearer tok-abc", "X-Admin-Token": "adm-1"})
    log = out.getvalue()
    for secret in ("tok-123", "r-9", "654321", "pw-xyz", "pw-new", "tok-abc", "adm-1"):
        assert secret not in log
    assert "visible" in log and "limit=5" in log


def test_redact_keeps_shape():
    assert redact({"code": "1", "a": [{"enrolment_id": "e"}], "login_id": None}) == {
        "code": REDACTED, "a": [{"enrolment_id": REDACTED}], "login_id": None}


def test_traffic_log_duration_uses_the_clock():
    times = iter([1.0, 1.25])
    out = io.StringIO()
    log = TrafficLog(out, clock=lambda: next(times))
    request = httpx.Request("GET", "http://mes.test/health")
    log.on_request(request)
    log.on_response(httpx.Response(204, request=request))
    assert "< 204" in out.getvalue() and "in 250 ms" in out.getvalue()
