"""Development-mode endpoints: reading the outbox and moving the clock."""

from __future__ import annotations

import datetime as dt

from ...contract import models as m
from ...contract.errors import MesError
from ...i18n import _
from ..clock import UTC, from_iso, utcnow
from ..context import CLOCK_OFFSET_KEY, ServerContext
from ..services import events


def read_outbox(ctx: ServerContext, call) -> m.OutboxPage:
    to = call.query.get("to")
    limit = call.query.get("limit") or 100
    person = ctx.store.one("SELECT id FROM persons WHERE id = ? OR nir = ?", (to, to)) if to else None
    rows = ctx.outbox.list(recipient=to, person_id=person["id"] if person else None, limit=limit)
    return m.OutboxPage(messages=[
        m.OutboxMessage(id=r["id"], created_at=from_iso(r["created_at"]), channel=r["channel"],
                        recipient=r["recipient"], subject=r["subject"], body=r["body"], kind=r["kind"],
                        code=r["code"], link=r["link"])
        for r in rows
    ])

LATEST = dt.datetime(9000, 1, 1, tzinfo=UTC)  # leaves room for 10-year archives and dates computed ahead


def move_clock(ctx: ServerContext, call) -> m.ClockResponse:
    request: m.ClockRequest = call.body
    with ctx.store.transaction():
        offset = 0 if request.reset else int(ctx.store.get_meta(CLOCK_OFFSET_KEY, "0")) + request.advance_seconds
        if utcnow() + dt.timedelta(seconds=offset) >= LATEST:
            raise MesError("VALIDATION_ERROR", _("The clock cannot go past {year}; reset it (--reset) first.")
                           .format(year=f"{LATEST:%Y}"), {"field": "advance_seconds"})
        ctx.store.set_meta(CLOCK_OFFSET_KEY, offset)
    ctx.clock.moved()
    return m.ClockResponse(now=ctx.clock.now(), offset_seconds=offset)


# -- fault injection and the request journal (server/devtools.py) -------------------------------

def _tools(ctx: ServerContext):
    """The tools of a served development server; the embedded one, which lives for one command, has none."""
    if ctx.devtools is None:
        raise MesError("DEV_MODE_REQUIRED", _("Fault rules and the request journal exist only in a served "
                                              "development server (mes server run --dev, mes server exec)."))
    return ctx.devtools


def add_fault(ctx: ServerContext, call) -> m.FaultRule:
    from .routes import OPERATION_IDS

    rule: m.FaultRuleIn = call.body
    if rule.operation is None and rule.path is None:
        raise MesError("VALIDATION_ERROR", _("Say which requests the fault is for: an operation id or a path "
                                             "glob (e.g. /v1/profiles/*/documents)."), {"field": "operation"})
    if rule.operation is not None and rule.operation not in OPERATION_IDS:
        raise MesError("VALIDATION_ERROR", _("Unknown operation id {operation!r}; the operations are: {known}.")
                       .format(operation=rule.operation, known=", ".join(sorted(OPERATION_IDS))),
                       {"field": "operation", "accepted": sorted(OPERATION_IDS)})
    if rule.path is not None and not rule.path.startswith(("/", "*")):
        raise MesError("VALIDATION_ERROR", _("A path glob starts with / (e.g. /v1/profiles/*/documents), not "
                                             "{path!r}.").format(path=rule.path), {"field": "path"})
    if rule.status is None and not rule.latency_ms:
        raise MesError("VALIDATION_ERROR", _("A fault needs an error status, a latency, or both."),
                       {"field": "status"})
    return _tools(ctx).faults.add(rule)


def list_faults(ctx: ServerContext, call) -> m.FaultList:
    return m.FaultList(faults=_tools(ctx).faults.list())


def clear_faults(ctx: ServerContext, call) -> None:
    _tools(ctx).faults.clear()


def read_journal(ctx: ServerContext, call) -> m.JournalPage:
    query = call.query
    return _tools(ctx).journal.read(after=_whole(query.get("after") or "0", "after"),
                                    operation=query.get("operation"),
                                    status=query.get("status"), limit=query.get("limit") or 100,
                                    bodies=bool(query.get("bodies")), wait=query.get("wait") or 0)


# -- events and webhooks (services/events.py) --------------------------------------------------------

def read_events(ctx: ServerContext, call) -> m.EventPage:
    query = call.query
    return events.read(ctx, after=_whole(query.get("after") or "0", "after"), type_=query.get("type"),
                       limit=query.get("limit") or 100, wait=query.get("wait") or 0)


def trigger_event(ctx: ServerContext, call) -> m.Event:
    return events.trigger(ctx, call.body)


def add_webhook(ctx: ServerContext, call) -> m.Webhook:
    return events.add_webhook(ctx, call.body)


def list_webhooks(ctx: ServerContext, call) -> m.WebhookList:
    return events.list_webhooks(ctx)


def remove_webhook(ctx: ServerContext, call) -> None:
    events.remove_webhook(ctx, call.params["webhook_id"])


def list_deliveries(ctx: ServerContext, call) -> m.DeliveryList:
    return events.deliveries(ctx, call.query.get("webhook"), call.query.get("limit") or 100)


def _whole(text: str, name: str) -> int:
    """A query parameter that is an id: a whole number, however large (the generic int rule stops at 10000)."""
    if not (text.isascii() and text.isdigit()):
        raise MesError("VALIDATION_ERROR", _("Query parameter {name!r} must be a whole number.").format(name=name),
                       {"field": name})
    return int(text)
