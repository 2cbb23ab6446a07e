"""The lifecycle rules of DOMAIN.md §2–3 at the HTTP level: who may activate, codes, expiries, single use."""

from __future__ import annotations

import datetime as dt
import threading

import httpx
import pyotp
import mes_cli
from mes_cli.server.http.app import create_app
from support.api import expect_error
from support.people import OTHER_PASSWORD, STRONG_PASSWORD, person

WEEK = 7 * 86400


def space(api, p) -> dict:
    return dict(api.ctx.store.one("SELECT * FROM spaces WHERE person_id = ?", (p["id"],)))


def outbox_rows(api, p) -> list:
    return api.ctx.store.all("SELECT * FROM outbox WHERE person_id = ? OR recipient IN (?, ?) ORDER BY id",
                             (p["id"], p["email"] or "", p["mobile"] or ""))


# --- the service ----------------------------------------------------------------------------


def test_health_answers_with_the_version(api, frozen_time):
    response = api.get("/health")
    assert response.status_code == 200 and response.headers["x-request-id"]
    health = response.json()
    assert health == {"status": "ok", "version": mes_cli.__version__, "dev": True,
                      "time": frozen_time.strftime("%Y-%m-%dT%H:%M:%SZ")}
    api.advance(3600)
    assert api.get("/health").json()["time"] == (frozen_time + dt.timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


# --- deceased persons --------------------------------------------------------------------------


def test_a_deceased_person_gets_no_letter_and_cannot_ask_for_a_code(api):
    p = person(deceased=True)
    seeded = api.ok(api.post("/v1/admin/persons", {"persons": [p]}), 201)["persons"][0]
    assert seeded["letter_channel"] is None and seeded["state"] == "pending"
    p["id"] = seeded["id"]
    assert outbox_rows(api, p) == [] and api.messages(p["nir"]) == []
    assert api.ctx.store.all("SELECT * FROM provisional_codes WHERE person_id = ?", (p["id"],)) == []
    for channel in ("email", "sms"):
        error = expect_error(api.post("/v1/provisional-codes", {**api.identity(p), "channel": channel}),
                             "DECEASED_INDIVIDUAL")
        assert "deceased" in error["message"]
        api.advance(30)
    assert outbox_rows(api, p) == []
    assert api.ctx.store.all("SELECT * FROM provisional_codes WHERE person_id = ?", (p["id"],)) == []


def test_a_letter_code_stops_working_when_the_person_is_recorded_deceased(api):
    p = api.seed()
    # The registry learns of the death after the letter was sent (no endpoint does this: the caisse does).
    api.ctx.store.run("UPDATE persons SET deceased = 1 WHERE id = ?", (p["id"],))
    expect_error(api.start_enrolment(p), "DECEASED_INDIVIDUAL")
    assert api.ctx.store.all("SELECT * FROM enrolments WHERE person_id = ?", (p["id"],)) == []
    assert api.ctx.store.one("SELECT used_at FROM provisional_codes WHERE person_id = ?", (p["id"],))[0] is None


# --- opposition -----------------------------------------------------------------------------------


def test_an_opposed_person_has_no_account_and_state_opposed(api):
    p = api.seed()
    enrolment = api.enrol(p)
    assert enrolment["state"] == "pending"
    receipt = api.ok(api.post("/v1/enrolments/oppose", {"enrolment_id": enrolment["enrolment_id"]}))
    assert receipt["reference"].startswith("OPP-") and receipt["reference"] in receipt["statement"]
    assert receipt["person"] == f"{p['first_name']} {p['last_name']}"
    row = space(api, p)
    assert (row["state"], row["opposition_ref"], row["identifier"], row["password_hash"]) == (
        "opposed", receipt["reference"], None, None)
    notice = api.last_message(p["email"])
    assert notice["kind"] == "opposition_receipt" and receipt["reference"] in notice["body"]
    # No credentials exist, so no login can succeed, whatever is tried.
    for identifier in enrolment["identifier_suggestions"] + [p["nir"], p["email"]]:
        expect_error(api.post("/v1/logins", {"identifier": identifier, "password": STRONG_PASSWORD}),
                     "INVALID_CREDENTIALS")
    # The enrolment and the code are spent.
    expect_error(api.activate_request(enrolment["enrolment_id"], api.new_identifier(p)), "ENROLMENT_EXPIRED")
    expect_error(api.post("/v1/enrolments/oppose", {"enrolment_id": enrolment["enrolment_id"]}),
                 "ENROLMENT_EXPIRED")
    expect_error(api.start_enrolment(p), "CODE_ALREADY_USED")


def test_an_opposed_person_may_change_their_mind_with_a_new_code(api):
    p = api.seed()
    enrolment = api.enrol(p)
    api.ok(api.post("/v1/enrolments/oppose", {"enrolment_id": enrolment["enrolment_id"]}))
    sent = api.ok(api.post("/v1/provisional-codes", {**api.identity(p), "channel": "sms"}), 201)
    assert sent["channel"] == "sms"
    p["code"] = api.sent_code(p["mobile"], "provisional_code")
    again = api.enrol(p)
    assert again["state"] == "opposed"
    account = api.ok(api.activate_request(again["enrolment_id"], api.new_identifier(p)))
    assert account["state"] == "active"
    assert api.ok(api.get("/v1/me", token=api.login({**p, "identifier": account["identifier"],
                                                        "password": STRONG_PASSWORD})))["account"]["state"] == "active"


def test_an_active_space_cannot_be_opposed_nor_get_a_new_code(api):
    p = api.seed()
    first = api.enrol(p)
    second = api.enrol(p)  # two enrolments on the same letter code
    api.ok(api.activate_request(first["enrolment_id"], api.new_identifier(p)))
    expect_error(api.post("/v1/enrolments/oppose", {"enrolment_id": second["enrolment_id"]}), "ALREADY_ACTIVE")
    expect_error(api.post("/v1/provisional-codes", {**api.identity(p), "channel": "email"}), "ALREADY_ACTIVE")
    assert space(api, p)["state"] == "active"


# --- activation ------------------------------------------------------------------------------------


def test_two_enrolments_with_one_code_activate_once(api):
    p = api.seed()
    first, second = api.enrol(p), api.enrol(p)
    assert first["enrolment_id"] != second["enrolment_id"]
    winner = api.new_identifier(p)
    assert api.ok(api.activate_request(first["enrolment_id"], winner))["identifier"] == winner
    error = expect_error(api.activate_request(second["enrolment_id"], api.new_identifier(p), OTHER_PASSWORD),
                         "CODE_ALREADY_USED")
    assert "new-code" in error["message"]
    row = space(api, p)
    assert row["identifier"] == winner
    p.update(identifier=winner, password=STRONG_PASSWORD)
    assert api.login(p)
    expect_error(api.start_login(p, password=OTHER_PASSWORD), "INVALID_CREDENTIALS")


def test_concurrent_activations_with_one_code_let_exactly_one_through(api):
    p = api.seed()
    enrolments = [api.enrol(p)["enrolment_id"] for _ in range(2)]
    identifiers = [api.new_identifier(p) for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list[httpx.Response | None] = [None, None]

    def activate(i: int) -> None:
        app = create_app(api.settings, api.ctx)
        with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://test") as client:
            body = {"enrolment_id": enrolments[i], "identifier": identifiers[i], "password": STRONG_PASSWORD,
                    "accept_terms": True}
            barrier.wait()
            results[i] = client.post("/v1/enrolments/activate", json=body)
        api.ctx.store.close()  # this thread's connection

    threads = [threading.Thread(target=activate, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 410], [r.text for r in results]
    loser = next(r for r in results if r.status_code == 410)
    expect_error(loser, "CODE_ALREADY_USED")
    winner = identifiers[[r.status_code for r in results].index(200)]
    assert space(api, p)["identifier"] == winner
    assert api.ctx.store.one("SELECT COUNT(*) FROM enrolments WHERE person_id = ? AND completed_at IS NOT NULL",
                             (p["id"],))[0] == 1


def test_an_enrolment_expires_after_30_minutes_and_the_code_survives(api):
    p = api.seed()
    enrolment = api.enrol(p)
    api.advance(30 * 60 - 1)
    pending = api.ok(api.post("/v1/enrolments/contacts", {"enrolment_id": enrolment["enrolment_id"]}))
    assert pending["to_verify"] == [] and pending["contacts"]["email"] == p["email"]
    api.advance(1)
    eid = enrolment["enrolment_id"]
    for response in (api.activate_request(eid, api.new_identifier(p)),
                     api.post("/v1/enrolments/contacts", {"enrolment_id": eid}),
                     api.post("/v1/enrolments/verify-contact", {"enrolment_id": eid, "channel": "email",
                                                                "code": "123456"}),
                     api.post("/v1/enrolments/oppose", {"enrolment_id": eid})):
        error = expect_error(response, "ENROLMENT_EXPIRED")
        assert "start again" in error["message"]
    assert space(api, p)["state"] == "pending"
    # The provisional code was not consumed: a new enrolment with it works.
    assert api.activate(p)["state"] == "active"


def test_enrolment_expiry_is_30_minutes_after_the_start(api, frozen_time):
    p = api.seed()
    enrolment = api.enrol(p)
    expected = frozen_time + dt.timedelta(minutes=30)
    assert dt.datetime.fromisoformat(enrolment["expires_at"].replace("Z", "+00:00")) == expected


def test_the_terms_must_be_accepted_and_a_refusal_spends_nothing(api):
    p = api.seed()
    enrolment = api.enrol(p)
    error = expect_error(api.activate_request(enrolment["enrolment_id"], api.new_identifier(p), accept_terms=False),
                         "TERMS_NOT_ACCEPTED")
    assert error["details"] == {"field": "accept_terms"}
    identifier = api.new_identifier(p)
    assert api.ok(api.activate_request(enrolment["enrolment_id"], identifier))["identifier"] == identifier


def test_a_taken_identifier_is_refused_with_suggestions(api):
    a, b = api.seed(), api.seed()
    api.activate(a)
    enrolment = api.enrol(b)
    error = expect_error(api.activate_request(enrolment["enrolment_id"], a["identifier"]), "LOGIN_ALREADY_EXISTS")
    suggestions = error["details"]["suggestions"]
    assert error["details"]["field"] == "identifier" and suggestions and a["identifier"] not in suggestions
    assert api.ok(api.activate_request(enrolment["enrolment_id"], suggestions[0]))["identifier"] == suggestions[0]


def test_a_changed_contact_must_be_verified_before_activation(api):
    p = api.seed()
    enrolment = api.enrol(p)
    eid = enrolment["enrolment_id"]
    new_email = f"nouvelle.{p['nir'][-5:]}@example.fr"
    pending = api.ok(api.post("/v1/enrolments/contacts", {"enrolment_id": eid, "email": new_email}))
    assert pending["to_verify"] == ["email"] and "email" in pending["sent_to"]
    error = expect_error(api.activate_request(eid, api.new_identifier(p)), "CONTACT_NOT_VERIFIED")
    assert error["details"] == {"to_verify": ["email"]}
    code = api.sent_code(new_email, "contact_verification")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    expect_error(api.post("/v1/enrolments/verify-contact", {"enrolment_id": eid, "channel": "email", "code": wrong}),
                 "INVALID_CODE")
    verified = api.ok(api.post("/v1/enrolments/verify-contact", {"enrolment_id": eid, "channel": "email",
                                                                 "code": code}))
    assert verified["to_verify"] == []
    expect_error(api.post("/v1/enrolments/verify-contact", {"enrolment_id": eid, "channel": "email", "code": code}),
                 "CODE_EXPIRED")
    account = api.ok(api.activate_request(eid, api.new_identifier(p)))
    assert account["email"] == new_email


# --- provisional codes -------------------------------------------------------------------------------


def test_a_letter_code_is_valid_six_weeks(api):
    p = api.seed()
    api.advance(6 * WEEK - 1)
    assert api.enrol(p)["state"] == "pending"
    api.advance(1)
    error = expect_error(api.start_enrolment(p), "CODE_EXPIRED")
    assert "new-code" in error["message"]


def test_the_space_opens_six_weeks_after_the_letter(api):
    p = api.seed()
    api.advance(6 * WEEK)
    api.ok(api.post("/v1/provisional-codes", {**api.identity(p), "channel": "email"}), 201)
    p["code"] = api.sent_code(p["email"], "provisional_code")
    assert api.enrol(p)["state"] == "open"


def test_a_code_on_demand_is_valid_72_hours_and_replaces_the_letter(api):
    p = api.seed()
    letter_code = p["code"]
    api.ok(api.post("/v1/provisional-codes", {**api.identity(p), "channel": "email"}), 201)
    new_code = api.sent_code(p["email"], "provisional_code")
    assert new_code != letter_code and len(new_code) == 12
    error = expect_error(api.start_enrolment(p, letter_code), "CODE_EXPIRED")
    assert "replaced" in error["message"]
    api.advance(72 * 3600 - 1)
    assert api.enrol(p, new_code)
    api.advance(1)
    expect_error(api.start_enrolment(p, new_code), "CODE_EXPIRED")


def test_a_code_is_case_sensitive_and_spaces_are_ignored(api):
    p = api.seed()
    code = p["code"]
    swapped = code.swapcase()
    if swapped != code:
        expect_error(api.start_enrolment(p, swapped), "NO_USER_FOUND")
    spaced = " ".join(code[i:i + 4] for i in range(0, 12, 4))
    assert api.enrol(p, spaced)["enrolment_id"]


# --- login challenges -----------------------------------------------------------------------------------


def test_a_login_challenge_cannot_be_used_twice(api):
    p = api.seed()
    api.activate(p)
    started = api.ok(api.start_login(p), 201)
    code = api.sent_code(p["email"], "login_code")
    session = api.ok(api.verify_login(started["login_id"], code), 201)
    assert session["identifier"] == p["identifier"]
    error = expect_error(api.verify_login(started["login_id"], code), "LOGIN_EXPIRED")
    assert "mes login" in error["message"]
    assert len(api.ctx.store.all("SELECT * FROM sessions WHERE person_id = ?", (p["id"],))) == 1


def test_a_login_code_expires_after_ten_minutes(api):
    p = api.seed()
    api.activate(p)
    for wait, outcome in ((10 * 60 - 1, 201), (10 * 60, 410)):
        started = api.ok(api.start_login(p), 201)
        code = api.sent_code(p["email"], "login_code")
        api.advance(wait)
        response = api.verify_login(started["login_id"], code)
        assert response.status_code == outcome, response.text
    expect_error(response, "LOGIN_EXPIRED")


def test_a_login_code_is_bound_to_its_own_attempt(api):
    p = api.seed()
    api.activate(p)
    first = api.ok(api.start_login(p), 201)
    first_code = api.sent_code(p["email"], "login_code")
    while True:
        second = api.ok(api.start_login(p, channel="sms"), 201)
        second_code = api.sent_code(p["mobile"], "login_code")
        if second_code != first_code:
            break
    expect_error(api.verify_login(second["login_id"], first_code), "INVALID_CODE")
    expect_error(api.verify_login("x" * 43, first_code), "LOGIN_EXPIRED")
    assert api.ok(api.verify_login(first["login_id"], first_code), 201)["token"]
    assert api.ok(api.verify_login(second["login_id"], second_code), 201)["token"]


def test_a_login_code_goes_to_the_chosen_channel(api):
    p = api.seed()
    api.activate(p)
    started = api.ok(api.start_login(p, channel="sms"), 201)
    assert started["channel"] == "sms" and started["sent_to"].endswith(p["mobile"][-2:])
    assert p["mobile"] not in started["sent_to"]
    assert api.last_message(p["mobile"])["kind"] == "login_code"


def test_sms_login_without_a_mobile_is_channel_unavailable(api):
    p = api.seed(mobile=None)
    api.activate(p)
    error = expect_error(api.start_login(p, channel="sms"), "CHANNEL_UNAVAILABLE")
    assert error["details"] == {"available": ["email"]}


def test_a_closed_account_cannot_log_in_and_reactivation_restores_it(api):
    p = api.active_person()
    closed = api.ok(api.post("/v1/account/close", {"password": STRONG_PASSWORD}, token=p["token"]))
    assert closed["deletion_scheduled_for"] is None and closed["archived_until"].startswith("2036-")
    expect_error(api.start_login(p), "INVALID_CREDENTIALS")
    api.ok(api.post("/v1/provisional-codes", {**api.identity(p), "channel": "email"}), 201)
    p["code"] = api.sent_code(p["email"], "provisional_code")
    enrolment = api.enrol(p)
    assert enrolment["state"] == "closed"
    account = api.ok(api.activate_request(enrolment["enrolment_id"], p["identifier"]))
    assert account["restored_archive"] is True and account["state"] == "active"


def test_closing_needs_the_password(api):
    p = api.active_person()
    error = expect_error(api.post("/v1/account/close", {"password": OTHER_PASSWORD}, token=p["token"]),
                         "WRONG_PASSWORD")
    assert error["details"] == {"field": "password"}
    assert space(api, p)["state"] == "active"


# --- authenticator app (TOTP) -------------------------------------------------------------------------


def wrong_totp(secret: str, now: dt.datetime) -> str:
    """A 6-digit code no window around ``now`` accepts."""
    totp = pyotp.TOTP(secret)
    valid = {totp.at(now + dt.timedelta(seconds=s)) for s in (-30, 0, 30)}
    return next(c for c in (f"{n:06d}" for n in range(10**6)) if c not in valid)


def server_now(api) -> dt.datetime:
    return dt.datetime.fromisoformat(api.advance(0)["now"].replace("Z", "+00:00"))


def test_totp_confirm_refuses_a_wrong_code_and_accepts_the_current_one(api):
    p = api.active_person()
    enrolment = api.ok(api.post("/v1/account/totp", token=p["token"]), 201)
    secret = enrolment["secret"]
    assert enrolment["otpauth_uri"].startswith("otpauth://totp/") and f"secret={secret}" in enrolment["otpauth_uri"]
    now = server_now(api)
    error = expect_error(api.post("/v1/account/totp/confirm", {"code": wrong_totp(secret, now)}, token=p["token"]),
                         "INVALID_CODE")
    assert "authenticator" in error["message"]
    expect_error(api.post("/v1/account/totp/confirm", {"code": "12345"}, token=p["token"]), "INVALID_CODE_FORMAT")
    assert space(api, p)["totp_secret"] is None
    status = api.ok(api.post("/v1/account/totp/confirm", {"code": pyotp.TOTP(secret).at(now)}, token=p["token"]))
    assert status == {"totp_enabled": True}
    me = api.ok(api.get("/v1/me", token=p["token"]))["account"]
    assert me["totp_enabled"] is True
    expect_error(api.post("/v1/account/totp", token=p["token"]), "TOTP_ALREADY_ENROLLED")


def test_totp_confirm_without_enrolment_is_totp_not_enrolled(api):
    p = api.active_person()
    expect_error(api.post("/v1/account/totp/confirm", {"code": "123456"}, token=p["token"]), "TOTP_NOT_ENROLLED")
    expect_error(api.start_login(p, channel="totp"), "TOTP_NOT_ENROLLED")


def test_totp_login_and_codes_are_single_use(api):
    p = api.active_person()
    secret = api.ok(api.post("/v1/account/totp", token=p["token"]), 201)["secret"]
    now = server_now(api)
    confirm_code = pyotp.TOTP(secret).at(now)
    api.ok(api.post("/v1/account/totp/confirm", {"code": confirm_code}, token=p["token"]))
    started = api.ok(api.start_login(p, channel="totp"), 201)
    assert started["channel"] == "totp" and started["sent_to"] is None
    # The code that confirmed the app cannot open a session (replay of the same time step).
    expect_error(api.verify_login(started["login_id"], confirm_code), "INVALID_CODE")
    api.advance(30)
    code = pyotp.TOTP(secret).at(server_now(api))
    session = api.ok(api.verify_login(started["login_id"], code), 201)
    assert api.ok(api.get("/v1/me", token=session["token"]))["account"]["person_id"] == p["id"]
    again = api.ok(api.start_login(p, channel="totp"), 201)
    expect_error(api.verify_login(again["login_id"], code), "INVALID_CODE")


def test_totp_disable_needs_the_password(api):
    p = api.active_person()
    secret = api.ok(api.post("/v1/account/totp", token=p["token"]), 201)["secret"]
    api.ok(api.post("/v1/account/totp/confirm", {"code": pyotp.TOTP(secret).at(server_now(api))},
                    token=p["token"]))
    expect_error(api.post("/v1/account/totp/disable", {"password": OTHER_PASSWORD}, token=p["token"]),
                 "WRONG_PASSWORD")
    assert space(api, p)["totp_secret"] == secret
    assert api.ok(api.post("/v1/account/totp/disable", {"password": STRONG_PASSWORD}, token=p["token"])) == {
        "totp_enabled": False}
    expect_error(api.start_login(p, channel="totp"), "TOTP_NOT_ENROLLED")


# --- forgotten password -----------------------------------------------------------------------------------


def test_a_reset_link_is_single_use(api):
    p = api.active_person()
    token = api.reset_password(p, OTHER_PASSWORD)
    error = expect_error(api.post("/v1/password-resets/complete", {"token": token, "new_password": STRONG_PASSWORD}),
                         "RESET_EXPIRED")
    assert "mes reset-password" in error["message"]
    assert api.login(p)  # still the password set by the first use


def test_a_reset_link_lasts_30_minutes(api):
    p = api.active_person()
    for wait, code in ((30 * 60 - 1, None), (30 * 60, "RESET_EXPIRED")):
        api.ok(api.post("/v1/password-resets", {**api.identity(p), "channel": "email"}), 202)
        token = api.reset_link_token(p)
        api.advance(wait)
        response = api.post("/v1/password-resets/complete", {"token": token, "new_password": OTHER_PASSWORD})
        if code:
            expect_error(response, code)
        else:
            api.ok(response)
        api.advance(30)


def test_a_weak_new_password_is_refused_and_the_link_still_works(api):
    p = api.active_person()
    api.ok(api.post("/v1/password-resets", {**api.identity(p), "channel": "email"}), 202)
    token = api.reset_link_token(p)
    for weak in ("short1!A", "alllowercase1!", f"Jeanne-{p['birth_date'][:4]}!x", "Password123!"):
        expect_error(api.post("/v1/password-resets/complete", {"token": token, "new_password": weak}),
                     "WEAK_PASSWORD")
    api.ok(api.post("/v1/password-resets/complete", {"token": token, "new_password": OTHER_PASSWORD}))


def test_an_sms_reset_code_is_bound_to_its_reset_id_and_lasts_10_minutes(api):
    p = api.active_person()
    started = api.ok(api.post("/v1/password-resets", {**api.identity(p), "channel": "sms"}), 202)
    code = api.sent_code(p["mobile"], "password_reset")
    expect_error(api.post("/v1/password-resets/complete", {"reset_id": "x" * 43, "code": code,
                                                           "new_password": OTHER_PASSWORD}), "RESET_EXPIRED")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    error = expect_error(api.post("/v1/password-resets/complete", {"reset_id": started["reset_id"], "code": wrong,
                                                                   "new_password": OTHER_PASSWORD}), "INVALID_CODE")
    assert error["details"] == {"attempts_left": 4}
    api.advance(10 * 60)
    expect_error(api.post("/v1/password-resets/complete", {"reset_id": started["reset_id"], "code": code,
                                                           "new_password": OTHER_PASSWORD}), "RESET_EXPIRED")
    expect_error(api.post("/v1/password-resets/complete", {"new_password": OTHER_PASSWORD}), "VALIDATION_ERROR")


def test_a_reset_for_a_space_not_yet_active_sends_nothing(api):
    p = api.seed()
    before = len(api.messages(p["nir"]))
    accepted = api.ok(api.post("/v1/password-resets", {**api.identity(p), "channel": "email"}), 202)
    assert accepted["status"] == "accepted" and len(api.messages(p["nir"])) == before
