"""The outbox: the single way the server sends anything to a person.

Every notification is recorded (channel, recipient, subject, body, and the code
or link it carries as separate fields) inside the caller's transaction, then
handed to the sender configured for its channel:

- one that carries a code or a link is delivered inside the transaction: if
  delivery fails the transaction is rolled back, so no code exists that nobody
  received, and the caller turns the failure into an error naming the other channel;
- a notice (an account closed, a new message, a vaccination reminder…) is
  delivered once the transaction has committed: a slow sender does not hold the
  write lock, and a failed delivery does not undo what the notice tells about —
  it is logged (its kind and channel, never its recipient or text).

Outside development mode the stored copy keeps no secret: the code and link are
replaced by a placeholder, since anyone reading the database could use them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ...contract.errors import MesError
from ...i18n import N_, _
from ..clock import Clock, to_iso
from ..store import Store
from .senders import DeliveryError, Sender

log = logging.getLogger("mes.server")

REDACTED = "[redacted]"
# Why a notification did not go out, by channel ({problem}: what the sender said); translated when raised.
_NOT_DELIVERED = {
    "email": N_("The email could not be delivered: {problem}. Try the other channel, or again in a few minutes."),
    "sms": N_("The sms could not be delivered: {problem}. Try the other channel, or again in a few minutes."),
}


@dataclass(frozen=True)
class Notification:
    channel: str  # email | sms | letter
    recipient: str
    subject: str
    body: str
    kind: str
    code: str | None = None
    link: str | None = None
    person_id: str | None = None


class Outbox:
    def __init__(self, store: Store, clock: Clock, senders: dict[str, Sender], keep_secrets: bool) -> None:
        self._store = store
        self._clock = clock
        self._senders = senders
        self._keep_secrets = keep_secrets

    def send(self, note: Notification) -> int:
        body, code, link = note.body, note.code, note.link
        if not self._keep_secrets:
            for secret in (code, link):
                if secret:
                    body = body.replace(secret, REDACTED)
            code = REDACTED if code else None
            link = REDACTED if link else None
        message_id = self._store.all(  # all(): a RETURNING statement completes only once read to the end
            "INSERT INTO outbox(created_at, channel, recipient, subject, body, kind, code, link, person_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (to_iso(self._clock.now()), note.channel, note.recipient, note.subject, body,
             note.kind, code, link, note.person_id),
        )[0][0]
        sender = self._senders.get(note.channel)
        if sender is None:
            return message_id
        if note.code or note.link:
            self._deliver(sender, note)
        else:
            self._store.after_commit(lambda: self._deliver_notice(sender, note))
        return message_id

    @staticmethod
    def _deliver(sender: Sender, note: Notification) -> None:
        try:
            sender.deliver(note.recipient, note.subject, note.body)
        except DeliveryError as exc:
            if note.channel in _NOT_DELIVERED:
                message = _(_NOT_DELIVERED[note.channel]).format(problem=exc)
            else:
                message = _("The {channel} could not be delivered: {problem}. "
                            "Try the other channel, or again in a few minutes.").format(channel=note.channel,
                                                                                        problem=exc)
            raise MesError("DELIVERY_FAILED", message, {"channel": note.channel}) from None

    @staticmethod
    def _deliver_notice(sender: Sender, note: Notification) -> None:
        try:
            sender.deliver(note.recipient, note.subject, note.body)
        except DeliveryError:
            log.warning("a %s notice by %s was not delivered", note.kind, note.channel)

    def list(self, recipient: str | None = None, person_id: str | None = None, limit: int = 100) -> list:
        """The newest ``limit`` messages, oldest first; filtered by recipient or person when given."""
        sql = "SELECT * FROM outbox"
        params: tuple = ()
        if recipient or person_id:
            sql += " WHERE recipient = ? OR person_id = ?"
            params = (recipient, person_id)
        sql += " ORDER BY id DESC LIMIT ?"
        rows = self._store.all(sql, params + (limit,))
        return list(reversed(rows))
