"""One error shape everywhere: {"error": {"code", "message", "details", "request_id"}}.

The routing's own refusals (unknown path, wrong method), body decoding (malformed JSON,
validation, size) and query parsing all leave through the same shape, with a code
from the catalogue, the status the catalogue gives it, and the request id echoed in
``X-Request-Id``. A property test posts arbitrary JSON to every POST operation and
never gets a server error.
"""

from __future__ import annotations

import msgspec
import msgspec.inspect as mi
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from mes_cli.contract.errors import CATALOGUE
from mes_cli.server.http.routes import OPERATIONS
from mes_cli.server.settings import Settings
from support.api import Api, build_context, expect_error
from support.people import STRONG_PASSWORD, person

POST_OPERATIONS = [op for op in OPERATIONS if op.method == "POST"]


# --- unknown paths and methods ------------------------------------------------------


@pytest.mark.parametrize("path", ["/nope", "/v1", "/v1/mee", "/v1/enrolments/unknown", "/v2/me", "/openapi"])
def test_unknown_path_is_404_not_found(api, path):
    error = expect_error(api.get(path), "NOT_FOUND")
    assert path in error["message"] and "/openapi.json" in error["message"]
    expect_error(api.post(path, {}), "NOT_FOUND")


@pytest.mark.parametrize("method, path", [
    ("PUT", "/v1/me"), ("POST", "/v1/me"), ("GET", "/v1/logins"), ("DELETE", "/v1/enrolments"),
    ("PATCH", "/v1/admin/persons"), ("POST", "/v1/dev/outbox"), ("GET", "/v1/session"),
    ("POST", "/health"), ("DELETE", "/openapi.json"),
])
def test_wrong_method_is_405_method_not_allowed(api, method, path):
    error = expect_error(api.request(method, path), "METHOD_NOT_ALLOWED")
    assert error["details"] == {}


def test_405_names_the_allowed_methods_in_the_message(api):
    error = expect_error(api.request("PUT", "/v1/me"), "METHOD_NOT_ALLOWED")
    assert "PUT" in error["message"] and "allowed: GET" in error["message"]


@pytest.mark.parametrize("method, path, allowed", [("PUT", "/v1/me", {"GET"}), ("POST", "/health", {"GET"})])
def test_405_carries_an_allow_header(api, method, path, allowed):
    response = api.request(method, path)
    assert response.status_code == 405
    assert {m.strip() for m in response.headers.get("allow", "").split(",")} >= allowed


def test_options_lists_only_the_methods_served(api):
    response = api.request("OPTIONS", "/v1/me")
    assert {m.strip() for m in response.headers["allow"].split(",")} <= {"GET", "HEAD", "OPTIONS"}


def test_trailing_slash_reaches_the_same_endpoint(api):
    expect_error(api.get("/v1/me/"), "AUTH_REQUIRED")


# --- body decoding ---------------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"{not json", b'{"identifier": "a",', b"\xff\xfe\x00", b"{'a': 1}", b"nul",
                                 b'{"identifier": "a", "password": "b"} trailing'])
def test_malformed_json_is_400(api, raw):
    response = api.client.post("/v1/logins", content=raw, headers={"Content-Type": "application/json"})
    error = expect_error(response, "MALFORMED_REQUEST")
    assert error["message"] == "The request body is not valid JSON."


LOGIN = {"identifier": "someone.here", "password": "whatever"}


@pytest.mark.parametrize("path, body, field, reason, shown", [
    # unknown field, at the top and nested: the fields it has are listed
    ("/v1/logins", {**LOGIN, "bogus": 1}, "bogus", "unknown_field", ["bogus:", "identifier, password, channel"]),
    ("/v1/admin/persons", {"persons": [{**person(), "bogus": True}]}, "persons[0].bogus", "unknown_field",
     ["persons[0].bogus:", "card_serial"]),
    ("/v1/admin/persons", {"persons": [person(children=[{"nir": "1", "birth_date": "x", "first_name": "a",
                                                         "last_name": "b", "extra": 1}])]},
     "persons[0].children[0].extra", "unknown_field", ["persons[0].children[0].extra:"]),
    # wrong type, in words
    ("/v1/logins", {**LOGIN, "identifier": 12}, "identifier", "wrong_type", ["identifier:", "expected text"]),
    ("/v1/admin/persons", {"persons": [{**person(), "nir": 3}]}, "persons[0].nir", "wrong_type", ["persons[0].nir:"]),
    ("/v1/admin/persons", {"persons": {"nir": "x"}}, "persons", "wrong_type", ["persons:", "a list"]),
    ("/v1/enrolments/activate", {"enrolment_id": "e", "identifier": "i", "password": "p", "accept_terms": "yes"},
     "accept_terms", "wrong_type", ["accept_terms:", "Accepted values: true, false."]),
    ("/v1/dev/clock", {"advance_seconds": "10"}, "advance_seconds", "wrong_type", ["a whole number"]),
    # wrong value: enum (its values listed), bounds, lengths (the bound given)
    ("/v1/logins", {**LOGIN, "channel": "pigeon"}, "channel", "not_accepted",
     ["channel:", "'pigeon'", "Accepted values: email, sms, totp."]),
    ("/v1/dev/clock", {"advance_seconds": -1}, "advance_seconds", "too_small", ["advance_seconds:", "at least 0"]),
    ("/v1/logins", {**LOGIN, "password": "x" * 1025}, "password", "too_long", ["password:", "at most 1024 characters"]),
    ("/v1/enrolments", {"nir": "1" * 41, "card_serial": "1", "birth_date": "x", "code": "c"}, "nir", "too_long",
     ["nir:", "40"]),
    # missing field
    ("/v1/logins", {"password": "x"}, "identifier", "missing", ["identifier:", "required"]),
    ("/v1/logins/verify", {"login_id": "x"}, "code", "missing", ["code:"]),
    ("/v1/admin/persons", {"persons": [{"nir": "x"}]}, "persons[0].birth_date", "missing", ["persons[0].birth_date:"]),
    # not an object at all
    ("/v1/logins", [LOGIN], None, "wrong_type", ["The request body:", "an object", "a list"]),
    ("/v1/logins", None, None, "wrong_type", ["an object", "null"]),
    ("/v1/logins", "text", None, "wrong_type", ["an object", "text"]),
])
def test_invalid_body_is_422_naming_the_field(api, path, body, field, reason, shown):
    response = api.client.post(path, content=msgspec.json.encode(body), headers={"Content-Type": "application/json"})
    error = expect_error(response, "VALIDATION_ERROR")
    assert error["details"].get("field") == field and error["details"]["reason"] == reason, error
    for words in shown:
        assert words in error["message"], (words, error["message"])
    assert error["details"]["problem"].startswith(("Expected", "Invalid", "Object")), error  # msgspec's own words


def test_a_bad_profile_entry_is_refused_with_the_accepted_values_and_the_bound(api):
    """What a remote API user reads: the field, what was wrong, what is accepted — in their language."""
    p = api.active_person()
    allergy = api.post("/v1/profiles/me/medical/allergies", {"substance": "pollen", "severity": "sévère"},
                       token=p["token"])
    details = expect_error(allergy, "VALIDATION_ERROR")["details"]
    assert {k: details[k] for k in ("field", "reason", "value", "accepted")} == {
        "field": "severity", "reason": "not_accepted", "value": "sévère", "accepted": ["mild", "moderate", "severe"]}
    measure = api.post("/v1/profiles/me/medical/measures", {"kind": "weight", "value": 5000}, token=p["token"])
    error = expect_error(measure, "VALIDATION_ERROR")
    assert error["details"]["field"] == "value" and error["details"]["reason"] == "too_large"
    assert error["details"]["bound"] == 1000 and error["details"]["comparison"] == "<"
    assert error["message"] == "value: must be less than 1000."
    in_french = api.request("PUT", "/v1/profiles/me/medical/blood-group", json={"blood_group": "0+"},
                            token=p["token"], headers={"Accept-Language": "fr"})
    error = expect_error(in_french, "VALIDATION_ERROR")
    assert error["details"]["accepted"] == ["A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"]
    assert error["message"] == ("blood_group : '0+' n'est pas une valeur acceptée. Valeurs acceptées : A+, A-, B+, "
                                "B-, AB+, AB-, O+, O-.")


def test_empty_body_is_an_empty_object(api):
    error = expect_error(api.client.post("/v1/logins", content=b""), "VALIDATION_ERROR")
    assert error["details"]["field"] == "identifier" and error["details"]["reason"] == "missing"
    assert api.ok(api.client.post("/v1/dev/clock", content=b""))["offset_seconds"] == 0


def test_a_body_is_decoded_before_the_rules_run(api):
    """Nothing reaches a service when the body is invalid: no person is registered."""
    expect_error(api.post("/v1/admin/persons", {"persons": [person(), {**person(), "age": 3}]}), "VALIDATION_ERROR")
    assert api.ctx.store.all("SELECT * FROM persons") == []


def test_body_over_max_body_bytes_is_413(make_api):
    api = make_api(max_body_bytes=200)

    def body_of(size: int) -> bytes:
        empty = msgspec.json.encode({"identifier": "", "password": "x"})
        return msgspec.json.encode({"identifier": "a" * (size - len(empty)), "password": "x"})

    at_limit, over = body_of(200), body_of(201)
    assert (len(at_limit), len(over)) == (200, 201)
    expect_error(api.client.post("/v1/logins", content=at_limit), "INVALID_CREDENTIALS")
    error = expect_error(api.client.post("/v1/logins", content=over), "PAYLOAD_TOO_LARGE")
    assert "200 bytes" in error["message"]


def test_body_over_the_default_limit_is_413(api):
    limit = api.settings.max_body_bytes
    assert limit == 1_000_000
    body = b'{"identifier": "' + b"a" * limit + b'", "password": "x"}'
    expect_error(api.client.post("/v1/logins", content=body), "PAYLOAD_TOO_LARGE")


def test_declared_length_over_the_limit_is_refused_before_reading(make_api):
    api = make_api(max_body_bytes=100)
    response = api.client.post("/v1/logins", content=b"{}", headers={"Content-Length": "101"})
    expect_error(response, "PAYLOAD_TOO_LARGE")


# --- query parameters ----------------------------------------------------------------------


@pytest.mark.parametrize("limit", ["0", "abc", "-1", "1.5", "10001", "", " 3", "0x10", "1e3"])
def test_outbox_limit_must_be_1_to_10000(api, limit):
    error = expect_error(api.get("/v1/dev/outbox", params={"limit": limit}), "VALIDATION_ERROR")
    assert error["details"] == {"field": "limit"} and "'limit'" in error["message"]


@pytest.mark.parametrize("limit", ["1", "10000"])
def test_outbox_limit_bounds_are_accepted(api, limit):
    assert api.ok(api.get("/v1/dev/outbox", params={"limit": limit})) == {"messages": []}


@pytest.mark.parametrize("limit", ["²", "①"])
def test_outbox_limit_with_unicode_digits_is_422(api, limit):
    expect_error(api.get("/v1/dev/outbox", params={"limit": limit}), "VALIDATION_ERROR")


def test_outbox_limit_keeps_the_newest(api):
    p = api.seed()
    api.ok(api.post("/v1/provisional-codes", {**api.identity(p), "channel": "sms"}), 201)
    everything = api.messages(p["nir"])
    assert [m["kind"] for m in everything] == ["information_letter", "provisional_code"]
    assert api.messages(p["nir"], limit=1) == everything[-1:]


# --- request ids -----------------------------------------------------------------------------


def test_every_answer_has_a_fresh_request_id(api):
    ids = set()
    for response in (api.get("/health"), api.get("/openapi.json"), api.get("/nope"), api.get("/v1/me"),
                     api.post("/v1/logins", {}), api.request("PUT", "/v1/me")):
        request_id = response.headers["x-request-id"]
        assert len(request_id) >= 16 and request_id not in ids
        assert response.headers["cache-control"] == "no-store"
        ids.add(request_id)


def test_error_codes_carry_their_catalogue_status(api):
    """The status of each error answered above is the catalogue's (a sample across the layers)."""
    samples = {
        "NOT_FOUND": api.get("/nope"),
        "METHOD_NOT_ALLOWED": api.request("PUT", "/v1/me"),
        "MALFORMED_REQUEST": api.client.post("/v1/logins", content=b"{"),
        "VALIDATION_ERROR": api.post("/v1/logins", {}),
        "AUTH_REQUIRED": api.get("/v1/me"),
        "SESSION_EXPIRED": api.get("/v1/me", token="x" * 43),
        "INVALID_CREDENTIALS": api.post("/v1/logins", LOGIN),
        "INVALID_NIR": api.post("/v1/password-resets", {"nir": "123", "card_serial": "1", "birth_date": "x"}),
        "INVALID_CODE_FORMAT": api.post("/v1/logins/verify", {"login_id": "x", "code": "12"}),
        "LOGIN_EXPIRED": api.post("/v1/logins/verify", {"login_id": "x", "code": "123456"}),
        "ENROLMENT_EXPIRED": api.post("/v1/enrolments/oppose", {"enrolment_id": "x"}),
        "RESET_EXPIRED": api.post("/v1/password-resets/complete", {"token": "x", "new_password": STRONG_PASSWORD}),
    }
    for code, response in samples.items():
        assert expect_error(response, code)["code"] in CATALOGUE


# --- no input gives a server error ---------------------------------------------------------------

json_scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text(max_size=40)
                | st.floats(allow_nan=False, allow_infinity=False))
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    """A dev server with an active, logged-in person and a live enrolment, whose values seed the fuzzing."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("fuzz"), dev=True)
    api = Api.start(settings, build_context(settings))
    active = api.active_person()
    pending = api.seed()
    enrolment = api.enrol(pending)
    api.plausible = [
        active["nir"], active["card_serial"], active["birth_date"], active["identifier"], active["password"],
        active["email"], active["mobile"], pending["nir"], pending["card_serial"], pending["birth_date"],
        pending["code"], enrolment["enrolment_id"], "12/04/1985", "31/02/2000", "1er mars 2021", "ABCDEFGH2345",
        "123456", " 12 34 56 ", "email", "sms", "totp", "letter", "photo", "no_photo", "", " ", "\u00a0",
        "user.name", "fr761234567890123", STRONG_PASSWORD, "é" * 9, "\x00",
        "𝟙𝟚𝟛𝟜𝟝𝟞", "٣٤٥٦٧٨", "²³¹⁴⁵⁶",  # digits that are not ASCII
    ]
    yield api
    api.close()


def _mostly(strategy):
    """``strategy`` nine times in ten, any JSON value otherwise."""
    return st.integers(0, 9).flatmap(lambda n: json_values if n == 0 else strategy)


def _typed(kind, api: Api):
    """Values of the field's own type most of the time (so the rules behind validation run), else anything."""
    strings = st.sampled_from(api.plausible) | st.text(max_size=30)
    if isinstance(kind, mi.Metadata):
        return _typed(kind.type, api)
    if isinstance(kind, mi.StrType):
        typed = strings
    elif isinstance(kind, mi.BoolType):
        typed = st.booleans()
    elif isinstance(kind, mi.IntType):
        typed = st.integers(min_value=-(2**40), max_value=2**40)
    elif isinstance(kind, mi.LiteralType):
        typed = st.sampled_from(kind.values) | strings
    elif isinstance(kind, mi.UnionType):
        typed = st.one_of([_typed(t, api) for t in kind.types])
    elif isinstance(kind, mi.NoneType):
        typed = st.none()
    elif isinstance(kind, mi.StructType):
        typed = _shaped(kind.cls, api)
    elif isinstance(kind, mi.ListType) and isinstance(kind.item_type, mi.StructType):
        typed = st.lists(_shaped(kind.item_type.cls, api), max_size=3)
    else:
        typed = json_values
    return _mostly(typed)


def _shaped(struct: type, api: Api):
    """Objects with the struct's own field names (the required ones always) and typed or random values."""
    info = mi.type_info(struct)
    return st.fixed_dictionaries({f.encode_name: _typed(f.type, api) for f in info.fields if f.required},
                                 optional={f.encode_name: _typed(f.type, api) for f in info.fields
                                           if not f.required})


@pytest.mark.parametrize("operation", POST_OPERATIONS, ids=lambda op: op.operation_id)
def test_no_json_body_gives_a_server_error(fuzz_server, operation):
    api = fuzz_server
    # A person of its own for each session operation: fuzzing may close their account.
    owner = api.active_person() if operation.access == "session" else api.people[0]
    token = owner["token"] if operation.access == "session" else None
    path = operation.path.replace("{profile_id}", owner["id"])  # a real profile, not a 404
    bodies = _mostly(_shaped(operation.request, api)) if operation.request else json_values

    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(body=bodies)
    def post_anything(body):
        try:
            response = api.post(path, body, token=token)
            assert response.status_code < 500, (body, response.text)
            if not response.is_success:
                error = response.json()["error"]
                assert error["code"] in CATALOGUE and CATALOGUE[error["code"]].status == response.status_code
                assert response.headers["x-request-id"] == error["request_id"]
        finally:
            if operation.operation_id == "moveClock":
                api.post("/v1/dev/clock", {"reset": True})

    post_anything()


def test_the_clock_cannot_be_moved_past_the_year_9999(api):
    century = 100 * 365 * 86400
    statuses = {api.post("/v1/dev/clock", {"advance_seconds": century}).status_code for _ in range(81)}
    try:
        assert max(statuses) < 500, statuses
        assert api.get("/health").status_code == 200
    finally:
        api.post("/v1/dev/clock", {"reset": True})
