"""`mes server events …` and `mes server webhooks …`: a development server's state changes, streamed or
sent to receivers (server/services/events.py, server/webhooks.py), as `stripe listen`/`trigger` give them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..contract.errors import MesError
from ..i18n import _
from .context import AppContext
from .options import FormatOpt

events_app = typer.Typer(help="The state changes of a development server: list, follow, trigger.",
                         invoke_without_command=True)
webhooks_app = typer.Typer(help="Send a development server's events to URLs, signed (HMAC-SHA-256).",
                           no_args_is_help=True)
EVENT_COLUMNS = ["id", "at", "type", "subject", "data"]
WEBHOOK_COLUMNS = ["id", "url", "types", "delivered", "pending", "failed"]
DELIVERY_COLUMNS = ["webhook_id", "event_id", "type", "status", "attempts", "last_status", "last_error"]
FOLLOW_WAIT_SECONDS = 10


@events_app.callback()
def events(
    ctx: typer.Context,
    follow: Annotated[bool, typer.Option("--follow", help="Keep printing new events (JSONL) until Ctrl-C")] = False,
    type_: Annotated[Optional[str], typer.Option("--type", metavar="TYPE", help="Only events of this type "
                     "(e.g. document.added)")] = None,
    after: Annotated[int, typer.Option("--after", min=0, help="Only events after this id")] = 0,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="At most this many")] = 100,
    fmt: FormatOpt = None,
) -> None:
    """The events (account activated, login, document added, message received…): ids only, no health data."""
    if ctx.invoked_subcommand is not None:
        return
    app: AppContext = ctx.obj
    if not follow:
        app.emit(app.client.events(after, type_, limit).events, fmt, columns=EVENT_COLUMNS)
        return
    chosen = fmt or "jsonl"
    position = after
    while True:
        page = app.client.events(position, type_, limit,
                                 wait=max(1, min(FOLLOW_WAIT_SECONDS, int(app.config.timeout) - 1)))
        for event in page.events:
            app.emit(event, "jsonl" if chosen != "table" else "table", columns=EVENT_COLUMNS)
        app.env.stdout.flush()
        position = page.next_after


@events_app.command("trigger")
def trigger(
    ctx: typer.Context,
    type_: Annotated[str, typer.Argument(metavar="TYPE", help="The event type, e.g. document.added or "
                     "login.succeeded (every type: docs/ci.md)")],
    fixture: Annotated[Optional[Path], typer.Option("--fixture", metavar="FILE", help="JSON object: subject and "
                       "data (ids), e.g. {\"subject\": \"d_1\", \"data\": {\"document_id\": \"d_1\"}}")] = None,
    subject: Annotated[Optional[str], typer.Option("--subject", help="The resource id (instead of a fixture)")]
    = None,
    fmt: FormatOpt = None,
) -> None:
    """Create an event on demand, to try a webhook receiver without making the change."""
    from ..contract import models as m

    app: AppContext = ctx.obj
    if (fixture is None) == (subject is None):
        raise MesError("USAGE_ERROR", _("Give --fixture FILE or --subject ID (one of them)."), {"field": "fixture"})
    fields = _fixture(fixture) if fixture is not None else {"subject": subject}
    try:
        trigger_body = m.EventTrigger(type=type_, subject=str(fields.get("subject") or ""),
                                      data={str(k): str(v) for k, v in (fields.get("data") or {}).items()})
    except (AttributeError, TypeError):
        raise MesError("VALIDATION_ERROR", _("{file}: \"data\" must be an object of ids.").format(file=fixture),
                       {"field": "fixture"}) from None
    event = app.client.trigger_event(trigger_body)
    app.say(_("✓ event {id} ({type}) created.").format(id=event.id, type=event.type))
    app.emit(event, fmt)


def _fixture(path: Path) -> dict:
    try:
        fields = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MesError("NOT_FOUND", _("Cannot read {file}: {reason}.").format(file=path, reason=exc.strerror),
                       {"field": "fixture"}) from None
    except ValueError:
        fields = None
    if not isinstance(fields, dict):
        raise MesError("VALIDATION_ERROR", _("{file} is not a JSON object with \"subject\" and \"data\".").format(
            file=path), {"field": "fixture"})
    return fields


@webhooks_app.command("add")
def add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="Where to POST the events (http:// or https://)")],
    types: Annotated[Optional[list[str]], typer.Option("--type", metavar="TYPE", help="Only events of this type "
                     "(repeat for more; default: every type)", show_default=False)] = None,
    secret_stdin: Annotated[bool, typer.Option("--secret-stdin", help="Read the signing secret from stdin's first "
                            "line (default: a new one, printed once)")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Send the events from now on to URL, signed: Mes-Signature: t=TIME,v1=HMAC-SHA-256(secret, "TIME.BODY")."""
    import secrets

    from ..contract import models as m

    app: AppContext = ctx.obj
    secret = app.env.stdin.readline().strip() if secret_stdin else secrets.token_urlsafe(24)
    if secret_stdin and len(secret) < 16:
        raise MesError("VALIDATION_ERROR", _("The signing secret must have at least 16 characters."),
                       {"field": "secret"})
    webhook = app.client.add_webhook(m.WebhookIn(url=url, secret=secret, types=list(types or [])))
    app.say(_("✓ webhook {id}: events go to {url} (sent by the running server; see "
              "`mes server webhooks deliveries`).").format(id=webhook.id, url=webhook.url))
    if not secret_stdin:
        app.say(_("Signing secret (shown once): {secret}").format(secret=secret))
    app.emit(webhook, fmt)


@webhooks_app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """The webhooks, with their deliveries by status."""
    app: AppContext = ctx.obj
    app.emit(app.client.webhooks().webhooks, fmt, columns=WEBHOOK_COLUMNS)


@webhooks_app.command("remove")
def remove(ctx: typer.Context, webhook_id: Annotated[str, typer.Argument(help="The webhook's id")]) -> None:
    """Stop sending events to a webhook (its deliveries are forgotten)."""
    app: AppContext = ctx.obj
    app.client.remove_webhook(webhook_id)
    app.say(_("✓ webhook {id} removed.").format(id=webhook_id))


@webhooks_app.command("deliveries")
def deliveries(
    ctx: typer.Context,
    webhook: Annotated[Optional[str], typer.Option("--webhook", metavar="ID", help="Only this webhook's")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="At most this many (the newest)")] = 100,
    fmt: FormatOpt = None,
) -> None:
    """Each event sent to a webhook: delivered, pending (retried with backoff) or failed, and its attempts."""
    app: AppContext = ctx.obj
    app.emit(app.client.deliveries(webhook, limit).deliveries, fmt, columns=DELIVERY_COLUMNS)


def register(server_app: typer.Typer) -> None:
    server_app.add_typer(events_app, name="events")
    server_app.add_typer(webhooks_app, name="webhooks")
