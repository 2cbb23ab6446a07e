"""Throttles: failed identifications per NIR, growing delays and lock-out on logins, one request per 30 s.

Time is frozen (see conftest) and moves only through POST /v1/dev/clock, so every
delay is checked to the second.
"""

from __future__ import annotations

import datetime as dt

import pytest

from support.api import expect_error
from support.people import OTHER_PASSWORD, STRONG_PASSWORD, person

WRONG_CODE = "ABCDEFGH2345"
WRONG_PASSWORD = "Pas-le-bon-1!"


def retry_after(response, expected: int) -> dict:
    """A 429 whose details and Retry-After header both say ``expected`` seconds."""
    assert response.status_code == 429, response.text
    error = response.json()["error"]
    assert error["details"]["retry_after_seconds"] == expected, error
    assert response.headers["retry-after"] == str(expected), response.headers
    return error


def failures_of(api, p) -> int:
    row = api.ctx.store.one("SELECT count FROM throttles WHERE key = ?", (f"login:{p['identifier']}",))
    return row["count"] if row else 0


# --- identification (provisional code + NIR + serial + date of birth) ------------------------------


def test_identification_failures_block_the_nir_even_with_the_right_code(api):
    p = api.seed()
    assert p["code"] != WRONG_CODE
    window = int(api.ctx.policy.enrolment_failure_window.total_seconds())
    for _ in range(api.ctx.policy.enrolment_max_failures):
        expect_error(api.start_enrolment(p, WRONG_CODE), "NO_USER_FOUND")
    blocked = api.start_enrolment(p)
    expect_error(blocked, "TOO_MANY_ATTEMPTS")
    error = retry_after(blocked, window)
    assert "NIR" in error["message"] and str(window // 60 + 1) in error["message"]
    api.advance(window - 1)
    retry_after(api.start_enrolment(p), 1)
    api.advance(1)
    assert api.enrol(p)["first_name"] == p["first_name"]


def test_every_kind_of_identification_failure_counts(api):
    p = api.seed()
    wrong_serial = {**api.identity(p), "card_serial": person()["card_serial"], "code": p["code"]}
    wrong_birth = {**api.identity(p), "birth_date": "01/01/1901", "code": p["code"]}
    attempts = [api.post("/v1/enrolments", wrong_serial), api.post("/v1/enrolments", wrong_birth),
                api.start_enrolment(p, WRONG_CODE), api.post("/v1/enrolments", wrong_serial),
                api.start_enrolment(p, WRONG_CODE)]
    for response in attempts:
        expect_error(response, "NO_USER_FOUND")
    expect_error(api.start_enrolment(p), "TOO_MANY_ATTEMPTS")
    # A new code cannot be asked for either: the same identification is refused.
    expect_error(api.post("/v1/provisional-codes", {**api.identity(p), "channel": "email"}), "TOO_MANY_ATTEMPTS")


def test_a_malformed_code_does_not_count_as_a_failure(api):
    p = api.seed()
    for typo in ("ABC", "ABCDEFGH23456", "ABCDEFGH234!"):
        for _ in range(2):
            expect_error(api.start_enrolment(p, typo), "INVALID_CODE_FORMAT")
    assert api.enrol(p)["enrolment_id"]


def test_identification_throttle_is_per_nir(api):
    p, q = api.seed(), api.seed()
    for _ in range(api.ctx.policy.enrolment_max_failures):
        expect_error(api.start_enrolment(p, WRONG_CODE), "NO_USER_FOUND")
    expect_error(api.start_enrolment(p), "TOO_MANY_ATTEMPTS")
    assert api.enrol(q)["enrolment_id"]


def test_an_unregistered_nir_is_throttled_the_same_way(api):
    """The throttle counts the NIR typed, so it cannot tell registered from unregistered NIRs."""
    registered, stranger = api.seed(), person()
    for who in (registered, stranger):
        for _ in range(api.ctx.policy.enrolment_max_failures):
            expect_error(api.start_enrolment(who, WRONG_CODE), "NO_USER_FOUND")
    answers = [expect_error(api.start_enrolment(who, WRONG_CODE), "TOO_MANY_ATTEMPTS") for who in
               (registered, stranger)]
    assert answers[0]["message"] == answers[1]["message"] and answers[0]["details"] == answers[1]["details"]


def test_the_failure_window_starts_at_the_first_failure(api):
    p = api.seed()
    window = int(api.ctx.policy.enrolment_failure_window.total_seconds())
    expect_error(api.start_enrolment(p, WRONG_CODE), "NO_USER_FOUND")
    api.advance(window - 60)
    for _ in range(api.ctx.policy.enrolment_max_failures - 1):
        expect_error(api.start_enrolment(p, WRONG_CODE), "NO_USER_FOUND")
    retry_after(api.start_enrolment(p), 60)
    api.advance(60)
    # A new window: failures count from zero again.
    expect_error(api.start_enrolment(p, WRONG_CODE), "NO_USER_FOUND")
    assert api.enrol(p)["enrolment_id"]


# --- logins: growing delays, lock-out -------------------------------------------------------------


def test_after_the_free_failures_the_next_login_waits(make_api):
    api = make_api(login_free_failures=2, login_lock_after=8)
    p = api.seed()
    api.activate(p)
    for _ in range(2):
        error = expect_error(api.start_login(p, password=WRONG_PASSWORD), "INVALID_CREDENTIALS")
        assert "details" in error and "retry_after_seconds" not in error["details"]
    assert failures_of(api, p) == 2
    blocked = api.start_login(p)  # even the right password waits
    expect_error(blocked, "TOO_MANY_ATTEMPTS")
    retry_after(blocked, 1)
    # A refused attempt is not a failure: it does not lengthen the delay.
    expect_error(api.start_login(p, password=WRONG_PASSWORD), "TOO_MANY_ATTEMPTS")
    assert failures_of(api, p) == 2
    api.advance(1)
    started = api.ok(api.start_login(p), 201)
    assert started["attempts_left"] == api.ctx.policy.otp_max_tries
    # Only a complete login clears the count.
    assert failures_of(api, p) == 2
    api.ok(api.verify_login(started["login_id"], api.sent_code(p["email"], "login_code")), 201)
    assert failures_of(api, p) == 0
    expect_error(api.start_login(p, password=WRONG_PASSWORD), "INVALID_CREDENTIALS")
    expect_error(api.start_login(p, password=WRONG_PASSWORD), "INVALID_CREDENTIALS")
    expect_error(api.start_login(p), "TOO_MANY_ATTEMPTS")


def test_delays_double_then_the_account_locks(make_api):
    api = make_api(login_free_failures=2, login_lock_after=8)
    p = api.seed()
    api.activate(p)
    for _ in range(2):
        expect_error(api.start_login(p, password=WRONG_PASSWORD), "INVALID_CREDENTIALS")
    waits = []
    for failures in range(2, 8):
        error = expect_error(api.start_login(p), "TOO_MANY_ATTEMPTS")
        waits.append(error["details"]["retry_after_seconds"])
        api.advance(waits[-1] - 1)
        expect_error(api.start_login(p), "TOO_MANY_ATTEMPTS")
        api.advance(1)
        expect_error(api.start_login(p, password=WRONG_PASSWORD), "INVALID_CREDENTIALS")
        assert failures_of(api, p) == failures + 1
    assert waits == [1, 2, 4, 8, 16, 32]
    locked = api.start_login(p)
    error = expect_error(locked, "ACCOUNT_LOCKED")
    assert "retry-after" not in locked.headers and "reset" in error["message"]
    api.advance(30 * 86400)  # a lock does not wear off with time
    expect_error(api.start_login(p), "ACCOUNT_LOCKED")
    expect_error(api.start_login(p, password=WRONG_PASSWORD), "ACCOUNT_LOCKED")
    assert failures_of(api, p) == 8


def test_a_password_reset_unlocks_the_account(make_api):
    api = make_api(login_free_failures=2, login_lock_after=3)
    p = api.seed()
    api.activate(p)
    for wait in (0, 1):
        api.advance(wait)
        expect_error(api.start_login(p, password=WRONG_PASSWORD), "INVALID_CREDENTIALS")
    api.advance(1)
    expect_error(api.start_login(p, password=WRONG_PASSWORD), "INVALID_CREDENTIALS")
    expect_error(api.start_login(p), "ACCOUNT_LOCKED")
    api.reset_password(p, OTHER_PASSWORD)
    assert failures_of(api, p) == 0
    expect_error(api.start_login(p, password=STRONG_PASSWORD), "INVALID_CREDENTIALS")
    api.advance(1)
    token = api.login(p)
    assert api.ok(api.get("/v1/me", token=token))["account"]["identifier"] == p["identifier"]


def test_delays_are_capped_at_login_max_delay(make_api):
    api = make_api(login_free_failures=2, login_lock_after=10, login_max_delay=dt.timedelta(seconds=5))
    p = api.seed()
    api.activate(p)
    for _ in range(2):
        expect_error(api.start_login(p, password=WRONG_PASSWORD), "INVALID_CREDENTIALS")
    waits = []
    for _ in range(6):
        waits.append(expect_error(api.start_login(p), "TOO_MANY_ATTEMPTS")["details"]["retry_after_seconds"])
        api.advance(waits[-1])
        expect_error(api.start_login(p, password=WRONG_PASSWORD), "INVALID_CREDENTIALS")
    assert waits == [1, 2, 4, 5, 5, 5]


def test_default_policy_caps_delays_at_fifteen_minutes_and_does_not_lock_early(api):
    policy = api.ctx.policy
    assert (policy.login_free_failures, policy.login_max_delay, policy.login_lock_after) == (
        5, dt.timedelta(minutes=15), 100)
    p = api.seed()
    api.activate(p)
    for _ in range(policy.login_free_failures):
        expect_error(api.start_login(p, password=WRONG_PASSWORD), "INVALID_CREDENTIALS")
    waits = []
    for _ in range(12):
        error = expect_error(api.start_login(p), "TOO_MANY_ATTEMPTS")
        waits.append(error["details"]["retry_after_seconds"])
        api.advance(waits[-1])
        expect_error(api.start_login(p, password=WRONG_PASSWORD), "INVALID_CREDENTIALS")
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    api.advance(900)
    assert api.login(p)  # 17 failures: still far from the lock at 100


def test_wrong_login_codes_count_as_failures(make_api):
    api = make_api(login_free_failures=2, login_lock_after=8)
    p = api.seed()
    api.activate(p)
    started = api.ok(api.start_login(p), 201)
    code = api.sent_code(p["email"], "login_code")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    first = expect_error(api.verify_login(started["login_id"], wrong), "INVALID_CODE")
    assert first["details"] == {"attempts_left": 4}
    expect_error(api.verify_login(started["login_id"], wrong), "INVALID_CODE")
    assert failures_of(api, p) == 2
    retry_after(api.verify_login(started["login_id"], code), 1)
    retry_after(api.start_login(p), 1)  # the same count guards the password step
    api.advance(1)
    assert api.ok(api.verify_login(started["login_id"], code), 201)["token"]
    assert failures_of(api, p) == 0


def test_too_many_wrong_codes_void_the_login_attempt(api):
    p = api.seed()
    api.activate(p)
    started = api.ok(api.start_login(p), 201)
    code = api.sent_code(p["email"], "login_code")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    lefts = []
    for _ in range(api.ctx.policy.otp_max_tries - 1):
        lefts.append(expect_error(api.verify_login(started["login_id"], wrong), "INVALID_CODE")["details"])
        api.advance(60)  # past the login delays: only the per-attempt limit is at work
    assert lefts == [{"attempts_left": n} for n in (4, 3, 2, 1)]
    last = expect_error(api.verify_login(started["login_id"], wrong), "TOO_MANY_ATTEMPTS")
    assert last["details"] == {"attempts_left": 0}
    expect_error(api.verify_login(started["login_id"], code), "LOGIN_EXPIRED")


def test_a_locked_account_refuses_a_login_started_before_the_lock(make_api):
    api = make_api(login_free_failures=1, login_lock_after=2)
    p = api.seed()
    api.activate(p)
    started = api.ok(api.start_login(p), 201)
    code = api.sent_code(p["email"], "login_code")
    expect_error(api.start_login(p, password=WRONG_PASSWORD), "INVALID_CREDENTIALS")
    api.advance(1)
    expect_error(api.start_login(p, password=WRONG_PASSWORD), "INVALID_CREDENTIALS")
    expect_error(api.verify_login(started["login_id"], code), "ACCOUNT_LOCKED")


# --- one request every 30 seconds (MIN_DELAY_ERROR) ---------------------------------------------


def test_new_code_requests_are_one_per_30_seconds(api):
    p = api.seed()
    body = {**api.identity(p), "channel": "email"}
    assert api.ok(api.post("/v1/provisional-codes", body), 201)["retry_after_seconds"] == 30
    too_soon = api.post("/v1/provisional-codes", body)
    error = expect_error(too_soon, "MIN_DELAY_ERROR")
    retry_after(too_soon, 30)
    assert "30 seconds" in error["message"]
    # The same NIR typed with spaces, or another channel: still the same person's delay.
    spaced = {**body, "nir": " ".join([p["nir"][:1], p["nir"][1:3], p["nir"][3:7], p["nir"][7:]])}
    expect_error(api.post("/v1/provisional-codes", spaced), "MIN_DELAY_ERROR")
    expect_error(api.post("/v1/provisional-codes", {**body, "channel": "sms"}), "MIN_DELAY_ERROR")
    api.advance(29)
    retry_after(api.post("/v1/provisional-codes", body), 1)
    api.advance(1)
    assert api.ok(api.post("/v1/provisional-codes", body), 201)["channel"] == "email"
    assert [m["kind"] for m in api.messages(p["nir"])] == ["information_letter", "provisional_code",
                                                          "provisional_code"]


def test_new_code_answers_an_unregistered_nir_like_a_wrong_serial(api):
    """No enumeration: an unregistered NIR and a registered one with a wrong serial get the same answers.

    The 30-second delay starts only once a code is sent (a failed identification sends
    nothing); repeated failures are bounded by the identification throttle instead.
    """
    registered, stranger = api.seed(), person()
    wrong_serial = {**api.identity(registered), "card_serial": person()["card_serial"], "channel": "email"}
    unknown = {**api.identity(stranger), "channel": "email"}
    for _ in range(api.ctx.policy.enrolment_max_failures):
        answers = [expect_error(api.post("/v1/provisional-codes", body), "NO_USER_FOUND") for body in
                   (wrong_serial, unknown)]
        assert answers[0]["message"] == answers[1]["message"] and answers[0]["details"] == answers[1]["details"]
    blocked = [api.post("/v1/provisional-codes", body) for body in (wrong_serial, unknown)]
    assert [retry_after(b, 900)["code"] for b in blocked] == ["TOO_MANY_ATTEMPTS"] * 2
    assert api.messages(registered["nir"])[-1]["kind"] == "information_letter"


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_password_reset_requests_answer_alike_and_are_one_per_30_seconds(api, channel):
    """Registered or not, the same 202 then the same MIN_DELAY_ERROR: nothing tells who exists."""
    registered = api.seed()
    api.activate(registered)
    stranger, wrong_serial = person(), {**api.identity(registered), "card_serial": person()["card_serial"]}
    before = len(api.ctx.store.all("SELECT * FROM outbox"))
    firsts, seconds = [], []
    for identity in (api.identity(registered), api.identity(stranger)):
        body = {**identity, "channel": channel}
        firsts.append(api.ok(api.post("/v1/password-resets", body), 202))
        response = api.post("/v1/password-resets", body)
        seconds.append(dict(expect_error(response, "MIN_DELAY_ERROR"), request_id=None))
        retry_after(response, 30)
    assert [{k: v for k, v in f.items() if k != "reset_id"} for f in firsts] == [
        {"status": "accepted", "message": firsts[0]["message"]}] * 2
    assert all(len(f["reset_id"]) >= 43 for f in firsts) and firsts[0]["reset_id"] != firsts[1]["reset_id"]
    assert seconds[0] == seconds[1]
    # Only the registered person received something.
    sent = api.ctx.store.all("SELECT * FROM outbox")[before:]
    assert [(m["kind"], m["person_id"]) for m in sent] == [("password_reset", registered["id"])]
    api.advance(30)
    api.ok(api.post("/v1/password-resets", {**wrong_serial, "channel": channel}), 202)
    assert len(api.ctx.store.all("SELECT * FROM outbox")) == before + 1


def test_min_delays_are_kept_per_operation(api):
    """A reset request does not delay a new-code request (separate keys), nor another NIR."""
    p = api.seed()
    other = api.seed()
    api.ok(api.post("/v1/password-resets", {**api.identity(p), "channel": "email"}), 202)
    api.ok(api.post("/v1/provisional-codes", {**api.identity(p), "channel": "email"}), 201)
    api.ok(api.post("/v1/password-resets", {**api.identity(other), "channel": "email"}), 202)


def test_identifier_recovery_answers_alike_and_is_one_per_30_seconds(api):
    registered, stranger = api.seed(), person()
    api.activate(registered)
    answers = []
    for who in (registered, stranger):
        body = {"nir": who["nir"], "birth_date": who["birth_date"], "channel": "email"}
        first = api.ok(api.post("/v1/identifier-recovery", body), 202)
        response = api.post("/v1/identifier-recovery", body)
        answers.append((first, dict(expect_error(response, "MIN_DELAY_ERROR"), request_id=None),
                        response.headers["retry-after"]))
    assert answers[0] == answers[1]
    reminder = api.last_message(registered["email"])
    assert reminder["kind"] == "identifier_reminder" and registered["identifier"] in reminder["body"]
    assert api.messages(stranger["nir"]) == []


def test_login_throttle_does_not_tell_known_from_unknown_identifiers(make_api):
    api = make_api(login_free_failures=2, login_lock_after=8)
    known = api.seed()
    api.activate(known)
    unknown = {"identifier": "nobody.here.at.all", "password": WRONG_PASSWORD}
    answers = {}
    for name, who in (("known", known), ("unknown", unknown)):
        codes = [api.post("/v1/logins", {"identifier": who["identifier"], "password": WRONG_PASSWORD}).json()
                 ["error"]["code"] for _ in range(3)]
        answers[name] = codes
    assert answers["known"] == ["INVALID_CREDENTIALS", "INVALID_CREDENTIALS", "TOO_MANY_ATTEMPTS"]
    assert answers["unknown"] == answers["known"]
