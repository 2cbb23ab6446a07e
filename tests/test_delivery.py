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
from support.api import Api
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


@pytest.fixture
def sms_only(tmp_path, gateway):
    """A server delivering SMS through the gateway, and a logged-in person with a mobile only
    (so that notices go by SMS)."""
    handler, url = gateway
    settings = Settings(data_dir=tmp_path, dev=True, sms_webhook_url=url)
    api = Api.start(settings)
    p = api.seed(email=None)
    api.activate(p)
    api.login(p, channel="sms")
    yield api, p, handler
    api.close()


def _space_state(api, p) -> str:
    return api.ctx.store.one("SELECT state FROM spaces WHERE person_id = ?", (p["id"],))["state"]


def test_a_notice_that_cannot_be_delivered_does_not_undo_what_it_tells(sms_only, caplog):
    """A notice (here: the account is closed) goes out once the change is committed: a failing
    sender is logged — kind and channel, not the recipient — and the change stands."""
    api, p, handler = sms_only
    handler.status = 500
    closed = api.post("/v1/account/close", {"password": p["password"]}, token=p["token"])
    assert closed.status_code == 200, closed.text
    assert _space_state(api, p) == "closed"
    assert api.last_of_kind(p["mobile"])["subject"].startswith("Fermeture")  # recorded all the same
    assert "notice by sms was not delivered" in caplog.text and p["mobile"] not in caplog.text


def test_a_notice_is_delivered_only_once_its_change_is_committed(sms_only, monkeypatch):
    """Nothing is sent for a change that is rolled back, even after the notice was recorded."""
    from mes_cli.server.services import accounts

    api, p, handler = sms_only
    sent = len(handler.received)
    notify = accounts.notify_person

    def fail_after_the_notice(*args, **kwargs):
        notify(*args, **kwargs)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(accounts, "notify_person", fail_after_the_notice)
    closed = api.post("/v1/account/close", {"password": p["password"]}, token=p["token"])
    assert closed.status_code == 500
    assert _space_state(api, p) == "active"
    assert len(handler.received) == sent
