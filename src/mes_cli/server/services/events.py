"""Events: every state change a development server makes, kept in order, read by tests and sent to webhooks.

An event says what happened (``type``), when, and to what (``subject``: the id of the resource, so that
events about one resource keep their order) with a few more ids in ``data`` — never health data: a
webhook receiver reads the rest through the API like any client. Events are written in the same
transaction as the change they report (a rolled-back change leaves no event), on development servers
only (the embedded one included): a production server records nothing.

Webhooks get the events of their types, signed, in order, one at a time: server/webhooks.py.
"""

from __future__ import annotations

import json
import secrets
import time

from ...contract import models as m
from ...contract.errors import MesError
from ...i18n import _
from ..clock import from_iso, to_iso
from ..context import ServerContext

# type → what it reports (the OpenAPI document and `mes server events --help` list them).
EVENT_TYPES: dict[str, str] = {
    "account.activated": "A space was activated (person_id)",
    "account.opposed": "A person opposed the creation of their space (person_id)",
    "account.closed": "A space was closed (person_id)",
    "login.succeeded": "A login was completed (person_id)",
    "document.added": "A document was added (profile_id, document_id)",
    "document.replaced": "A new version of a document took the place of another (profile_id, document_id, "
                         "replaced_id)",
    "document.deleted": "A document was deleted (profile_id, document_id)",
    "message.received": "A professional wrote to a person (profile_id, conversation_id, message_id, rpps)",
    "message.sent": "A person wrote to a professional (profile_id, conversation_id, message_id, rpps)",
    "reminder.due": "A vaccination reminder was sent (profile_id, rule_id)",
    "child.attached": "A child's profile was attached to a caregiver (profile_id, caregiver_id)",
    "child.detached": "A caregiver detached a child's profile (profile_id, caregiver_id)",
}
LONGEST_WAIT_SECONDS = 30
POLL_SECONDS = 0.2


def emit(conn, ctx: ServerContext, type_: str, subject: str, **ids: str | None) -> int | None:
    """Records an event within the caller's transaction (development servers only); its id."""
    if not ctx.settings.dev:
        return None
    assert type_ in EVENT_TYPES, type_
    rows = conn.execute("INSERT INTO events(type, at, subject, data) VALUES (?, ?, ?, ?) RETURNING id",
                        (type_, to_iso(ctx.clock.now()), subject,
                         json.dumps({k: v for k, v in ids.items() if v is not None}, sort_keys=True))).fetchall()
    return rows[0]["id"]


def read(ctx: ServerContext, *, after: int = 0, type_: str | None = None, limit: int = 100,
         wait: float = 0) -> m.EventPage:
    """Events after id ``after``, oldest first; with ``wait``, up to that long for a first one."""
    if type_ is not None:
        check_type(type_)
    deadline = time.monotonic() + min(wait, LONGEST_WAIT_SECONDS)
    while True:
        rows = ctx.store.all("SELECT id, type, at, subject, data FROM events WHERE id > ?"
                             + (" AND type = ?" if type_ else "") + " ORDER BY id LIMIT ?",
                             (after, type_, limit) if type_ else (after, limit))
        if rows or time.monotonic() >= deadline:
            events = [event_view(row) for row in rows]
            return m.EventPage(events=events, next_after=events[-1].id if events else after)
        time.sleep(POLL_SECONDS)


def event_view(row) -> m.Event:
    return m.Event(id=row["id"], type=row["type"], at=from_iso(row["at"]), subject=row["subject"],
                   data=json.loads(row["data"]))


def trigger(ctx: ServerContext, request: m.EventTrigger) -> m.Event:
    """An event on demand (`mes server events trigger`), to try a receiver without making the change."""
    check_type(request.type)
    with ctx.store.transaction() as conn:
        event_id = emit(conn, ctx, request.type, request.subject, **request.data)
    return event_view(ctx.store.one("SELECT id, type, at, subject, data FROM events WHERE id = ?", (event_id,)))


def check_type(type_: str) -> None:
    if type_ not in EVENT_TYPES:
        raise MesError("VALIDATION_ERROR", _("Unknown event type {type!r}; the types are: {known}.").format(
            type=type_, known=", ".join(EVENT_TYPES)), {"field": "type", "accepted": list(EVENT_TYPES)})


# -- webhooks -------------------------------------------------------------------------------------

def add_webhook(ctx: ServerContext, request: m.WebhookIn) -> m.Webhook:
    """Subscribes ``url`` to events from now on. The signing secret is kept as given (it signs, so it
    cannot be hashed): webhooks exist on development servers only."""
    from urllib.parse import urlsplit

    parts = urlsplit(request.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise MesError("VALIDATION_ERROR", _("A webhook URL is http:// or https:// with a host, not {url!r}.")
                       .format(url=request.url), {"field": "url"})
    for type_ in request.types:
        check_type(type_)
    webhook_id = f"wh_{secrets.token_hex(6)}"
    with ctx.store.transaction() as conn:
        last = conn.execute("SELECT COALESCE(MAX(id), 0) AS last FROM events").fetchone()["last"]
        conn.execute("INSERT INTO webhooks(id, url, types, secret, created_at, cursor) VALUES (?, ?, ?, ?, ?, ?)",
                     (webhook_id, request.url, ",".join(request.types), request.secret, to_iso(ctx.clock.now()),
                      last))
    return webhook_view(ctx, webhook_id)


def webhook_view(ctx: ServerContext, webhook_id: str) -> m.Webhook:
    row = ctx.store.one("SELECT id, url, types, created_at FROM webhooks WHERE id = ?", (webhook_id,))
    if row is None:
        raise MesError("NOT_FOUND", _("No webhook {id!r}; see `mes server webhooks list`.").format(id=webhook_id))
    counts = {r["status"]: r["n"] for r in ctx.store.all(
        "SELECT status, COUNT(*) AS n FROM webhook_deliveries WHERE webhook_id = ? GROUP BY status", (webhook_id,))}
    return m.Webhook(id=row["id"], url=row["url"], types=[t for t in row["types"].split(",") if t],
                     created_at=from_iso(row["created_at"]), delivered=counts.get("delivered", 0),
                     pending=counts.get("pending", 0), failed=counts.get("failed", 0))


def list_webhooks(ctx: ServerContext) -> m.WebhookList:
    return m.WebhookList(webhooks=[webhook_view(ctx, row["id"]) for row in
                                   ctx.store.all("SELECT id FROM webhooks ORDER BY created_at, id")])


def remove_webhook(ctx: ServerContext, webhook_id: str) -> None:
    webhook_view(ctx, webhook_id)  # a clear "not found" first
    with ctx.store.transaction() as conn:
        conn.execute("DELETE FROM webhook_deliveries WHERE webhook_id = ?", (webhook_id,))
        conn.execute("DELETE FROM webhooks WHERE id = ?", (webhook_id,))


def deliveries(ctx: ServerContext, webhook_id: str | None = None, limit: int = 100) -> m.DeliveryList:
    rows = ctx.store.all(
        "SELECT d.webhook_id, d.event_id, e.type, d.status, d.attempts, d.last_status, d.last_error,"
        " d.delivered_at FROM webhook_deliveries d JOIN events e ON e.id = d.event_id"
        + (" WHERE d.webhook_id = ?" if webhook_id else "") + " ORDER BY d.event_id DESC LIMIT ?",
        (webhook_id, limit) if webhook_id else (limit,))
    return m.DeliveryList(deliveries=[m.Delivery(
        webhook_id=r["webhook_id"], event_id=r["event_id"], type=r["type"], status=r["status"],
        attempts=r["attempts"], last_status=r["last_status"], last_error=r["last_error"],
        delivered_at=from_iso(r["delivered_at"]) if r["delivered_at"] else None) for r in reversed(rows)])
