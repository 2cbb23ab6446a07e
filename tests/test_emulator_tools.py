"""Fault injection and the request journal of a development server: reproducible with a seed, marked where
they act, refused where they have no place, and the CLI's retries tested against them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest

from mes_cli.contract import models as m
from mes_cli.server.devtools import Faults, Journal
from support.cli import Mes
from support.server import ADMIN_TOKEN, start_server


@pytest.fixture
def mes(dev_server, tmp_path):
    cli = Mes(home=tmp_path / "home", api_url=dev_server.url, admin_token=ADMIN_TOKEN)
    yield cli
    cli("server", "faults", "clear")


def _statuses(url: str, count: int) -> list[int]:
    return [httpx.get(f"{url}/v1/dev/outbox").status_code for _ in range(count)]


def test_seeded_faults_fail_the_same_requests_on_every_run(mes, dev_server):
    runs = []
    for _run in range(2):
        mes.ok("server", "faults", "add", "--operation", "readOutbox", "--probability", "0.5", "--seed", "42")
        runs.append(_statuses(dev_server.url, 20))
        mes.ok("server", "faults", "clear")
    assert runs[0] == runs[1] and {200, 503} == set(runs[0])


def test_an_injected_fault_is_marked_in_the_answer_and_the_journal(mes, dev_server):
    rule = mes.ok("server", "faults", "add", "--path", "/v1/dev/outbox", "--status", "500", "--times", "1")
    first, second = (httpx.get(f"{dev_server.url}/v1/dev/outbox") for _ in range(2))
    assert first.status_code == 500 and first.headers["X-Mes-Fault"] == rule["id"]
    assert first.json()["error"]["code"] == "INJECTED_FAULT" and second.status_code == 200  # --times 1
    (listed,) = mes.ok("server", "faults", "list")
    assert listed["matched"] == 2 and listed["injected"] == 1
    faulted = mes.ok("server", "requests", "--operation", "readOutbox", "--status", "500")
    assert faulted[-1]["fault"] == rule["id"] and faulted[-1]["request_id"] == first.headers["X-Request-Id"]


def test_a_latency_alone_delays_without_failing(mes, dev_server):
    mes.ok("server", "faults", "add", "--operation", "readOutbox", "--latency", "300ms", "--times", "1")
    answer = httpx.get(f"{dev_server.url}/v1/dev/outbox")
    assert answer.status_code == 200 and "X-Mes-Fault" in answer.headers
    (entry,) = [e for e in mes.ok("server", "requests", "--operation", "readOutbox")
                if e["request_id"] == answer.headers["X-Request-Id"]]
    assert entry["duration_ms"] >= 300


def test_the_cli_retries_a_read_after_retry_after_but_never_repeats_a_login(mes):
    mes.ok("server", "faults", "add", "--operation", "readOutbox", "--status", "503", "--times", "1")
    assert mes("outbox").exit_code == 0  # the GET was retried after the announced second
    mes.ok("server", "faults", "add", "--operation", "startLogin", "--status", "503")
    before = len(mes.ok("server", "requests", "--operation", "startLogin"))
    refused = mes("login", "-i", "personne.inconnue", "--password-stdin", stdin="Correct-Horse-9-battery\n")
    assert refused.exit_code == 1 and "INJECTED_FAULT" in refused.stderr
    assert len(mes.ok("server", "requests", "--operation", "startLogin")) == before + 1  # sent once, not again


def test_the_journal_keeps_bodies_redacted_and_only_when_asked(mes, dev_server):
    httpx.post(f"{dev_server.url}/v1/logins", json={"identifier": "jeanne", "password": "Secret-password-1"})
    plain = mes.ok("server", "requests", "--operation", "startLogin")[-1]
    assert plain["request_body"] is None and plain["response_body"] is None
    full = mes.ok("server", "requests", "--operation", "startLogin", "--bodies")[-1]
    assert "Secret-password-1" not in full["request_body"] and "<redacted>" in full["request_body"]
    assert json.loads(full["request_body"])["identifier"] == "jeanne"


def test_the_journal_follows_new_requests(dev_server, tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MES_")}
    environment.update(MES_API_URL=dev_server.url, MES_HOME=str(tmp_path / "home"))
    follower = subprocess.Popen([sys.executable, "-m", "mes_cli", "server", "requests", "--follow", "-f", "jsonl",
                                 "--operation", "readOutbox"], stdout=subprocess.PIPE, text=True, env=environment)
    try:
        for _attempt in range(50):  # until the follower is reading: each new request is a chance to be seen
            httpx.get(f"{dev_server.url}/v1/dev/outbox")
            line = _line_within(follower, 0.2)
            if line:
                break
        else:
            pytest.fail("the follower printed nothing")
        assert json.loads(line)["operation"] == "readOutbox"
    finally:
        follower.kill()
        follower.wait()


def _line_within(process: subprocess.Popen, seconds: float) -> str | None:
    import select

    ready, _w, _x = select.select([process.stdout], [], [], seconds)
    return process.stdout.readline() if ready else None


def test_the_journal_is_bounded():
    journal = Journal(size=3)
    for number in range(5):
        journal.record(method="GET", path=f"/{number}", operation=None, status=200, duration_ms=1, request_id="r",
                       fault=None, request_body=None, response_body=None)
    page = journal.read()
    assert [entry.path for entry in page.entries] == ["/2", "/3", "/4"] and page.next_after == 5
    assert journal.read(after=5).entries == []


def test_a_rule_with_times_stops_after_that_many():
    faults = Faults()
    faults.add(m.FaultRuleIn(operation="whoami", times=2))
    assert [faults.decide("whoami", "/v1/me") is not None for _ in range(4)] == [True, True, False, False]
    assert faults.decide("logout", "/v1/session") is None


@pytest.mark.parametrize("args, code, words", [
    (["--operation", "noSuchOperation"], 6, "whoami"),
    (["--operation", "whoami", "--probability", "1.5"], 2, "between 0 and 1"),
    (["--operation", "whoami", "--latency", "fast"], 2, "200ms"),
    (["--status", "503"], 6, "operation id or a path"),
])
def test_bad_fault_rules_are_refused_naming_what_is_accepted(mes, args, code, words):
    refused = mes("server", "faults", "add", *args)
    assert refused.exit_code == code and words in refused.stderr, refused


def test_no_fault_injection_in_production_nor_in_the_embedded_server(tmp_path):
    production = start_server(tmp_path / "prod", dev=False)
    try:
        refused = Mes(home=tmp_path / "home", api_url=production.url, admin_token=ADMIN_TOKEN)(
            "server", "faults", "add", "--operation", "whoami")
    finally:
        production.stop()
    assert refused.exit_code == 4 and "DEV_MODE_REQUIRED" in refused.stderr
    embedded = Mes(home=tmp_path / "home")("server", "faults", "add", "--operation", "whoami")
    assert embedded.exit_code == 2 and "mes server run --dev" in embedded.stderr
