"""Asking for who someone is (NIR, Carte Vitale serial, date of birth), validated before any request."""

from __future__ import annotations

from ..i18n import N_, _
from .context import AppContext

SERIAL_PROMPT_HELP = N_(
    "Your Carte Vitale serial number: on a card with photo, top right of the front (the last 11 digits); "
    "on a card without photo, on the back, top left. No readable number? Call 3422 or use FranceConnect+."
)


def ask_nir(app: AppContext, nir: str | None) -> str:
    from ..domain.nir import validate_nir

    return app.ask(nir, flag="--nir", prompt=_("NIR (numéro de sécurité sociale)"), check=validate_nir)


def ask_serial(app: AppContext, serial: str | None, nir: str | None = None) -> str:
    from ..domain.card import validate_card_serial

    return app.ask(serial, flag="--serial", prompt=_("Carte Vitale serial number"), help=_(SERIAL_PROMPT_HELP),
                   check=lambda raw: validate_card_serial(raw, nir=nir))


def ask_birth_date(app: AppContext, birth_date: str | None) -> str:
    from ..domain.dates import parse_birth_date

    return app.ask(birth_date, flag="--birth-date", prompt=_("Date of birth (DD/MM/YYYY)"),
                   check=lambda raw: parse_birth_date(raw).isoformat())


def ask_channel(channel: str) -> str:
    from ..domain.contacts import validate_channel

    return validate_channel(channel)


def ask_password(app: AppContext, from_stdin: bool, *, prompt: str | None = None, new: bool = False,
                 check=None) -> str:
    """From stdin (--password-stdin) or a hidden prompt (``prompt``, "Password" by default); never from argv."""
    if from_stdin:
        value = app.read_secret_stdin()
        return check(value) if check else value
    return app.ask(None, flag="--password-stdin", prompt=prompt if prompt is not None else _("Password"), secret=True,
                   confirm=new, check=check)
