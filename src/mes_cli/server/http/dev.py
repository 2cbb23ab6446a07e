"""Development-mode endpoints: reading the outbox and moving the clock."""

from __future__ import annotations

import datetime as dt

from ...contract import models as m
from ...contract.errors import MesError
from ...i18n import _
from ..clock import UTC, from_iso, utcnow
from ..context import CLOCK_OFFSET_KEY, ServerContext


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
    return m.ClockResponse(now=ctx.clock.now(), offset_seconds=offset)
