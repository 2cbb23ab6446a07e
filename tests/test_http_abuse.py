"""Abuse at the HTTP layer of a real `mes server run`: oversized headers, lying lengths, slow
clients, bodies cut off. Each is refused cleanly and the server goes on serving everyone else.

Waitress parses requests in its event loop and hands only complete ones to the worker threads,
so a slow client holds a socket, never a thread; these tests keep that promise honest.
"""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from support.cli import Mes
from support.files import pdf
from support.flows import active_person
from support.server import ADMIN_TOKEN, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = start_server(tmp_path_factory.mktemp("abuse-data"))
    yield running
    assert running.stop() == 0


def _address(server) -> tuple[str, int]:
    host, port = server.url.removeprefix("http://").split(":")
    return host, int(port)


def _exchange(server, data: bytes, timeout: float = 10) -> bytes:
    """Sends raw bytes and returns what came back until the server closed (a reset counts as closed)."""
    answer = b""
    with socket.create_connection(_address(server), timeout=timeout) as connection:
        try:
            connection.sendall(data)
            while chunk := connection.recv(65536):
                answer += chunk
        except (ConnectionResetError, BrokenPipeError):
            pass
    return answer


def _healthy(server) -> bool:
    return httpx.get(f"{server.url}/health", timeout=10).status_code == 200


def test_oversized_headers_are_refused_with_431(server):
    answer = _exchange(server, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.0 431 ") or answer.startswith(b"HTTP/1.1 431 "), answer[:80]
    assert _healthy(server)


@pytest.mark.parametrize("length, status", [(b"-5", b"400"), (b"abc", b"400"), (b"1e3", b"400"),
                                            (b"99999999999999999999", b"413")])
def test_a_lying_content_length_is_refused(server, length, status):
    answer = _exchange(server, b"POST /v1/logins HTTP/1.1\r\nHost: x\r\nContent-Length: " + length
                       + b"\r\nConnection: close\r\n\r\n")
    assert answer.split(b" ")[1] == status, answer[:80]
    assert _healthy(server)


def test_slow_clients_do_not_hold_up_the_others(server):
    """Sixty connections trickling their headers (more than the worker threads) while others are served."""
    trickling = []
    try:
        for _ in range(60):
            connection = socket.create_connection(_address(server), timeout=10)
            connection.sendall(b"POST /v1/logins HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n")
            trickling.append(connection)
        for connection in trickling:
            connection.sendall(b"X-Slow: 1\r\n")
        for _ in range(10):
            assert _healthy(server)
        answer = httpx.post(f"{server.url}/v1/logins", json={"identifier": "nobody.here", "password": "x" * 12},
                            timeout=10)
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "INVALID_CREDENTIALS"
    finally:
        for connection in trickling:
            connection.close()


def test_an_upload_cut_off_midway_leaves_nothing_behind(server, tmp_path):
    mes = Mes(home=tmp_path / "home", api_url=server.url, admin_token=ADMIN_TOKEN)
    active_person(mes)
    whole = tmp_path / "whole.pdf"
    whole.write_bytes(pdf("whole"))
    mes.ok("docs", "upload", str(whole))
    assert (server.data_dir / "blobs" / "tmp").is_dir()
    token = mes("auth", "token").stdout.strip()
    body = pdf("cut off", pad_to=200_000)
    head = (f"POST /v1/profiles/me/documents?filename=cut.pdf&category=AUTR_DOC HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection(_address(server), timeout=10) as connection:
        connection.sendall(head + body[: len(body) // 2])
    deadline = time.monotonic() + 10
    while any((server.data_dir / "blobs" / "tmp").glob("*")) and time.monotonic() < deadline:
        time.sleep(0.05)  # the worker notices the closed socket when it reads the rest
    assert not list((server.data_dir / "blobs" / "tmp").glob("*"))
    assert [document["title"] for document in mes.ok("docs", "list")] == ["whole"]
