"""The OpenAPI 3.1 document, generated from the route table and the msgspec types."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from ... import __version__
from ...contract import models as m
from ...contract.errors import CATALOGUE

REF = "#/components/schemas/{name}"
_QUERY_SCHEMAS = {
    int: {"type": "integer", "minimum": 1, "maximum": 10000},
    bool: {"type": "boolean"},
    str: {"type": "string", "maxLength": 200},
}

_ACCESS_TEXT = {
    "session": "Needs a session: `Authorization: Bearer <token>`.",
    "admin": "Needs the server's admin token in `X-Admin-Token` (or a server in development mode).",
    "dev": "Exists only on a server started with `--dev` (and in the embedded server).",
}


def build_openapi() -> dict[str, Any]:
    from .routes import OPERATIONS

    types = [m.ErrorResponse, m.Health]
    for op in OPERATIONS:
        types += [t for t in (op.request, op.response) if t is not None]
    schemas_list, components = msgspec.json.schema_components(types, ref_template=REF)
    schema_of = dict(zip(types, schemas_list))
    error_ref = {"content": {"application/json": {"schema": schema_of[m.ErrorResponse]}}}
    paths: dict[str, dict[str, Any]] = {
        "/health": {"get": {"operationId": "health", "summary": "Liveness and version", "tags": ["service"],
                            "responses": {"200": {"description": "OK", "content": {"application/json": {
                                "schema": schema_of[m.Health]}}}}}},
    }
    for op in OPERATIONS:
        entry: dict[str, Any] = {
            "operationId": op.operation_id, "summary": op.summary, "tags": [op.tag],
            "responses": {"default": {"description": "Error (see the error code catalogue)", **error_ref}},
        }
        if op.access != "public":
            entry["description"] = _ACCESS_TEXT[op.access]
        if op.access == "session":
            entry["security"] = [{"bearer": []}]
        elif op.access == "admin":
            entry["security"] = [{"adminToken": []}]
        binary = {"schema": {"type": "string", "format": "binary"}}
        if op.raw_body:
            entry["requestBody"] = {"required": True, "content": {op.raw_media: binary}}
        elif op.request is not None:  # a body whose fields all have defaults may be left out
            required = any(f.required for f in msgspec.structs.fields(op.request))
            entry["requestBody"] = {"required": required, "content": {"application/json": {
                "schema": schema_of[op.request]}}}
        parameters = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                      for name in re.findall(r"{(\w+)}", op.path)]
        parameters += [{"name": name, "in": "query", "required": False, "description": doc,
                        "schema": _QUERY_SCHEMAS[kind]} for name, kind, doc in op.query]
        if parameters:
            entry["parameters"] = parameters
        ok: dict[str, Any] = {"description": "OK"}
        if op.response is not None:
            ok["content"] = {"application/json": {"schema": schema_of[op.response]}}
        elif op.raw_media and not op.raw_body:
            ok["content"] = {op.raw_media: {"schema": {"type": "object"}} if op.raw_media.endswith("json") else binary}
        entry["responses"][str(op.status)] = ok
        if op.response is not None and "created" in getattr(op.response, "__struct_fields__", ()):
            entry["responses"]["200"] = {**ok, "description": "Already there (idempotent replay)"}
        paths.setdefault(op.path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Mon espace santé — reference server (mes-cli)",
            "version": __version__,
            "description": "Error codes: " + ", ".join(sorted(CATALOGUE)) + ".",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "adminToken": {"type": "apiKey", "in": "header", "name": "X-Admin-Token"},
            },
        },
    }
