"""Delivering events to webhooks: signed POSTs, in order, retried with backoff (services/events.py).

A running development server (`mes server run --dev`, `mes server exec`) hands each webhook the
events of its types after its cursor, then delivers them one at a time in event order: a delivery
that fails is retried (after 0.5, 1, 2, 4, 8 s) before any later one goes, so a receiver sees the
events of each resource in the order they happened. After MAX_ATTEMPTS the delivery is marked
failed and the next one goes. A delivery is claimed for LEASE_SECONDS before it is sent, so two
workers on one database never send it twice at once; a server that stops mid-delivery sends it
again later (at least once: receivers dedupe on ``Mes-Event-Id``).

Each POST carries ``Mes-Signature: t=<unix time>,v1=<hex HMAC-SHA-256 of "<t>.<body>">`` under the
webhook's secret (Stripe's scheme), ``Mes-Event-Id`` and ``Mes-Event-Type``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from typing import Callable


MAX_ATTEMPTS = 6
BACKOFF_SECONDS = (0.5, 1, 2, 4, 8)
LEASE_SECONDS = 60
TICK_SECONDS = 0.2
BATCH = 500


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _now() -> dt.datetime:
    """Retries follow real time, not the development clock (moving it must not flush a backoff)."""
    return dt.datetime.now(dt.timezone.utc)


def to_iso(moment: dt.datetime) -> str:
    """To the microsecond, always the same length: these times are compared as text."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Deliverer:
    """Hands out and sends the deliveries of every webhook; ``run_once`` is one round (tests call it)."""

    def __init__(self, ctx, post: Callable | None = None) -> None:
        self._ctx = ctx
        self._post = post or _post

    def start(self) -> threading.Event:
        """Rounds every TICK_SECONDS in a daemon thread until the returned event is set."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.wait(TICK_SECONDS):
                try:
                    self.run_once()
                except Exception:  # noqa: BLE001 — a failed round is retried at the next one
                    continue

        threading.Thread(target=loop, name="webhooks", daemon=True).start()
        return stop

    def run_once(self) -> None:
        for webhook in self._ctx.store.all("SELECT id, url, types, secret FROM webhooks ORDER BY id"):
            self._hand_out(webhook["id"])
            while self._deliver_next(webhook):
                pass

    def _hand_out(self, webhook_id: str) -> None:
        """The new events of the webhook's types become its pending deliveries; its cursor moves past them."""
        store = self._ctx.store
        with store.transaction() as conn:
            webhook = conn.execute("SELECT types, cursor FROM webhooks WHERE id = ?", (webhook_id,)).fetchone()
            if webhook is None:
                return
            rows = conn.execute("SELECT id, type FROM events WHERE id > ? ORDER BY id LIMIT ?",
                                (webhook["cursor"], BATCH)).fetchall()
            if not rows:
                return
            wanted = {t for t in webhook["types"].split(",") if t}
            now = to_iso(_now())
            for row in rows:
                if not wanted or row["type"] in wanted:
                    conn.execute("INSERT INTO webhook_deliveries(webhook_id, event_id, status, next_attempt_at)"
                                 " VALUES (?, ?, 'pending', ?)", (webhook_id, row["id"], now))
            conn.execute("UPDATE webhooks SET cursor = ? WHERE id = ?", (rows[-1]["id"], webhook_id))

    def _deliver_next(self, webhook) -> bool:
        """Sends the webhook's oldest pending delivery if its time has come; True when another may follow."""
        claimed = self._claim(webhook["id"])
        if claimed is None:
            return False
        event, attempts = claimed
        body = json.dumps(event, ensure_ascii=False, sort_keys=True).encode()
        timestamp = int(time.time())
        headers = {"Content-Type": "application/json", "Mes-Event-Id": str(event["id"]),
                   "Mes-Event-Type": event["type"], "Mes-Signature": sign(webhook["secret"], timestamp, body)}
        status, error = self._post(webhook["url"], body, headers)
        self._record(webhook["id"], event["id"], attempts, status, error)
        return status is not None and 200 <= status < 300 or attempts >= MAX_ATTEMPTS

    def _claim(self, webhook_id: str):
        """The oldest pending delivery, leased to this worker (its event as sent, and its attempt number)."""
        now = _now()
        with self._ctx.store.transaction() as conn:
            row = conn.execute(
                "SELECT d.event_id, d.attempts, d.next_attempt_at, e.type, e.at, e.subject, e.data"
                " FROM webhook_deliveries d JOIN events e ON e.id = d.event_id"
                " WHERE d.webhook_id = ? AND d.status = 'pending' ORDER BY d.event_id LIMIT 1",
                (webhook_id,)).fetchone()
            if row is None or row["next_attempt_at"] > to_iso(now):
                return None
            attempts = row["attempts"] + 1
            conn.execute("UPDATE webhook_deliveries SET attempts = ?, next_attempt_at = ? WHERE webhook_id = ?"
                         " AND event_id = ?", (attempts, to_iso(now + dt.timedelta(seconds=LEASE_SECONDS)),
                                                webhook_id, row["event_id"]))
        event = {"id": row["event_id"], "type": row["type"], "at": row["at"], "subject": row["subject"],
                 "data": json.loads(row["data"])}
        return event, attempts

    def _record(self, webhook_id: str, event_id: int, attempts: int, status: int | None, error: str | None) -> None:
        now = _now()
        if status is not None and 200 <= status < 300:
            values = ("delivered", to_iso(now), to_iso(now))
        elif attempts >= MAX_ATTEMPTS:
            values = ("failed", to_iso(now), None)
        else:
            wait = BACKOFF_SECONDS[min(attempts - 1, len(BACKOFF_SECONDS) - 1)]
            values = ("pending", to_iso(now + dt.timedelta(seconds=wait)), None)
        with self._ctx.store.transaction() as conn:
            conn.execute("UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, delivered_at = ?,"
                         " last_status = ?, last_error = ? WHERE webhook_id = ? AND event_id = ?",
                         (*values, status, error, webhook_id, event_id))


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str | None]:
    """One delivery attempt: the receiver's status, or the reason it could not be reached."""
    import httpx

    try:
        answer = httpx.post(url, content=body, headers=headers, timeout=5)
    except httpx.HTTPError as exc:
        return None, type(exc).__name__
    return answer.status_code, None if answer.status_code < 300 else f"HTTP {answer.status_code}"
