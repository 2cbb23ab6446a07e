"""Real delivery behind the outbox: SMTP for e-mail, an HTTP webhook for SMS.

The reference server records every notification in its outbox; when a sender is
configured for the channel it also delivers it. A sender that fails raises
``DeliveryError``: the person is told, never answered with a silent success.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import unquote, urlsplit

from ...i18n import _


class DeliveryError(Exception):
    pass


class Sender(Protocol):
    channel: str

    def deliver(self, recipient: str, subject: str, body: str) -> None: ...


class SmtpSender:
    """``smtp://user:password@host:port?from=address`` (``smtps://`` for implicit TLS)."""

    channel = "email"

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._tls = parts.scheme == "smtps"
        self._host = parts.hostname or "localhost"
        self._port = parts.port or (465 if self._tls else 25)
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        query = dict(item.split("=", 1) for item in parts.query.split("&") if "=" in item)
        self._sender = unquote(query.get("from", "no-reply@monespacesante.invalid"))

    def deliver(self, recipient: str, subject: str, body: str) -> None:
        import smtplib
        from email.message import EmailMessage

        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self._sender, recipient, subject
        message.set_content(body)
        smtp_class = smtplib.SMTP_SSL if self._tls else smtplib.SMTP
        try:
            with smtp_class(self._host, self._port, timeout=10) as smtp:
                if self._user:
                    smtp.login(self._user, self._password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(_("the e-mail server refused or could not be reached ({error})")
                                .format(error=_problem(exc))) from None


class WebhookSmsSender:
    """POSTs ``{"to", "text"}`` as JSON to an SMS gateway's webhook."""

    channel = "sms"

    def __init__(self, url: str) -> None:
        self._url = url

    def deliver(self, recipient: str, subject: str, body: str) -> None:
        import httpx

        try:
            response = httpx.post(self._url, json={"to": recipient, "text": body}, timeout=10)
        except httpx.HTTPError as exc:
            raise DeliveryError(_("the SMS gateway could not be reached ({error})")
                                .format(error=_problem(exc))) from None
        if response.status_code >= 300:
            raise DeliveryError(_("the SMS gateway answered HTTP {status}").format(status=response.status_code))


def _problem(exc: Exception) -> str:
    """What went wrong with a sender, in words a person reads (never a Python exception's name)."""
    import socket
    import smtplib
    import ssl

    import httpx

    if isinstance(exc, (TimeoutError, socket.timeout, httpx.TimeoutException)):
        return _("no answer in time")
    if isinstance(exc, socket.gaierror):
        return _("its name could not be resolved")
    if isinstance(exc, ssl.SSLError):
        return _("the secure connection failed")
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return _("the user name or password was refused")
    if isinstance(exc, (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused)):
        return _("the address was refused")
    if isinstance(exc, (ConnectionError, httpx.ConnectError, smtplib.SMTPConnectError,
                        smtplib.SMTPServerDisconnected)):
        return _("the connection was refused or lost")
    return _("an unexpected error")
