"""The OpenAPI document: generated from the route table, served at /openapi.json, kept in docs/.

If ``test_docs_openapi_json_is_up_to_date`` fails, regenerate the file with
``mes server openapi > docs/openapi.json`` and commit it.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import msgspec
import pytest

from mes_cli.contract import models as m
from mes_cli.contract.errors import CATALOGUE
from mes_cli.server.http.openapi import build_openapi
from mes_cli.server.http.routes import OPERATIONS
from support.cli import Mes
from support.people import STRONG_PASSWORD

DOCS_OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
REGENERATE = "docs/openapi.json differs from what the server generates; regenerate it with " \
             "`mes server openapi > docs/openapi.json` (from the repository root) and commit it."
REF_PREFIX = "#/components/schemas/"
OP_ID = {"ids": lambda op: op.operation_id}


def rendered(document: dict) -> str:
    """The file's exact text, as `mes server openapi` prints it."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@pytest.fixture
def served(api) -> dict:
    response = api.get("/openapi.json")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    return response.json()


def test_the_served_document_is_the_generated_one(served):
    assert served == json.loads(rendered(build_openapi()))
    assert served["openapi"] == "3.1.0"


def test_the_document_is_stable_between_builds():
    assert rendered(build_openapi()) == rendered(build_openapi())


@pytest.mark.parametrize("op", OPERATIONS, **OP_ID)
def test_every_operation_is_listed_with_its_method(served, op):
    entry = served["paths"][op.path][op.method.lower()]
    assert entry["operationId"] == op.operation_id
    assert entry["summary"] == op.summary and entry["tags"] == [op.tag]


def test_nothing_but_the_operations_and_health_is_listed(served):
    listed = {(path, method.upper()) for path, methods in served["paths"].items() for method in methods}
    assert listed == {(op.path, op.method) for op in OPERATIONS} | {("/health", "GET")}
    ids = [entry["operationId"] for methods in served["paths"].values() for entry in methods.values()]
    assert len(ids) == len(set(ids)), "operationIds must be unique"


@pytest.mark.parametrize("op", OPERATIONS, **OP_ID)
def test_request_and_response_types_have_components(served, op):
    schemas = served["components"]["schemas"]
    entry = served["paths"][op.path][op.method.lower()]
    if op.request is not None:
        assert op.request.__name__ in schemas
        body = entry["requestBody"]
        # required exactly when the type has a field without a default (an absent body decodes as {})
        assert body["required"] is any(f.required for f in msgspec.structs.fields(op.request))
        assert body["content"]["application/json"]["schema"] == {"$ref": REF_PREFIX + op.request.__name__}
    elif not getattr(op, "raw_body", False):
        assert "requestBody" not in entry
    ok = entry["responses"][str(op.status)]
    if op.response is not None:
        assert op.response.__name__ in schemas
        assert ok["content"]["application/json"]["schema"] == {"$ref": REF_PREFIX + op.response.__name__}
    elif getattr(op, "raw_media", None) is None:
        assert "content" not in ok  # e.g. 204 No Content


@pytest.mark.parametrize("op", OPERATIONS, **OP_ID)
def test_every_response_status_is_declared(served, op):
    responses = served["paths"][op.path][op.method.lower()]["responses"]
    assert str(op.status) in responses
    error = responses["default"]["content"]["application/json"]["schema"]
    assert error == {"$ref": REF_PREFIX + "ErrorResponse"}


def _replays(op) -> bool:
    """Operations whose answer says whether something was created may answer 200 on a replay."""
    return (isinstance(op.response, type) and issubclass(op.response, msgspec.Struct)
            and "created" in {f.name for f in msgspec.structs.fields(op.response)})




@pytest.mark.parametrize("op", [op for op in OPERATIONS if _replays(op)], **OP_ID)
def test_replay_statuses_are_declared_too(served, op):
    replay_status = op.status_of(SimpleNamespace(created=False))
    assert str(replay_status) in served["paths"][op.path][op.method.lower()]["responses"], (
        f"{op.operation_id} answers {replay_status} to a replay but the document only declares {op.status}")


def test_an_idempotent_upload_replay_answers_a_declared_status(api, served):
    upload = next(op for op in OPERATIONS if op.operation_id == "uploadDocument")
    p = api.active_person()
    path = upload.path.replace("{profile_id}", p["id"])
    headers = {"Idempotency-Key": "replay-1", "Content-Type": "application/octet-stream"}
    statuses = [api.request("POST", path, token=p["token"], headers=headers, params={"filename": "cr.txt"},
                            content=b"Compte rendu de consultation.\n").status_code for _ in range(2)]
    assert statuses == [201, 200]
    declared = served["paths"][upload.path]["post"]["responses"]
    assert all(str(status) in declared for status in statuses), (statuses, sorted(declared))


def test_every_schema_reference_resolves(served):
    schemas = served["components"]["schemas"]
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(served)
    assert refs
    for ref in refs:
        assert ref.startswith(REF_PREFIX) and ref[len(REF_PREFIX):] in schemas, ref


@pytest.mark.parametrize("op", OPERATIONS, **OP_ID)
def test_access_is_declared(served, op):
    entry = served["paths"][op.path][op.method.lower()]
    expected = {"session": [{"bearer": []}], "admin": [{"adminToken": []}]}.get(op.access)
    assert entry.get("security") == expected
    if op.access == "dev":
        assert "--dev" in entry["description"]
    schemes = served["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer"}
    assert schemes["adminToken"]["name"] == "X-Admin-Token"


@pytest.mark.parametrize("op", [op for op in OPERATIONS if op.query], **OP_ID)
def test_query_parameters_are_declared(served, op):
    parameters = served["paths"][op.path][op.method.lower()]["parameters"]
    declared = {p["name"]: p for p in parameters if p["in"] == "query"}
    assert set(declared) == {name for name, _kind, _doc in op.query}
    for name, kind, _doc in op.query:
        if kind is int:
            assert declared[name]["schema"]["type"] == "integer" and declared[name]["schema"]["minimum"] == 1


def test_the_error_catalogue_is_in_the_document(served):
    description = served["info"]["description"]
    for code in CATALOGUE:
        assert code in description


def test_health_is_documented(served):
    health = served["paths"]["/health"]["get"]
    assert health["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": REF_PREFIX + "Health"}
    assert set(served["components"]["schemas"]["Health"]["required"]) == {
        f.name for f in msgspec.structs.fields(m.Health)}


def test_the_statuses_answered_are_the_declared_ones(api, served):
    """A real lifecycle: every success status the server answers is the one the document declares."""
    answered: list[tuple[str, str, int]] = []

    def record(response):
        answered.append((response.request.method, response.request.url.path, response.status_code))
        return response

    api.client.event_hooks["response"].append(record)
    p = api.active_person()
    api.ok(api.post("/v1/account/totp", token=p["token"]))
    api.ok(api.post("/v1/password-resets", {**api.identity(p), "channel": "sms"}))
    api.ok(api.post("/v1/identifier-recovery", {"nir": p["nir"], "birth_date": p["birth_date"]}))
    api.ok(api.post("/v1/account/close", {"password": STRONG_PASSWORD}, token=api.login(p)))
    api.delete("/v1/session", token=p["token"])
    successes = {(method, path, status) for method, path, status in answered if status < 400}
    assert len({(method, path) for method, path, _ in successes}) >= 10
    for method, path, status in successes:
        declared = served["paths"][path][method.lower()]["responses"]
        assert str(status) in declared, (method, path, status, sorted(declared))


def test_docs_openapi_json_is_up_to_date():
    assert DOCS_OPENAPI.exists(), REGENERATE
    assert DOCS_OPENAPI.read_text(encoding="utf-8") == rendered(build_openapi()), REGENERATE


def test_the_regeneration_command_writes_the_same_text(tmp_path):
    result = Mes(home=tmp_path / "home")("server", "openapi")
    assert result.exit_code == 0, result
    assert result.stdout == rendered(build_openapi())
