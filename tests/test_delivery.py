"""Real senders behind the outbox: an SMS webhook that works, and one that fails."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
import pytest

from mes_cli.server.context import ServerContext
from mes_cli.server.http.app import create_app
from mes_cli.server.settings import Settings
from support.people import person


class _Gateway(BaseHTTPRequestHandler):
    received: list[dict] = []
    status = 200

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    _Gateway.received = []
    _Gateway.status = 200
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield _Gateway, f"http://127.0.0.1:{server.server_port}/sms"
    server.shutdown()


def _client(tmp_path, webhook):
    settings = Settings(data_dir=tmp_path, dev=True, sms_webhook_url=webhook)
    ctx = ServerContext.build(settings)
    return httpx.Client(transport=httpx.WSGITransport(app=create_app(settings, ctx)), base_url="http://t"), ctx


def _new_code_by_sms(client, p):
    return client.post("/v1/provisional-codes", json={"nir": p["nir"], "card_serial": p["card_serial"],
                                                      "birth_date": p["birth_date"], "channel": "sms"})


def test_sms_is_delivered_through_the_webhook(tmp_path, gateway):
    handler, url = gateway
    client, _ctx = _client(tmp_path, url)
    p = person()
    assert client.post("/v1/admin/persons", json={"persons": [p]}).status_code == 201
    reply = _new_code_by_sms(client, p)
    assert reply.status_code == 201, reply.text
    (sms,) = handler.received
    code = client.get("/v1/dev/outbox", params={"to": p["mobile"], "limit": 1}).json()["messages"][0]["code"]
    assert sms["to"] == p["mobile"] and code in sms["text"]


def test_failed_delivery_is_an_error_and_leaves_no_code(tmp_path, gateway):
    handler, url = gateway
    handler.status = 503
    client, ctx = _client(tmp_path, url)
    p = person()
    client.post("/v1/admin/persons", json={"persons": [p]})
    before = ctx.store.one("SELECT COUNT(*) FROM provisional_codes")[0]
    reply = _new_code_by_sms(client, p)
    error = reply.json()["error"]
    assert reply.status_code == 502 and error["code"] == "DELIVERY_FAILED"
    assert "other channel" in error["message"]
    assert ctx.store.one("SELECT COUNT(*) FROM provisional_codes")[0] == before
    assert client.get("/v1/dev/outbox", params={"to": p["mobile"]}).json()["messages"] == []


def test_after_a_failed_delivery_the_other_channel_works_at_once(tmp_path, gateway):
    handler, url = gateway
    handler.status = 500
    client, _ctx = _client(tmp_path, url)
    p = person()
    client.post("/v1/admin/persons", json={"persons": [p]})
    assert _new_code_by_sms(client, p).status_code == 502
    by_email = client.post("/v1/provisional-codes", json={"nir": p["nir"], "card_serial": p["card_serial"],
                                                          "birth_date": p["birth_date"], "channel": "email"})
    assert by_email.status_code == 201, by_email.text
