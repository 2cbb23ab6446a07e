"""Events of a development server and their webhooks: every state change once, signed, in order, retried
when the receiver fails; ids only; refused where they have no place."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading
import time

import pytest

from mes_cli.server.context import ServerContext
from mes_cli.server.services import events
from mes_cli.server.settings import Settings
from support.cli import Mes
from support.flows import active_person
from support.server import ADMIN_TOKEN, start_server

SECRET = "a-secret-of-the-receiver-0123"


class Receiver:
    """A webhook receiver on loopback: answers each POST with the next status of ``answers`` (then 200)."""

    def __init__(self, answers: list[int] | None = None) -> None:
        self.received: list[tuple[dict, dict]] = []
        self.answers = list(answers or [])
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = outer.answers.pop(0) if outer.answers else 200
                if status == 200:
                    outer.received.append((dict(self.headers), json.loads(body), body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def wait_for(self, count: int, seconds: float = 20) -> list:
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def mes(dev_server, tmp_path):
    return Mes(home=tmp_path / "home", api_url=dev_server.url, admin_token=ADMIN_TOKEN)


def _add(mes: Mes, receiver: Receiver, *types: str) -> dict:
    return mes.ok("server", "webhooks", "add", receiver.url, *(a for t in types for a in ("--type", t)),
                  "--secret-stdin", stdin=SECRET + "\n")


def _signed(headers: dict, body: bytes) -> bool:
    stamp, digest = (part.split("=", 1)[1] for part in headers["Mes-Signature"].split(","))
    expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, digest) and abs(time.time() - int(stamp)) < 300


def test_a_receiver_gets_every_event_once_signed_and_in_order(mes):
    receiver = Receiver()
    try:
        webhook = _add(mes, receiver, "account.activated", "login.succeeded", "document.added")
        person = active_person(mes)
        for number in range(3):
            mes.ok("server", "events", "trigger", "document.added", "--subject", f"d_{number}")
        got = receiver.wait_for(5)
    finally:
        receiver.close()
    types = [event["type"] for _headers, event, _body in got]
    assert types == ["account.activated", "login.succeeded", "document.added", "document.added", "document.added"]
    assert [event["subject"] for _h, event, _b in got][2:] == ["d_0", "d_1", "d_2"]
    ids = [event["id"] for _h, event, _b in got]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(_signed(headers, body) for headers, _event, body in got)
    assert got[0][1]["data"] == {"person_id": got[0][1]["subject"]} and person["nir"] not in json.dumps(got[0][1])
    listed = {w["id"]: w for w in mes.ok("server", "webhooks", "list")}
    assert listed[webhook["id"]]["delivered"] == 5 and listed[webhook["id"]]["failed"] == 0


def test_a_failing_receiver_gets_retries_and_later_events_wait_their_turn(mes):
    receiver = Receiver(answers=[500, 503])
    try:
        webhook = _add(mes, receiver, "message.sent")
        for subject in ("c_first", "c_second"):
            mes.ok("server", "events", "trigger", "message.sent", "--subject", subject)
        got = receiver.wait_for(2)
    finally:
        receiver.close()
    assert [event["subject"] for _h, event, _b in got] == ["c_first", "c_second"]
    first, second = mes.ok("server", "webhooks", "deliveries", "--webhook", webhook["id"])
    assert (first["status"], first["attempts"], second["attempts"]) == ("delivered", 3, 1)


def test_events_carry_ids_only_and_can_be_read_by_type(mes):
    active_person(mes)
    logins = mes.ok("server", "events", "--type", "login.succeeded")
    assert logins and all(set(event["data"]) == {"person_id"} for event in logins)


def test_bad_webhooks_and_events_are_refused_naming_what_is_accepted(mes):
    assert mes("server", "webhooks", "add", "ftp://example.org/hook").exit_code == 6
    unknown = mes("server", "webhooks", "add", "http://127.0.0.1:9/hook", "--type", "document.exploded")
    assert unknown.exit_code == 6 and "document.added" in unknown.stderr
    trigger = mes("server", "events", "trigger", "nope", "--subject", "x")
    assert trigger.exit_code == 6 and "login.succeeded" in trigger.stderr
    assert mes("server", "events", "trigger", "login.succeeded").exit_code == 2  # neither fixture nor subject


def test_a_fixture_file_gives_the_event_s_ids(mes, tmp_path):
    fixture = tmp_path / "event.json"
    fixture.write_text(json.dumps({"subject": "d_9", "data": {"profile_id": "p_1", "document_id": "d_9"}}))
    event = mes.ok("server", "events", "trigger", "document.deleted", "--fixture", str(fixture))
    assert event["data"] == {"document_id": "d_9", "profile_id": "p_1"} and event["subject"] == "d_9"


def test_a_production_server_records_no_event(tmp_path):
    ctx = ServerContext.build(Settings(data_dir=tmp_path, dev=False))
    try:
        with ctx.store.transaction() as conn:
            assert events.emit(conn, ctx, "login.succeeded", "p_1", person_id="p_1") is None
        assert ctx.store.one("SELECT COUNT(*) AS n FROM events")["n"] == 0
    finally:
        ctx.store.shutdown()


def test_the_embedded_server_keeps_its_events_between_commands(tmp_path):
    mes = Mes(home=tmp_path / "home")
    active_person(mes)
    assert [e["type"] for e in mes.ok("server", "events")] == ["account.activated", "login.succeeded"]


def test_webhooks_exist_on_development_servers_only(tmp_path):
    production = start_server(tmp_path / "prod", dev=False)
    try:
        refused = Mes(home=tmp_path / "home", api_url=production.url, admin_token=ADMIN_TOKEN)(
            "server", "webhooks", "add", "http://127.0.0.1:9/hook")
    finally:
        production.stop()
    assert refused.exit_code == 4 and "DEV_MODE_REQUIRED" in refused.stderr



def test_documents_added_replaced_and_deleted_are_events(tmp_path):
    from support import files
    from support.health_docs import archive, retarget_archive

    mes = Mes(home=tmp_path / "home")
    directory = tmp_path / "directory.json"
    directory.write_text(json.dumps({"professionals": [{"rpps": "10101234567", "name": "Dr Claire Dubois",
                                                        "profession": "Médecin"}]}), encoding="utf-8")
    mes.ok("server", "seed", str(directory))
    person = active_person(mes)
    (uploaded,) = mes.ok("docs", "upload", str(files.write(tmp_path / "in", "bilan.pdf", files.pdf("bilan"))))
    mes.ok("docs", "delete", uploaded["document_id"], "--yes")
    for name in ("Microbiologie_V1", "Microbiologie_V2"):
        sent = files.write(tmp_path / "pro", f"{name}.zip", retarget_archive(archive(name), person))
        mes.ok("server", "pro", "send-doc", str(sent), "--rpps", "10101234567", "--to", person["nir"])
    (listed,) = mes.ok("docs", "list")
    happened = [e for e in mes.ok("server", "events") if e["type"].startswith("document.")]
    assert [e["type"] for e in happened] == ["document.added", "document.deleted", "document.added",
                                             "document.replaced"]
    assert happened[0]["subject"] == happened[1]["subject"] == uploaded["document_id"]
    assert happened[3]["data"] == {"profile_id": listed["profile_id"], "document_id": listed["id"],
                                   "replaced_id": happened[2]["subject"]}
