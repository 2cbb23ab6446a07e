"""The retry policy (client/retry.py) as MesClient.request applies it; httpx.MockTransport, never a real sleep."""

from __future__ import annotations

import json

import httpx
import pytest

from mes_cli.client.api import MesClient
from mes_cli.client.config import ClientConfig
from mes_cli.client.retry import RetryPolicy, parse_retry_after
from mes_cli.client.transport import build_http_client
from mes_cli.contract.errors import MesError

OK = {"status": "ok", "version": "1", "time": "2026-01-01T00:00:00Z", "dev": True}


def _error(status: int, code: str = "STORAGE_UNAVAILABLE", headers: dict | None = None) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "message": "busy", "details": {}}}, headers=headers)


class _Wire(httpx.MockTransport):
    """Like MockTransport, but the body is not read before the handler runs: as on a real connection,
    a connect error happens before any of the body is sent."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.handler(request)


def _client(tmp_path, answers, *, max_attempts: int = 3, max_wait: float = 30.0):
    """A client whose transport plays ``answers`` in turn (a Response, or an exception to raise)."""
    calls: list[httpx.Request] = []
    bodies: list[bytes] = []
    sleeps: list[float] = []
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        bodies.append(request.read())
        return answer

    config = ClientConfig(api_url="http://mes.test", home=tmp_path, max_attempts=max_attempts)
    client = MesClient(config, token="t0k")
    client._http = build_http_client(config, transport=_Wire(handler))
    client.retry = RetryPolicy(max_attempts=max_attempts, max_wait=max_wait, sleep=sleeps.append, random=lambda: 0.5)
    return client, calls, bodies, sleeps


def test_get_is_retried_on_503_then_succeeds(tmp_path):
    client, calls, _, sleeps = _client(tmp_path, [_error(503), _error(502), httpx.Response(200, json=OK)])
    assert client.health().status == "ok"
    assert len(calls) == 3
    assert sleeps == [0.375, 0.75]  # exponential (0.5, 1.0) with "equal jitter" at random()=0.5


def test_retry_after_seconds_is_honoured(tmp_path):
    client, calls, _, sleeps = _client(tmp_path, [_error(429, "RATE_LIMITED", {"Retry-After": "2"}),
                                                  httpx.Response(200, json=OK)])
    client.health()
    assert sleeps == [2.0]


def test_a_retry_after_too_long_is_not_waited_for(tmp_path):
    client, calls, _, sleeps = _client(tmp_path, [_error(429, "RATE_LIMITED", {"Retry-After": "600"})])
    with pytest.raises(MesError) as caught:
        client.health()
    assert caught.value.code == "RATE_LIMITED" and len(calls) == 1 and sleeps == []


def test_gives_up_after_max_attempts_with_the_server_error(tmp_path):
    client, calls, _, sleeps = _client(tmp_path, [_error(503)] * 5, max_attempts=4)
    with pytest.raises(MesError) as caught:
        client.health()
    assert caught.value.code == "STORAGE_UNAVAILABLE"
    assert len(calls) == 4 and len(sleeps) == 3


def test_connect_errors_are_retried_then_reported_as_network_error(tmp_path):
    client, calls, _, sleeps = _client(tmp_path, [httpx.ConnectError("refused")] * 3)
    with pytest.raises(MesError) as caught:
        client.health()
    assert caught.value.code == "NETWORK_ERROR" and int(caught.value.exit_status) == 3
    assert len(calls) == 3 and len(sleeps) == 2


@pytest.mark.parametrize("status", [400, 404, 409, 500])
def test_other_statuses_are_not_retried(tmp_path, status):
    client, calls, _, sleeps = _client(tmp_path, [_error(status, "INTERNAL_ERROR")])
    with pytest.raises(MesError):
        client.health()
    assert len(calls) == 1 and sleeps == []


def test_post_without_idempotency_key_is_never_retried(tmp_path):
    client, calls, _, sleeps = _client(tmp_path, [_error(503), httpx.Response(200, json={})])
    with pytest.raises(MesError):
        client.request("POST", "/v1/things", body={"a": 1}, response=dict)
    assert len(calls) == 1 and sleeps == []
    client, calls, _, sleeps = _client(tmp_path, [httpx.ConnectError("refused"), httpx.Response(200, json={})])
    with pytest.raises(MesError) as caught:
        client.request("POST", "/v1/things", body={"a": 1}, response=dict)
    assert caught.value.code == "NETWORK_ERROR" and len(calls) == 1


def test_post_with_idempotency_key_is_retried_with_the_same_body(tmp_path):
    client, calls, bodies, sleeps = _client(tmp_path, [_error(503), httpx.Response(200, json={"done": True})])
    answer = client.request("POST", "/v1/things", body={"a": 1}, response=dict, headers={"Idempotency-Key": "k1"})
    assert answer == {"done": True} and len(calls) == 2
    assert [json.loads(b) for b in bodies] == [{"a": 1}, {"a": 1}]


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_idempotent_methods_are_retried(tmp_path, method):
    client, calls, _, _ = _client(tmp_path, [_error(504), httpx.Response(204)])
    client.request(method, "/v1/things/1")
    assert len(calls) == 2


def _streamed(parts):
    """Like upload_document's chunks(): a generator, which cannot be replayed (MesClient.send guards it)."""
    yield from parts


def test_streamed_body_is_retried_when_the_connection_failed_before_sending(tmp_path):
    client, calls, bodies, _ = _client(tmp_path, [httpx.ConnectError("refused"), httpx.Response(200, json={})])
    client.request("POST", "/v1/upload", content=_streamed([b"abc", b"def"]), response=dict,
                   headers={"Idempotency-Key": "k", "Content-Length": "6"})
    assert len(calls) == 2 and bodies == [b"abcdef"]  # the whole body went out on the second attempt


def test_streamed_body_is_not_retried_once_sent(tmp_path):
    client, calls, bodies, sleeps = _client(tmp_path, [_error(503), httpx.Response(200, json={})])
    with pytest.raises(MesError):
        client.request("POST", "/v1/upload", content=_streamed([b"abc"]), response=dict,
                       headers={"Idempotency-Key": "k", "Content-Length": "3"})
    assert len(calls) == 1 and sleeps == []


def test_max_attempts_comes_from_config(tmp_path, monkeypatch):
    client, calls, _, _ = _client(tmp_path, [_error(503)] * 5, max_attempts=5)
    client.retry = None  # the default policy, built from config.max_attempts (MES_MAX_ATTEMPTS)
    slept: list[float] = []
    monkeypatch.setattr("mes_cli.client.api.RetryPolicy",
                        lambda **kw: RetryPolicy(**kw, sleep=slept.append, random=lambda: 0.0))
    with pytest.raises(MesError):
        client.health()
    assert len(calls) == 5 and len(slept) == 4


def test_backoff_grows_with_jitter_within_bounds():
    low = RetryPolicy(max_attempts=10, base_delay=1, max_delay=8, random=lambda: 0.0)
    high = RetryPolicy(max_attempts=10, base_delay=1, max_delay=8, random=lambda: 0.999999)
    assert [low.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert all(high.delay(n) <= min(8, 2 ** (n - 1)) for n in range(1, 6))
    assert low.delay(10) is None


def test_retry_after_forms():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("garbage") is None and parse_retry_after(None) is None
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:10 GMT", now=lambda: 1767225600.0) == 10.0


def test_allows_only_idempotent_or_keyed():
    policy = RetryPolicy()
    assert policy.allows("get", {}) and policy.allows("HEAD", None) and policy.allows("DELETE", {})
    assert not policy.allows("POST", {}) and not policy.allows("PATCH", {"X": "y"})
    assert policy.allows("POST", {"idempotency-key": "k"})
