"""Driving the reference server's HTTP API in-process, for the server-level tests.

``Api`` wraps an ``httpx.Client`` on ``httpx.WSGITransport(app)`` together with the
``ServerContext`` behind the app, so that a test can call the API exactly as a
remote client would, and still read the database or the recorded notifications.
The multi-step flows (seed, activate, log in) are written once here.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import httpx

from mes_cli.contract.errors import CATALOGUE
from mes_cli.server.context import ServerContext
from mes_cli.server.http.app import create_app
from mes_cli.server.notify import Notification, Outbox
from mes_cli.server.settings import Settings
from support.people import STRONG_PASSWORD, person

_identifiers = itertools.count(1)

ERROR_KEYS = {"code", "message", "details", "request_id"}


def expect_error(response: httpx.Response, code: str) -> dict:
    """Checks the one error shape and returns ``error``; the status must be the catalogue's for ``code``."""
    assert code in CATALOGUE, f"{code} is not in the catalogue"
    assert response.status_code == CATALOGUE[code].status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == ERROR_KEYS, error
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"].strip(), error
    assert isinstance(error["details"], dict), error
    assert error["request_id"] and response.headers["x-request-id"] == error["request_id"], (
        response.headers, error)
    return error


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class RecordingOutbox(Outbox):
    """The real outbox that also keeps every notification as the server handed it over (secrets included).

    Lets a test read the codes a server outside development mode sends, without
    a mail server: the stored copy stays redacted, as in production.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[Notification] = []

    def send(self, note: Notification) -> int:
        self.sent.append(note)
        return super().send(note)

    def last(self, recipient: str, kind: str | None = None) -> Notification:
        for note in reversed(self.sent):
            if note.recipient == recipient and (kind is None or note.kind == kind):
                return note
        raise AssertionError(f"nothing was sent to {recipient} (kind {kind})")


def build_context(settings: Settings, *, record: bool = False) -> ServerContext:
    """The server's context; with ``record`` its outbox also keeps what it sent (see RecordingOutbox)."""
    ctx = ServerContext.build(settings)
    if record:
        ctx.outbox = RecordingOutbox(ctx.store, ctx.clock, {}, keep_secrets=settings.dev)
    return ctx


@dataclass
class Api:
    client: httpx.Client
    ctx: ServerContext
    admin_token: str | None = None
    people: list[dict] = field(default_factory=list)

    @classmethod
    def start(cls, settings: Settings, ctx: ServerContext | None = None) -> "Api":
        ctx = ctx or ServerContext.build(settings)
        client = httpx.Client(transport=httpx.WSGITransport(app=create_app(settings, ctx)), base_url="http://test")
        return cls(client, ctx, admin_token=settings.admin_token)

    def close(self) -> None:
        self.client.close()
        self.ctx.store.shutdown()

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    # -- raw calls ---------------------------------------------------------------

    def request(self, method: str, path: str, *, token: str | None = None, headers: dict | None = None,
                **kwargs) -> httpx.Response:
        all_headers = {**(bearer(token) if token else {}), **(headers or {})}
        return self.client.request(method, path, headers=all_headers, **kwargs)

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs) -> httpx.Response:
        return self.request("POST", path, json=body, **kwargs)

    def delete(self, path: str, **kwargs) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def ok(self, response: httpx.Response, status: int | None = None) -> Any:
        assert response.is_success, (response.status_code, response.text)
        if status is not None:
            assert response.status_code == status, (response.status_code, response.text)
        return response.json() if response.content else None

    # -- development helpers -------------------------------------------------------

    def advance(self, seconds: float) -> dict:
        return self.ok(self.post("/v1/dev/clock", {"advance_seconds": int(seconds)}))

    def messages(self, to: str, limit: int = 100) -> list[dict]:
        return self.ok(self.get("/v1/dev/outbox", params={"to": to, "limit": limit}))["messages"]

    def last_message(self, to: str) -> dict | None:
        messages = self.ok(self.get("/v1/dev/outbox", params={"to": to, "limit": 1}))["messages"]
        return messages[-1] if messages else None

    # -- flows ---------------------------------------------------------------------

    def seed(self, **overrides) -> dict:
        """Registers one person; returns their identity with ``id`` and the code of their letter (or None)."""
        p = person(**overrides)
        headers = {"X-Admin-Token": self.admin_token} if self.admin_token else {}
        seeded = self.ok(self.post("/v1/admin/persons", {"persons": [p]}, headers=headers), 201)
        p["id"] = seeded["persons"][0]["id"]
        p["code"] = self._letter_code(p)
        self.people.append(p)
        return p

    def _letter_code(self, p: dict) -> str | None:
        if isinstance(self.ctx.outbox, RecordingOutbox):
            notes = [n for n in self.ctx.outbox.sent if n.person_id == p["id"] and n.kind == "information_letter"]
            return notes[-1].code if notes else None
        if not self.settings.dev:
            return None  # outside development mode nobody can read the outbox
        letter = self.last_message(p["nir"])
        return letter["code"] if letter else None

    def last_of_kind(self, to: str, kind: str | None = None) -> dict:
        """The newest message to ``to`` (of ``kind`` when given), from the dev outbox or the recorded one."""
        if isinstance(self.ctx.outbox, RecordingOutbox):
            note = self.ctx.outbox.last(to, kind)
            return {"kind": note.kind, "code": note.code, "link": note.link, "body": note.body}
        for message in reversed(self.messages(to, limit=50)):
            if kind is None or message["kind"] == kind:
                return message
        raise AssertionError(f"no {kind or 'message'} was sent to {to}")

    def sent_code(self, to: str, kind: str | None = None) -> str:
        """The code of the newest notification to ``to`` (of ``kind`` when given)."""
        return self.last_of_kind(to, kind)["code"]

    @staticmethod
    def identity(p: dict) -> dict:
        return {"nir": p["nir"], "card_serial": p["card_serial"], "birth_date": p["birth_date"]}

    def start_enrolment(self, p: dict, code: str | None = None) -> httpx.Response:
        return self.post("/v1/enrolments", {**self.identity(p), "code": code or p["code"]})

    def enrol(self, p: dict, code: str | None = None) -> dict:
        return self.ok(self.start_enrolment(p, code), 201)

    def new_identifier(self, p: dict) -> str:
        return f"user.{p['nir'][-6:]}.{next(_identifiers)}"

    def activate_request(self, enrolment_id: str, identifier: str, password: str = STRONG_PASSWORD,
                         accept_terms: bool = True) -> httpx.Response:
        return self.post("/v1/enrolments/activate", {"enrolment_id": enrolment_id, "identifier": identifier,
                                                     "password": password, "accept_terms": accept_terms})

    def activate(self, p: dict, identifier: str | None = None, password: str = STRONG_PASSWORD) -> dict:
        enrolment = self.enrol(p)
        identifier = identifier or self.new_identifier(p)
        account = self.ok(self.activate_request(enrolment["enrolment_id"], identifier, password), 200)
        p["identifier"], p["password"] = identifier, password
        return account

    def start_login(self, p: dict, channel: str = "email", password: str | None = None) -> httpx.Response:
        return self.post("/v1/logins", {"identifier": p["identifier"], "password": password or p["password"],
                                        "channel": channel})

    def verify_login(self, login_id: str, code: str) -> httpx.Response:
        return self.post("/v1/logins/verify", {"login_id": login_id, "code": code})

    def login(self, p: dict, channel: str = "email") -> str:
        """Both login steps; returns the session token (also kept in ``p["token"]``)."""
        started = self.ok(self.start_login(p, channel), 201)
        code = self.sent_code(p["email"] if channel == "email" else p["mobile"], "login_code")
        session = self.ok(self.verify_login(started["login_id"], code), 201)
        p["token"] = session["token"]
        return session["token"]

    def active_person(self, **overrides) -> dict:
        p = self.seed(**overrides)
        self.activate(p)
        self.login(p)
        return p

    def reset_link_token(self, p: dict) -> str:
        """The token of the last reset link e-mailed to ``p``."""
        link = self.last_of_kind(p["email"], "password_reset")["link"]
        match = re.search(r"[?&]token=([A-Za-z0-9_-]+)", link)
        assert match, link
        return match.group(1)

    def reset_password(self, p: dict, new_password: str) -> str:
        """Forgotten password by e-mail link, end to end; updates ``p["password"]``, returns the link's token."""
        self.ok(self.post("/v1/password-resets", {**self.identity(p), "channel": "email"}), 202)
        token = self.reset_link_token(p)
        self.ok(self.post("/v1/password-resets/complete", {"token": token, "new_password": new_password}), 200)
        p["password"] = new_password
        return token
