"""Who may call what: sessions, the admin token, development-only endpoints, and one person's data."""

from __future__ import annotations

import pytest

from mes_cli.server.http.routes import OPERATIONS
from support.api import bearer, expect_error
from support.people import OTHER_PASSWORD, STRONG_PASSWORD, person

SESSION_OPERATIONS = [op for op in OPERATIONS if op.access == "session"]
DEV_OPERATIONS = [op for op in OPERATIONS if op.access == "dev"]
ADMIN_OPERATIONS = [op for op in OPERATIONS if op.access == "admin"]
OP_ID = {"ids": lambda op: op.operation_id}

# A body each session operation would accept, so that only access decides the answer.
VALID_BODIES = {
    "closeAccount": {"password": STRONG_PASSWORD},
    "confirmTotp": {"code": "123456"},
    "disableTotp": {"password": STRONG_PASSWORD},
}


def call(api, op, **kwargs):
    body = VALID_BODIES.get(op.operation_id)
    return api.request(op.method, op.path, json=body, **kwargs)


def test_the_route_table_protects_the_account_operations():
    """A guard on the parametrisation below: these must stay protected (new operations are covered too)."""
    assert {op.operation_id for op in SESSION_OPERATIONS} >= {
        "whoami", "logout", "closeAccount", "enrolTotp", "confirmTotp", "disableTotp"}
    assert {op.operation_id for op in DEV_OPERATIONS} == {
        "readOutbox", "moveClock", "addFault", "listFaults", "clearFaults", "readJournal", "readEvents",
        "triggerEvent", "addWebhook", "listWebhooks", "removeWebhook", "listDeliveries"}
    assert {op.operation_id for op in ADMIN_OPERATIONS} >= {"seedPersons"}
    public = {op.operation_id for op in OPERATIONS if op.access == "public"}
    assert not public & {"whoami", "logout", "closeAccount", "readOutbox", "moveClock", "seedPersons", "addFault",
                         "addWebhook", "readJournal"}


# --- sessions ----------------------------------------------------------------------------


@pytest.mark.parametrize("op", SESSION_OPERATIONS, **OP_ID)
def test_session_operation_refuses_no_token(api, op):
    error = expect_error(call(api, op), "AUTH_REQUIRED")
    assert "mes login" in error["message"]


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc", "bearer"])
@pytest.mark.parametrize("op", SESSION_OPERATIONS, **OP_ID)
def test_session_operation_refuses_a_missing_or_foreign_scheme(api, op, header):
    expect_error(call(api, op, headers={"Authorization": header}), "AUTH_REQUIRED")


@pytest.mark.parametrize("token", ["garbage", "x" * 43, "' OR 1=1 --", "%C3%A9" * 8, "a" * 1000, "two words"])
@pytest.mark.parametrize("op", SESSION_OPERATIONS, **OP_ID)
def test_session_operation_refuses_a_garbage_token(api, op, token):
    expect_error(call(api, op, headers={"Authorization": f"Bearer {token}"}), "SESSION_EXPIRED")


def test_session_operations_refuse_a_revoked_token(api):
    p = api.active_person()
    token = p["token"]
    assert api.ok(api.get("/v1/me", token=token))["account"]["identifier"] == p["identifier"]
    response = api.delete("/v1/session", token=token)
    assert response.status_code == 204 and response.content == b""
    for op in SESSION_OPERATIONS:
        expect_error(call(api, op, token=token), "SESSION_EXPIRED")
    row = api.ctx.store.one("SELECT revoked_at FROM sessions WHERE person_id = ?", (p["id"],))
    assert row["revoked_at"] is not None
    # The person's account is untouched: a new login works.
    assert api.ok(api.get("/v1/me", token=api.login(p)))["account"]["state"] == "active"


def test_logout_closes_only_that_session(api):
    p = api.active_person()
    first, second = p["token"], api.login(p)
    assert first != second
    assert api.delete("/v1/session", token=first).status_code == 204
    expect_error(api.get("/v1/me", token=first), "SESSION_EXPIRED")
    assert api.ok(api.get("/v1/me", token=second))["account"]["person_id"] == p["id"]


def test_a_password_reset_closes_every_session(api):
    p = api.active_person()
    tokens = [p["token"], api.login(p)]
    api.reset_password(p, OTHER_PASSWORD)
    for token in tokens:
        expect_error(api.get("/v1/me", token=token), "SESSION_EXPIRED")
    expect_error(api.start_login(p, password=STRONG_PASSWORD), "INVALID_CREDENTIALS")
    assert api.ok(api.get("/v1/me", token=api.login(p)))["account"]["identifier"] == p["identifier"]


def test_closing_the_account_closes_every_session(api):
    p = api.active_person()
    other = api.login(p)
    closed = api.ok(api.post("/v1/account/close", {"password": STRONG_PASSWORD}, token=p["token"]))
    assert closed["state"] == "closed"
    for token in (p["token"], other):
        expect_error(api.get("/v1/me", token=token), "SESSION_EXPIRED")


def test_a_session_expires_after_two_idle_hours(api):
    p = api.active_person()
    api.advance(2 * 3600 - 1)
    me = api.ok(api.get("/v1/me", token=p["token"]))  # activity pushes the idle deadline
    assert me["idle_expires_at"] > me["session_created_at"]
    api.advance(2 * 3600 - 1)
    api.ok(api.get("/v1/me", token=p["token"]))
    api.advance(2 * 3600)
    expect_error(api.get("/v1/me", token=p["token"]), "SESSION_EXPIRED")


def test_a_session_ends_after_twelve_hours_however_active(api):
    p = api.active_person()
    for _ in range(11):
        api.advance(3600)
        api.ok(api.get("/v1/me", token=p["token"]))
    api.advance(3599)
    me = api.ok(api.get("/v1/me", token=p["token"]))
    assert me["idle_expires_at"] == me["session_expires_at"]  # capped by the absolute deadline
    api.advance(1)
    expect_error(api.get("/v1/me", token=p["token"]), "SESSION_EXPIRED")


def test_the_token_is_not_accepted_in_the_query_string(api):
    p = api.active_person()
    expect_error(api.get("/v1/me", params={"token": p["token"]}), "AUTH_REQUIRED")
    expect_error(api.get("/v1/me", params={"access_token": p["token"]}), "AUTH_REQUIRED")


# --- one person's data ------------------------------------------------------------------------


def test_a_session_shows_only_its_own_person(api):
    a = api.active_person(first_name="Alice", last_name="Durand")
    b = api.active_person(first_name="Bruno", last_name="Petit")
    me_a = api.ok(api.get("/v1/me", token=a["token"]))["account"]
    me_b = api.ok(api.get("/v1/me", token=b["token"]))["account"]
    assert (me_a["person_id"], me_a["identifier"], me_a["first_name"], me_a["email"]) == (
        a["id"], a["identifier"], "Alice", a["email"])
    assert (me_b["person_id"], me_b["identifier"], me_b["first_name"], me_b["email"]) == (
        b["id"], b["identifier"], "Bruno", b["email"])
    text_a = api.get("/v1/me", token=a["token"]).text
    for value in (b["id"], b["identifier"], b["email"], b["mobile"], "Bruno", b["nir"]):
        assert value not in text_a


def test_one_session_acts_only_on_its_own_account(api):
    a, b = api.active_person(), api.active_person()
    # A's password does not close B's account through B's token, and A's TOTP enrolment is A's only.
    expect_error(api.post("/v1/account/close", {"password": OTHER_PASSWORD}, token=b["token"]), "WRONG_PASSWORD")
    api.ok(api.post("/v1/account/totp", token=a["token"]), 201)
    spaces = {r["person_id"]: r for r in api.ctx.store.all("SELECT * FROM spaces")}
    assert spaces[a["id"]]["totp_pending_secret"] and not spaces[b["id"]]["totp_pending_secret"]
    expect_error(api.post("/v1/account/totp/confirm", {"code": "123456"}, token=b["token"]), "TOTP_NOT_ENROLLED")
    # Closing A leaves B's session and account alone.
    api.ok(api.post("/v1/account/close", {"password": STRONG_PASSWORD}, token=a["token"]))
    assert api.ok(api.get("/v1/me", token=b["token"]))["account"]["state"] == "active"


def test_a_session_token_is_bound_to_the_login_that_opened_it(api):
    a, b = api.active_person(), api.active_person()
    sessions = api.ctx.store.all("SELECT person_id FROM sessions ORDER BY created_at")
    assert sorted(r["person_id"] for r in sessions) == sorted([a["id"], b["id"]])
    assert a["token"] != b["token"]


# --- the admin token ----------------------------------------------------------------------------


@pytest.mark.parametrize("given", [None, "", "wrong", "secre", "secret ", "SECRET", "secretsecret"])
def test_admin_operation_refuses_a_wrong_admin_token(make_api, given):
    api = make_api(admin_token="secret")
    headers = {} if given is None else {"X-Admin-Token": given}
    error = expect_error(api.post("/v1/admin/persons", {"persons": [person()]}, headers=headers),
                         "ADMIN_REQUIRED")
    assert "secret" not in error["message"].replace("--admin-token", "")
    assert api.ctx.store.all("SELECT * FROM persons") == []


def test_admin_operation_accepts_the_admin_token(make_api):
    api = make_api(admin_token="secret")
    p = person()
    seeded = api.ok(api.post("/v1/admin/persons", {"persons": [p]}, headers={"X-Admin-Token": "secret"}), 201)
    assert seeded["persons"][0]["nir"] == p["nir"]


def test_admin_token_is_needed_even_in_dev_mode_when_set(make_api):
    api = make_api(dev=True, admin_token="secret")
    expect_error(api.post("/v1/admin/persons", {"persons": [person()]}), "ADMIN_REQUIRED")


def test_admin_is_open_in_dev_mode_without_an_admin_token(api):
    assert api.ok(api.post("/v1/admin/persons", {"persons": [person()]}), 201)


@pytest.mark.parametrize("given", [None, "", "anything"])
def test_admin_operation_refuses_everyone_without_dev_mode_or_admin_token(make_api, given):
    api = make_api(dev=False, admin_token=None)
    headers = {} if given is None else {"X-Admin-Token": given}
    error = expect_error(api.post("/v1/admin/persons", {"persons": [person()]}, headers=headers),
                         "ADMIN_REQUIRED")
    assert "--admin-token" in error["message"]
    assert api.ctx.store.all("SELECT * FROM persons") == []


def test_admin_access_is_checked_before_the_body(make_api):
    api = make_api(dev=False, admin_token="secret")
    expect_error(api.client.post("/v1/admin/persons", content=b"{not json"), "ADMIN_REQUIRED")


def test_session_access_is_checked_before_the_body(api):
    expect_error(api.client.post("/v1/account/close", content=b"{not json"), "AUTH_REQUIRED")


# --- development-only endpoints ---------------------------------------------------------------


@pytest.mark.parametrize("op", DEV_OPERATIONS, **OP_ID)
@pytest.mark.parametrize("admin_token", [None, "secret"])
def test_dev_operation_needs_dev_mode(make_api, op, admin_token):
    api = make_api(dev=False, admin_token=admin_token)
    headers = {"X-Admin-Token": admin_token} if admin_token else {}
    body = {"advance_seconds": 3600} if op.method == "POST" else None
    error = expect_error(api.request(op.method, op.path, json=body, headers=headers), "DEV_MODE_REQUIRED")
    assert "--dev" in error["message"]
    assert api.ctx.store.get_meta("clock_offset_seconds", "0") == "0"


def test_outbox_of_a_non_dev_server_is_not_readable_even_for_a_known_recipient(make_api):
    api = make_api(dev=False, admin_token="secret")
    p = api.seed()
    expect_error(api.get("/v1/dev/outbox", params={"to": p["nir"]}), "DEV_MODE_REQUIRED")


def test_dev_mode_is_checked_before_the_query(make_api):
    api = make_api(dev=False)
    expect_error(api.get("/v1/dev/outbox", params={"limit": "0"}), "DEV_MODE_REQUIRED")


def test_health_and_openapi_are_public_without_dev_mode(make_api):
    api = make_api(dev=False)
    health = api.ok(api.get("/health"))
    assert health["status"] == "ok" and health["dev"] is False
    assert api.ok(api.get("/openapi.json"))["openapi"].startswith("3.1")


def test_bearer_header_is_case_insensitive_on_the_scheme(api):
    p = api.active_person()
    for scheme in ("Bearer", "bearer", "BEARER"):
        me = api.ok(api.get("/v1/me", headers={"Authorization": f"{scheme} {p['token']}"}))
        assert me["account"]["person_id"] == p["id"]
    assert bearer("x") == {"Authorization": "Bearer x"}
