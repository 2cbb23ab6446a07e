"""Faults in the lifecycle: the server killed (SIGKILL) during activations and password resets.

A real ``mes server run`` process serves a data directory; many activations (or
password resets) run in parallel threads, each with its Argon2 hash (~50 ms), and
the process is killed while they are in flight. Restarted on the same data
directory, the database must pass ``PRAGMA integrity_check``, every person must
be wholly in the old state or wholly in the new one, and repeating the operation
must complete it.

The last two tests simulate the crash in-process, at a fixed point (the Argon2
hash), so that the outcome does not depend on when the signal lands.
"""

from __future__ import annotations

import signal
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from mes_cli.server.settings import Settings
from support.api import Api, build_context
from support.people import OTHER_PASSWORD, STRONG_PASSWORD, person
from support.server import RunningServer, start_server

PEOPLE = 24
WORKERS = 12


# -- a small HTTP driver for the real server ---------------------------------------


class Http:
    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.client = httpx.Client(base_url=server.url, timeout=10)

    def close(self) -> None:
        self.client.close()

    def ok(self, response: httpx.Response, status: int | None = None):
        assert response.is_success, (response.status_code, response.text)
        if status is not None:
            assert response.status_code == status, (response.status_code, response.text)
        return response.json() if response.content else None

    def seed(self, people: list[dict]) -> None:
        answer = self.ok(self.client.post("/v1/admin/persons", json={"persons": [registry_entry(p) for p in people]},
                                          headers={"X-Admin-Token": self.server.admin_token}), 201)
        for p, seeded in zip(people, answer["persons"]):
            p["id"] = seeded["id"]
            p["code"] = self.last_message(p["nir"])["code"]

    def last_message(self, to: str, kind: str | None = None) -> dict:
        messages = self.ok(self.client.get("/v1/dev/outbox", params={"to": to, "limit": 50}))["messages"]
        for message in reversed(messages):
            if kind is None or message["kind"] == kind:
                return message
        raise AssertionError(f"nothing ({kind}) was sent to {to}")

    def advance(self, seconds: int) -> None:
        self.ok(self.client.post("/v1/dev/clock", json={"advance_seconds": seconds}))

    def enrol(self, p: dict) -> str:
        body = {"nir": p["nir"], "card_serial": p["card_serial"], "birth_date": p["birth_date"], "code": p["code"]}
        return self.ok(self.client.post("/v1/enrolments", json=body), 201)["enrolment_id"]

    def activate(self, client: httpx.Client, enrolment_id: str, p: dict) -> httpx.Response:
        return client.post("/v1/enrolments/activate", json={
            "enrolment_id": enrolment_id, "identifier": p["identifier"], "password": STRONG_PASSWORD,
            "accept_terms": True})

    def start_login(self, p: dict, password: str) -> httpx.Response:
        return self.client.post("/v1/logins", json={"identifier": p["identifier"], "password": password,
                                                    "channel": "email"})

    def request_sms_reset(self, p: dict) -> str:
        body = {"nir": p["nir"], "card_serial": p["card_serial"], "birth_date": p["birth_date"], "channel": "sms"}
        reset_id = self.ok(self.client.post("/v1/password-resets", json=body), 202)["reset_id"]
        return reset_id

    def complete_reset(self, client: httpx.Client, reset_id: str, code: str, password: str) -> httpx.Response:
        return client.post("/v1/password-resets/complete",
                           json={"reset_id": reset_id, "code": code, "new_password": password})


def registry_entry(p: dict) -> dict:
    return {k: v for k, v in p.items() if k not in ("identifier", "id", "code")}


def make_people(n: int) -> list[dict]:
    people = [person() for _ in range(n)]
    for i, p in enumerate(people):
        p["identifier"] = f"kill.{p['nir'][-6:]}.{i:03d}"
    return people


def fire_and_kill(server: RunningServer, calls: list, *, kill_after: int) -> dict:
    """Runs ``calls`` (each taking a client) in threads; SIGKILLs the server once ``kill_after`` have answered."""
    answered: dict[int, int] = {}
    lock = threading.Lock()
    enough = threading.Event()

    def run(index: int, call) -> None:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            try:
                status = call(client).status_code
            except httpx.HTTPError:
                return
            with lock:
                answered[index] = status
                if len(answered) >= kill_after:
                    enough.set()

    with ThreadPoolExecutor(WORKERS) as pool:
        futures = [pool.submit(run, i, call) for i, call in enumerate(calls)]
        enough.wait(timeout=20)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=10)
        for future in futures:
            future.result(timeout=20)
    return answered


def integrity_ok(data: Path) -> None:
    with sqlite3.connect(data / "mes.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def space_rows(data: Path, people: list[dict]) -> dict[str, dict]:
    with sqlite3.connect(data / "mes.sqlite3") as db:
        db.row_factory = sqlite3.Row
        rows = {}
        for p in people:
            space = db.execute("SELECT * FROM spaces WHERE person_id = ?", (p["id"],)).fetchone()
            codes = db.execute("SELECT * FROM provisional_codes WHERE person_id = ?", (p["id"],)).fetchall()
            rows[p["id"]] = {"space": dict(space), "codes": [dict(c) for c in codes]}
        return rows


# -- the tests ---------------------------------------------------------------------


def test_server_killed_during_activations(tmp_path):
    data = tmp_path / "data"
    server = start_server(data)
    http = Http(server)
    people = make_people(PEOPLE)
    try:
        http.seed(people)
        enrolments = {p["id"]: http.enrol(p) for p in people}
        calls = [lambda c, p=p: http.activate(c, enrolments[p["id"]], p) for p in people]
        answered = fire_and_kill(server, calls, kill_after=PEOPLE // 3)
    finally:
        http.close()
    assert 0 < len(answered) < PEOPLE, f"the kill should land mid-way ({len(answered)} answered)"
    assert set(answered.values()) == {200}, answered

    integrity_ok(data)
    rows = space_rows(data, people)
    active, untouched = [], []
    for p in people:
        space, codes = rows[p["id"]]["space"], rows[p["id"]]["codes"]
        letter = codes[0]
        if space["state"] == "active":
            assert space["identifier"] == p["identifier"] and space["password_hash"], space
            assert space["activated_at"] and letter["used_at"], (space, letter)
            active.append(p)
        else:
            assert space["state"] in ("pending", "open"), space
            assert space["identifier"] is None and space["password_hash"] is None, space
            assert letter["used_at"] is None and letter["revoked_at"] is None, letter
            untouched.append(p)
    assert {p["id"] for p in people if answered.get(people.index(p)) == 200} <= {p["id"] for p in active}, \
        "an activation answered 200 must have been committed"
    assert untouched, "some activations were in flight or not started when the server died"

    server = start_server(data)
    http = Http(server)
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            for p in untouched:  # a new enrolment with the same letter code: it is still valid
                http.ok(http.activate(client, http.enrol(p), p), 200)
        for p in people:
            assert http.start_login(p, STRONG_PASSWORD).status_code == 201, p["identifier"]
    finally:
        http.close()
        server.stop()
    integrity_ok(data)


def test_server_killed_during_password_resets(tmp_path):
    data = tmp_path / "data"
    server = start_server(data)
    http = Http(server)
    people = make_people(PEOPLE)
    try:
        http.seed(people)
        with httpx.Client(base_url=server.url, timeout=10) as client:
            for p in people:
                http.ok(http.activate(client, http.enrol(p), p), 200)
        resets = {}
        for p in people:
            reset_id = http.request_sms_reset(p)
            resets[p["id"]] = (reset_id, http.last_message(p["mobile"], "password_reset")["code"])
        calls = [lambda c, p=p: http.complete_reset(c, *resets[p["id"]], OTHER_PASSWORD) for p in people]
        answered = fire_and_kill(server, calls, kill_after=PEOPLE // 3)
    finally:
        http.close()
    assert 0 < len(answered) < PEOPLE, f"the kill should land mid-way ({len(answered)} answered)"
    assert set(answered.values()) == {200}, answered

    integrity_ok(data)
    server = start_server(data)
    http = Http(server)
    try:
        old, new = [], []
        for i, p in enumerate(people):
            with_new = http.start_login(p, OTHER_PASSWORD).status_code == 201
            with_old = http.start_login(p, STRONG_PASSWORD).status_code == 201
            assert with_new != with_old, (p["identifier"], with_new, with_old)
            (new if with_new else old).append(p)
            if i in answered:
                assert with_new, "a reset answered 200 must have been committed"
        assert old, "some resets were in flight or not started when the server died"
        http.advance(31)  # past the 30-second minimum delay between two reset requests
        with httpx.Client(base_url=server.url, timeout=10) as client:
            for p in old:  # a repeated reset completes
                reset_id = http.request_sms_reset(p)
                code = http.last_message(p["mobile"], "password_reset")["code"]
                http.ok(http.complete_reset(client, reset_id, code, OTHER_PASSWORD), 200)
        for p in people:
            assert http.start_login(p, OTHER_PASSWORD).status_code == 201, p["identifier"]
    finally:
        http.close()
        server.stop()
    integrity_ok(data)


# -- the crash at a fixed point, in-process ----------------------------------------


class Crash(BaseException):
    """Stands for the process dying: nothing after it runs, no handler turns it into an answer."""


@pytest.fixture
def api(tmp_path):
    settings = Settings(data_dir=tmp_path / "server", dev=True)
    api = Api.start(settings, build_context(settings))
    yield api
    api.close()


def crash_in_hash(api: Api, monkeypatch) -> None:
    def die(_password):
        raise Crash()

    monkeypatch.setattr(api.ctx.secrets, "hash_password", die)


def test_a_crash_while_hashing_the_activation_password_leaves_the_code_usable(api, monkeypatch):
    p = api.seed()
    enrolment = api.enrol(p)
    with monkeypatch.context() as patch:
        crash_in_hash(api, patch)
        with pytest.raises(Crash):
            api.activate_request(enrolment["enrolment_id"], "crash.victim.01")
    api.ok(api.activate_request(enrolment["enrolment_id"], "crash.victim.01"), 200)


def test_a_crash_while_hashing_the_new_password_leaves_the_reset_code_usable(api, monkeypatch):
    p = api.seed()
    api.activate(p)
    reset_id = api.ok(api.post("/v1/password-resets", {**api.identity(p), "channel": "sms"}), 202)["reset_id"]
    code = api.sent_code(p["mobile"], "password_reset")
    body = {"reset_id": reset_id, "code": code, "new_password": OTHER_PASSWORD}
    with monkeypatch.context() as patch:
        crash_in_hash(api, patch)
        with pytest.raises(Crash):
            api.post("/v1/password-resets/complete", body)
    api.ok(api.post("/v1/password-resets/complete", body), 200)


# -- enumeration by message (found by bench/enumeration.py, fixed) -------------------------


def test_a_wrong_code_and_an_unknown_person_get_the_same_activation_answer(api):
    registered = api.seed()
    unknown = person()
    answers = []
    for p in (registered, unknown):
        response = api.start_enrolment(p, code="ABCDEFGHJKMN")
        error = response.json()["error"]
        answers.append((response.status_code, error["code"], error["message"], error["details"]))
    assert answers[0] == answers[1]
