"""`mes api METHOD PATH`: the raw escape hatch to any endpoint (like `gh api`).

Authenticated with the current session (when there is one) and the admin
token (when set). `--field k=v` builds a JSON object — values typed (numbers,
true/false/null parsed, anything else a string), `k:=JSON` for raw JSON; for
GET/HEAD/DELETE the fields go in the query string instead. `--input FILE|-`
sends a file (or stdin) as the body. The answer is printed on stdout: JSON
pretty-printed, text as is, anything else as bytes (redirect it to a file).
An error's answer too (like `gh api`): its body ``{"error": {...}}`` on stdout,
for a script to read, and the usual one line on stderr with the exit code that
the error body gives (docs/json-output.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..i18n import _
from .context import AppContext

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
QUERY_METHODS = ("GET", "HEAD", "DELETE")


def parse_field(item: str) -> tuple[str, object]:
    """``k=v`` (typed scalar) or ``k:=JSON`` (raw JSON) as a (key, value) pair."""
    import json

    from ..contract.errors import MesError

    at = item.find("=")
    if at <= 0 or (item[at - 1] == ":" and at == 1):
        raise MesError("VALIDATION_ERROR", _("--field takes key=value or key:=json, not {item!r}.").format(item=item),
                       {"field": "field"})
    raw = item[at - 1] == ":"
    key, value = (item[:at - 1] if raw else item[:at]), item[at + 1:]
    if raw:
        try:
            return key, json.loads(value)
        except ValueError as exc:
            raise MesError("VALIDATION_ERROR", _("--field {key}:= is not valid JSON ({error}).").format(
                key=key, error=exc), {"field": "field"}) from None
    return key, typed(value)


def typed(value: str) -> object:
    literals = {"true": True, "false": False, "null": None}
    if value in literals:
        return literals[value]
    for kind in (int, float):
        try:
            number = kind(value)
        except ValueError:
            continue
        if kind is float and value.strip().lower() in ("nan", "inf", "-inf", "infinity", "-infinity", "+inf"):
            break
        return number
    return value


def api(
    ctx: typer.Context,
    method: Annotated[str, typer.Argument(help="GET, POST, PUT, PATCH, DELETE, HEAD")],
    path: Annotated[str, typer.Argument(help="Path on the server, e.g. /v1/me or /v1/profiles/me/documents?limit=5")],
    field: Annotated[Optional[list[str]], typer.Option("--field", "-F", metavar="KEY=VALUE",
                     help="A field of the JSON body (typed: numbers, true/false/null); KEY:=JSON for raw JSON; "
                          "query parameters for GET/HEAD/DELETE")] = None,
    input_: Annotated[Optional[str], typer.Option("--input", metavar="FILE|-",
                      help="Send this file (or stdin with -) as the body")] = None,
    header: Annotated[Optional[list[str]], typer.Option("--header", "-H", metavar="NAME:VALUE",
                      help="An extra header, e.g. 'Idempotency-Key: 123' (makes a POST retryable)")] = None,
    content_type: Annotated[str, typer.Option("--content-type", help="Content-Type of an --input body")]
    = "application/json",
) -> None:
    """Call any endpoint with the current session; print the JSON answer on stdout (an error's body too)."""
    import json

    from ..contract.errors import MesError

    app: AppContext = ctx.obj
    method = method.upper()
    if method not in METHODS:
        raise MesError("VALIDATION_ERROR", _("Unknown method {method!r}; use one of {methods}.").format(
            method=method, methods=', '.join(METHODS)), {"field": "method"})
    if not path.startswith("/"):
        path = "/" + path
    if field and input_:
        raise MesError("VALIDATION_ERROR", _("Use --field or --input, not both."), {"field": "input"})
    headers: dict[str, str] = {}
    for item in header or []:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise MesError("VALIDATION_ERROR", _("--header takes NAME:VALUE, not {item!r}.").format(item=item),
                           {"field": "header"})
        headers[name.strip()] = value.strip()
    content: bytes | None = None
    if field:
        pairs = [parse_field(item) for item in field]
        if method in QUERY_METHODS:
            import httpx

            query = [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in pairs]
            path = str(httpx.URL(path).copy_merge_params(query))
        else:
            content = json.dumps(dict(pairs), ensure_ascii=False).encode()
            headers.setdefault("Content-Type", "application/json")
    elif input_:
        content = _read_input(app, input_)
        headers.setdefault("Content-Type", content_type)
    reply = app.client.raw(method, path, content=content, headers=headers, on_error=lambda error: _print(app, error))
    _print(app, reply)


def _read_input(app: AppContext, source: str) -> bytes:
    from ..contract.errors import MesError

    if source == "-":
        buffer = getattr(app.env.stdin, "buffer", None)
        return buffer.read() if buffer is not None else app.env.stdin.read().encode()
    try:
        return Path(source).expanduser().read_bytes()
    except OSError as exc:
        raise MesError("VALIDATION_ERROR", _("Cannot read --input {source}: {reason}.").format(
            source=source, reason=exc.strerror), {"field": "input"}) from None


def _print(app: AppContext, reply) -> None:
    import json

    kind = reply.headers.get("content-type", "").split(";")[0].strip().lower()
    body = reply.content
    if not body:
        return
    if kind == "application/json" or kind.endswith("+json"):
        try:
            app.env.stdout.write(json.dumps(json.loads(body), ensure_ascii=False, indent=2) + "\n")
            return
        except ValueError:
            pass
    if kind.startswith("text/"):
        app.env.stdout.write(reply.text)
        return
    buffer = getattr(app.env.stdout, "buffer", None)
    if buffer is None:
        app.env.stdout.write(body.decode("utf-8", "replace"))
    else:
        app.env.stdout.flush()
        buffer.write(body)
        buffer.flush()


def register(root: typer.Typer) -> None:
    root.command("api")(api)
