"""Fuzzing the reference server against its own OpenAPI document, in-process, with schemathesis.

Every operation of ``build_openapi()`` gets a bounded number of generated requests
(valid and invalid, derandomized, so a run is repeatable) sent to the server's WSGI app
itself. Each response goes through schemathesis' checks: no 5xx, a status the
document declares, a body matching the declared schema, invalid input refused with
a 4xx, declared authentication actually enforced. A person is seeded, activated and
logged in first, so that the session token (and the admin token) reach the handlers;
for valid cases the ``profile_id`` path parameter is the person's own id, so document
and profile operations run their rules rather than stopping at 404.

A separate, explicit test sends every protected operation without a token, with an
invalid token and with the wrong admin token: each must answer 401 with the one error
shape. ``bench/fuzz.py`` runs the same fuzzing for longer, with a random seed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest

import schemathesis  # noqa: E402

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

from mes_cli.contract import models as m  # noqa: E402
from mes_cli.server.http.openapi import build_openapi  # noqa: E402
from mes_cli.server.settings import Settings  # noqa: E402
from support.api import Api, build_context, expect_error  # noqa: E402

ADMIN_TOKEN = "fuzz-admin-token-0123456789"
MAX_EXAMPLES = 15
QUERY_MAX_LENGTH = 200  # what the document declares for every string query parameter

# Schema-valid is not rule-valid here: a NIR's key, a card serial, an RPPS number, a password's strength
# or a category code are business rules that JSON Schema does not carry, and a 422 for them is right.
EXCLUDED_CHECKS = [positive_data_acceptance]

SCHEMA = schemathesis.openapi.from_dict(build_openapi())


@dataclass
class FuzzServer:
    """The app under fuzzing, with a logged-in person whose token is renewed when a case logs it out."""

    api: Api
    person: dict
    token: str
    stale: bool = False

    @property
    def app(self) -> Any:
        return self.api.client._transport.app  # the WSGI app behind the helper's client

    def fresh_token(self) -> str:
        if self.stale:
            self.token = self.api.login(self.person)
            self.stale = False
        return self.token


def start_fuzz_server(data_dir, database_url: str | None = None) -> FuzzServer:
    settings = Settings(data_dir=data_dir, dev=True, admin_token=ADMIN_TOKEN, database_url=database_url)
    api = Api.start(settings, build_context(settings))
    p = api.seed()
    api.activate(p)
    token = api.login(p)
    return FuzzServer(api, p, token)


_SERVER: dict[str, FuzzServer] = {}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request) -> str:
    """The fuzzing runs on both stores, one server each (module scope)."""
    return request.param


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory, frozen_time, backend, request):
    database_url = request.getfixturevalue("postgres").new_database() if backend == "postgresql" else None
    server = start_fuzz_server(tmp_path_factory.mktemp("fuzz") / "data", database_url)
    _SERVER["current"] = server
    yield server
    _SERVER.pop("current", None)
    server.api.close()
    if database_url:
        request.getfixturevalue("postgres").drop_database(database_url)


def _security(case) -> set[str]:
    names: set[str] = set()
    for requirement in case.operation.definition.raw.get("security", []):
        names.update(requirement)
    return names


def prepare(case, server: FuzzServer) -> dict[str, str]:
    """Headers with valid credentials for the operation; the person's own profile id in valid cases."""
    security = _security(case)
    headers: dict[str, str] = {}
    if "bearer" in security:
        headers["Authorization"] = f"Bearer {server.fresh_token()}"
    if "adminToken" in security:
        headers["X-Admin-Token"] = ADMIN_TOKEN
    positive = case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE
    if positive and case.path_parameters and "profile_id" in case.path_parameters:
        # Half the valid cases target the person's real profile (deterministically, from the case's data).
        if len(repr(case.path_parameters)) % 2 == 0:
            case.path_parameters["profile_id"] = server.person["id"]
    return headers


def after(case, server: FuzzServer, response) -> None:
    if case.operation.method.upper() == "DELETE" and case.operation.path == "/v1/session":
        server.stale = True  # the fuzzer logged the person out: log in again before the next protected call
    elif case.operation.path in ("/v1/account/close", "/v1/password-resets/complete") and response.status_code < 300:
        server.stale = True


def known_exclusions(case, response) -> list:
    return list(EXCLUDED_CHECKS)


@SCHEMA.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_to_the_document(case, fuzz_server):
    # The app exists only once the fixture ran: hand it to the operation and its schema, so that
    # schemathesis' own probes (the authentication checks) go in-process too.
    case.operation.app = case.operation.schema.app = fuzz_server.app
    headers = prepare(case, fuzz_server)
    response = case.call(headers=headers)
    after(case, fuzz_server, response)
    case.validate_response(response, headers=headers, excluded_checks=known_exclusions(case, response))


# -- authentication, explicitly -------------------------------------------------------------

DOCUMENT = build_openapi()
PROTECTED = [
    (method.upper(), path, next(iter(req)))
    for path, item in DOCUMENT["paths"].items()
    for method, op in item.items()
    for req in op.get("security", [])
]


def _concrete(path: str) -> str:
    return re.sub(r"{\w+}", "x0", path)


@pytest.mark.parametrize(("method", "path", "scheme"), PROTECTED, ids=[f"{m} {p}" for m, p, _ in PROTECTED])
def test_protected_operation_refuses_missing_or_invalid_credentials(fuzz_server, method, path, scheme):
    api = fuzz_server.api
    url = _concrete(path)
    body = {"content": b"%PDF-1.4\n"} if "documents" in path and method == "POST" else {"json": {}}
    if scheme == "bearer":
        for headers, code in [({}, "AUTH_REQUIRED"), ({"Authorization": "Basic dXNlcjpwYXNz"}, "AUTH_REQUIRED"),
                              ({"Authorization": "Bearer "}, "AUTH_REQUIRED"),
                              ({"Authorization": "Bearer not-a-real-token"}, "SESSION_EXPIRED"),
                              ({"Authorization": "Bearer " + fuzz_server.fresh_token() + "x"}, "SESSION_EXPIRED"),
                              ({"X-Admin-Token": ADMIN_TOKEN}, "AUTH_REQUIRED")]:  # the admin key is no session
            expect_error(api.client.request(method, url, headers=headers, **body), code)
        return
    else:
        attempts = [{}, {"X-Admin-Token": "wrong"}, {"X-Admin-Token": ADMIN_TOKEN + "0"},
                    {"Authorization": "Bearer " + fuzz_server.fresh_token()}]  # a person's session is no admin
        code = "ADMIN_REQUIRED"  # 403 in the catalogue: the admin token is a key, not a login
    for headers in attempts:
        response = api.client.request(method, url, headers=headers, **body)
        expect_error(response, code)


# -- mismatches the fuzzer found, fixed: each stays as a regression test -----


def test_upload_answer_is_labelled_json(fuzz_server):
    api, p = fuzz_server.api, fuzz_server.person
    response = api.request("POST", f"/v1/profiles/{p['id']}/documents", token=fuzz_server.fresh_token(),
                           params={"title": "Fuzz label"}, content=b"Du texte tout simple.\n",
                           headers={"Content-Type": "application/octet-stream"})
    assert response.status_code in (200, 201), response.text
    msgspec.json.decode(response.content, type=m.UploadResult)
    assert response.headers["content-type"].startswith("application/json"), response.headers["content-type"]


def _operations_without_required_fields() -> list[str]:
    ids = []
    for path, item in DOCUMENT["paths"].items():
        for method, op in item.items():
            content = op.get("requestBody", {}).get("content", {}).get("application/json")
            if content and op["requestBody"].get("required"):
                ref = content["schema"].get("$ref", "")
                schema = DOCUMENT["components"]["schemas"].get(ref.rsplit("/", 1)[-1], content["schema"])
                if not schema.get("required"):
                    ids.append(f"{method.upper()} {path}")
    return ids


def test_missing_required_body_is_rejected(fuzz_server):
    api = fuzz_server.api
    accepted = []
    for operation in _operations_without_required_fields():
        method, path = operation.split(" ", 1)
        if "{" in path:
            continue
        headers = {"X-Admin-Token": ADMIN_TOKEN, "Authorization": f"Bearer {fuzz_server.fresh_token()}"}
        response = api.client.request(method, path, headers=headers)
        if response.status_code < 300:
            accepted.append((operation, response.status_code))
    assert not accepted, accepted


def test_overlong_query_string_is_rejected(fuzz_server):
    response = fuzz_server.api.get("/v1/vaccines", params={"q": "a" * (QUERY_MAX_LENGTH + 1)})
    expect_error(response, "VALIDATION_ERROR")
