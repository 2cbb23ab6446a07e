"""The account lifecycle and documents as a hypothesis state machine, over the HTTP API, in-process.

Rules drive people through DOMAIN.md §2–3 and §5: seeded (letter sent), activated with
the letter's code or a new one, opposed, asking for new codes (30 s apart: the clock is
moved), logging in (password + code from the outbox), wrong login codes, logout,
password reset by SMS code, document upload and deletion, closure, reopening, and the
clock moving from seconds to weeks. The model keeps every token ever issued.

After every step the invariants hold: an opposed person is never active and has no
session; a revoked or expired session never works again (every old token is tried);
a token known to be live works; a document is listed iff its row's blob file exists
with the right SHA-256; the person's documents are those the model expects;
``PRAGMA integrity_check`` is ``ok``.
"""

from __future__ import annotations

import collections
import hashlib
import itertools
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from mes_cli.contract.errors import MesError
from mes_cli.server.settings import Settings
from support.api import Api, build_context
from support.people import STRONG_PASSWORD

IDLE = 2 * 3600
ABSOLUTE = 12 * 3600
MARGIN = 120  # last_seen_at is written at most once a minute: stay clear of the idle boundary
LETTER_VALIDITY = 6 * 7 * 86400
ON_DEMAND_VALIDITY = 72 * 3600
MAX_PEOPLE = 3
# A small pool, so that two documents often share one content-addressed blob.
CONTENTS = [b"Compte rendu de consultation.\n", b"Ordonnance: repos.\n", b"Resultats: normaux.\n"]
_passwords = itertools.count(1)
STATS: collections.Counter = collections.Counter()  # what the steps achieved (printed with -s)


def _password() -> str:
    return f"Nouv3au-Secret!{next(_passwords)}"


class Token:
    def __init__(self, value: str, owner: dict, now: int) -> None:
        self.value, self.owner, self.created, self.seen = value, owner, now, now


def _any(state: str | tuple[str, ...]):
    states = (state,) if isinstance(state, str) else state
    return lambda self: any(p["state"] in states for p in self.persons)


def _with_session(self) -> bool:
    return bool(self.live)


class Lifecycle(RuleBasedStateMachine):
    # Where each run keeps its data: None (SQLite in its directory) or a new PostgreSQL store's URL;
    # set by the test for the store it runs on.
    new_database: Callable[[], str | None] = staticmethod(lambda: None)
    drop_database: Callable[[str], None] = staticmethod(lambda url: None)

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="mes-lifecycle-"))
        self.database_url = self.new_database()
        settings_ = Settings(data_dir=self.tmp / "data", dev=True, database_url=self.database_url)
        self.api = Api.start(settings_, build_context(settings_))
        self.now = 0  # seconds the server clock was moved
        self.last_code_request: dict[str, int] = {}
        self.live: list[Token] = []  # known to work
        self.dead: list[Token] = []  # revoked or certainly expired: must never work again
        self.persons: list[dict] = []

    def teardown(self) -> None:
        self.api.close()
        if self.database_url:
            self.drop_database(self.database_url)
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- helpers ---------------------------------------------------------------------------------

    def advance(self, seconds: int) -> None:
        self.api.advance(seconds)
        self.now += seconds
        for token in list(self.live):
            idle, age = self.now - token.seen, self.now - token.created
            if idle >= IDLE or age >= ABSOLUTE:
                self.live.remove(token)
                self.dead.append(token)
            elif idle >= IDLE - MARGIN or age >= ABSOLUTE - MARGIN:
                self.live.remove(token)  # too close to call: neither checked live nor dead

    def revoke_all(self, p: dict) -> None:
        for token in [t for t in self.live if t.owner is p]:
            self.live.remove(token)
            self.dead.append(token)
        p["tokens_maybe"] = []

    def token_of(self, p: dict) -> Token | None:
        return next((t for t in reversed(self.live) if t.owner is p), None)

    def code_usable(self, p: dict) -> bool:
        return p["code"] is not None and not p["code_used"] and self.now < p["code_expires"]

    def wait_for_code_request(self, p: dict) -> None:
        last = self.last_code_request.get(p["nir"])
        if last is not None and self.now - last < 31:
            self.advance(31 - (self.now - last))

    def new_code(self, p: dict, channel: str) -> bool:
        """Asks for a new provisional code (after the 30 s minimum delay); True when one was sent."""
        self.wait_for_code_request(p)
        response = self.api.post("/v1/provisional-codes", {**Api.identity(p), "channel": channel})
        if p["state"] == "active":
            assert response.status_code == 409, (response.status_code, response.text)
            return False
        assert response.status_code == 201, (response.status_code, response.text)
        self.last_code_request[p["nir"]] = self.now
        p["code"] = self.api.sent_code(p["email"] if channel == "email" else p["mobile"])
        p["code_used"], p["code_expires"] = False, self.now + ON_DEMAND_VALIDITY
        STATS["new_code"] += 1
        # Asking again at once is refused, and does not replace the code just sent.
        again = self.api.post("/v1/provisional-codes", {**Api.identity(p), "channel": channel})
        assert again.status_code == 429 and again.json()["error"]["code"] == "MIN_DELAY_ERROR", again.text
        return True

    def enrol(self, p: dict):
        response = self.api.start_enrolment(p, p["code"])
        if p["state"] == "active":
            assert response.json()["error"]["code"] in ("ALREADY_ACTIVE", "CODE_ALREADY_USED"), response.text
            return None
        if not self.code_usable(p):
            assert response.status_code in (404, 410), (response.status_code, response.text)
            return None
        assert response.status_code == 201, (response.status_code, response.text)
        return response.json()

    # -- rules -----------------------------------------------------------------------------------

    def pick(self, data, states: str | tuple[str, ...] | None = None) -> dict:
        states = (states,) if isinstance(states, str) else states
        return data.draw(st.sampled_from([p for p in self.persons if states is None or p["state"] in states]))

    @initialize()
    def first_person(self):
        """One person starts active and logged in, so that short runs reach documents and closure."""
        self.seed()
        p = self.persons[0]
        self.api.activate(p, password=_password())
        p.update(state="active", code_used=True)
        p["identifiers"].append(p["identifier"])
        self.live.append(Token(self.api.login(p), p, self.now))

    @precondition(lambda self: len(self.persons) < MAX_PEOPLE)
    @rule()
    def seed(self):
        p = self.api.seed()
        p.update(state="pending", code_used=False, code_expires=self.now + LETTER_VALIDITY, identifiers=[],
                 password=None, docs={})
        self.persons.append(p)

    @precondition(_any(("pending", "opposed", "closed")))
    @rule(data=st.data(), fresh=st.booleans(), channel=st.sampled_from(["email", "sms"]))
    def activate(self, data, fresh, channel):
        p = self.pick(data, ("pending", "opposed", "closed"))
        if fresh and not self.new_code(p, channel):
            return
        enrolment = self.enrol(p)
        if enrolment is None:
            return
        identifier = self.api.new_identifier(p)
        password = _password()
        response = self.api.activate_request(enrolment["enrolment_id"], identifier, password)
        assert response.status_code == 200, response.text
        assert response.json()["state"] == "active", response.text
        p.update(state="active", identifier=identifier, password=password, code_used=True)
        p["identifiers"].append(identifier)
        STATS["activated"] += 1

    @rule(data=st.data(), fresh=st.booleans())
    def oppose(self, data, fresh):
        p = self.pick(data)
        if fresh and not self.new_code(p, "email"):
            return
        enrolment = self.enrol(p)
        if enrolment is None:
            return
        response = self.api.post("/v1/enrolments/oppose", {"enrolment_id": enrolment["enrolment_id"]})
        if p["state"] == "closed":
            assert response.status_code == 409, response.text  # a closed space is closed, not opposed
            return
        assert response.status_code == 200, response.text
        assert response.json()["reference"].startswith("OPP-")
        p.update(state="opposed", code_used=True)
        STATS["opposed"] += 1

    @precondition(lambda self: any(p["identifiers"] for p in self.persons))
    @rule(data=st.data(), channel=st.sampled_from(["email", "sms"]))
    def login(self, data, channel):
        p = data.draw(st.sampled_from([p for p in self.persons if p["identifiers"]]))
        identifier = p.get("identifier") or (p["identifiers"][-1] if p["identifiers"] else None)
        if identifier is None:
            return
        started = self.api.post("/v1/logins", {"identifier": identifier, "password": p["password"] or STRONG_PASSWORD,
                                               "channel": channel})
        if p["state"] != "active":
            assert started.status_code in (401, 403, 429), (p["state"], started.status_code, started.text)
            return
        if started.status_code in (423, 429):  # growing delays after wrong codes: wait them out
            self.advance(int(started.json()["error"]["details"].get("retry_after_seconds", 60)) + 1)
            return
        assert started.status_code == 201, started.text
        code = self.api.sent_code(p["email"] if channel == "email" else p["mobile"], "login_code")
        session = self.api.verify_login(started.json()["login_id"], code)
        assert session.status_code == 201, session.text
        self.live.append(Token(session.json()["token"], p, self.now))
        STATS["logged_in"] += 1

    @precondition(_any("active"))
    @rule(data=st.data(), wrong=st.sampled_from(["000000", "123456", "999999"]))
    def wrong_login_code(self, data, wrong):
        p = self.pick(data, "active")
        started = self.api.start_login(p)
        if started.status_code in (423, 429):
            return
        assert started.status_code == 201, started.text
        sent = self.api.sent_code(p["email"], "login_code")
        if sent == wrong:
            wrong = "111111" if sent != "111111" else "222222"
        response = self.api.verify_login(started.json()["login_id"], wrong)
        assert 400 <= response.status_code < 500 and "token" not in response.json(), response.text
        STATS["wrong_code"] += 1

    @precondition(lambda self: self.live)
    @rule(data=st.data())
    def logout(self, data):
        token = data.draw(st.sampled_from(self.live))
        response = self.api.delete("/v1/session", token=token.value)
        assert response.status_code == 204, response.text
        self.live.remove(token)
        self.dead.append(token)
        STATS["logged_out"] += 1

    @precondition(_any("active"))
    @rule(data=st.data())
    def reset_password(self, data):
        p = self.pick(data, "active")
        self.wait_for_code_request(p)  # reset requests, too, are at least 30 s apart
        started = self.api.post("/v1/password-resets", {**Api.identity(p), "channel": "sms"})
        assert started.status_code == 202, started.text
        self.last_code_request[p["nir"]] = self.now
        code = self.api.sent_code(p["mobile"])
        password = _password()
        done = self.api.post("/v1/password-resets/complete", {"reset_id": started.json()["reset_id"], "code": code,
                                                             "new_password": password})
        assert done.status_code == 200, done.text
        p["password"] = password
        self.revoke_all(p)
        STATS["reset"] += 1

    @precondition(_with_session)
    @rule(data=st.data(), content=st.sampled_from(CONTENTS))
    def upload(self, data, content):
        token = data.draw(st.sampled_from(self.live))
        p = token.owner
        response = self.api.request("POST", f"/v1/profiles/{p['id']}/documents", token=token.value,
                                    params={"title": "Document d'essai", "category": "CPT_REND"}, content=content,
                                    headers={"Content-Type": "application/octet-stream"})
        assert response.status_code == 201, response.text
        document = response.json()["document"]
        assert document["sha256"] == hashlib.sha256(content).hexdigest()
        p["docs"][document["id"]] = document["sha256"]
        STATS["uploaded"] += 1

    @precondition(lambda self: any(t.owner["docs"] for t in self.live))
    @rule(data=st.data())
    def delete_document(self, data):
        token = data.draw(st.sampled_from([t for t in self.live if t.owner["docs"]]))
        p = token.owner
        document_id = data.draw(st.sampled_from(sorted(p["docs"])))
        response = self.api.delete(f"/v1/profiles/{p['id']}/documents/{document_id}", token=token.value)
        assert response.status_code == 204, response.text
        del p["docs"][document_id]
        again = self.api.delete(f"/v1/profiles/{p['id']}/documents/{document_id}", token=token.value)
        assert again.status_code == 404, again.text
        STATS["deleted"] += 1

    @precondition(_with_session)
    @rule(data=st.data(), delete_data=st.booleans())
    def close(self, data, delete_data):
        token = data.draw(st.sampled_from(self.live))
        p = token.owner
        response = self.api.post("/v1/account/close", {"password": p["password"], "delete_data": delete_data},
                                 token=token.value)
        assert response.status_code == 200, response.text
        p.update(state="closed", identifier=None)
        self.revoke_all(p)
        STATS["closed"] += 1

    @rule(seconds=st.sampled_from([1, 31, 600, 3600, 2 * 3600 + 1, 86400, 3 * 86400 + 1, 7 * 86400,
                                   6 * 7 * 86400 + 1]))
    def move_clock(self, seconds):
        self.advance(seconds)

    # -- invariants ------------------------------------------------------------------------------

    @invariant()
    def database_is_sound(self):
        if self.api.ctx.store.backend == "sqlite":  # PostgreSQL checks its pages and keys as it writes
            assert self.api.ctx.store.one("PRAGMA integrity_check")[0] == "ok"

    @invariant()
    def revoked_sessions_never_work_again(self):
        for token in self.dead:
            response = self.api.get("/v1/me", token=token.value)
            assert response.status_code == 401, (response.status_code, response.text)

    @invariant()
    def live_sessions_work(self):
        for token in self.live:
            response = self.api.get("/v1/me", token=token.value)
            assert response.status_code == 200, (response.status_code, response.text)
            if self.now - token.seen >= 60:
                token.seen = self.now

    @invariant()
    def opposed_people_are_never_active(self):
        store = self.api.ctx.store
        for row in store.all("SELECT person_id, state, identifier, password_hash FROM spaces WHERE state = 'opposed'"):
            assert row["identifier"] is None and row["password_hash"] is None, dict(row)
            sessions = store.one("SELECT count(*) FROM sessions WHERE person_id = ? AND revoked_at IS NULL",
                                 (row["person_id"],))[0]
            assert sessions == 0, dict(row)
        for p in self.people_seen():
            state = store.one("SELECT state FROM spaces WHERE person_id = ?", (p["id"],))["state"]
            assert state == p["state"] or (p["state"] == "pending" and state in ("pending", "open")), (
                p["state"], state)
            if p["state"] == "opposed":
                for identifier in p["identifiers"]:
                    response = self.api.post("/v1/logins", {"identifier": identifier, "password": p["password"],
                                                            "channel": "email"})
                    assert response.status_code in (401, 403), response.text

    @invariant()
    def documents_listed_iff_blob_intact(self):
        store, blobs = self.api.ctx.store, self.api.ctx.blobs  # files on SQLite, rows on PostgreSQL
        rows = store.all("SELECT id, profile_id, sha256 FROM documents")
        for row in rows:
            try:
                data = b"".join(blobs.chunks(row["sha256"]))
            except MesError as missing:
                raise AssertionError(f"document {row['id']} is listed but its bytes are missing") from missing
            assert hashlib.sha256(data).hexdigest() == row["sha256"], row["id"]
        for p in self.people_seen():
            assert {r["id"] for r in rows if r["profile_id"] == p["id"]} == set(p["docs"]), p["id"]
            token = self.token_of(p)
            if token is not None:
                listed = self.api.get(f"/v1/profiles/{p['id']}/documents", token=token.value,
                                      params={"limit": 1000}).json()["documents"]
                assert {d["id"]: d["sha256"] for d in listed} == p["docs"]

    def people_seen(self) -> list[dict]:
        return self.persons


def test_account_lifecycle_state_machine(frozen_time, backend, request):
    machine = Lifecycle
    if backend == "postgresql":
        postgres = request.getfixturevalue("postgres")
        machine = type("LifecycleOnPostgres", (Lifecycle,), {"new_database": staticmethod(postgres.new_database),
                                                             "drop_database": staticmethod(postgres.drop_database)})
    run_state_machine_as_test(machine, settings=settings(
        max_examples=30, stateful_step_count=20, deadline=None, derandomize=True, database=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a failing run would spend minutes shrinking
        suppress_health_check=list(HealthCheck)))
    print("lifecycle steps that took effect:", dict(STATS))
