"""Asking for who someone is (NIR, Carte Vitale serial, date of birth), validated before any request."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from ..i18n import N_, _
from .context import AppContext

PHOTO_SERIAL_LENGTH = 11  # the serial of a card with photo (DOMAIN.md §1)

# Where the serial is: the --serial option's help in every command that takes it, and said before its prompt.
SERIAL_WHERE = N_(
    "Your Carte Vitale serial number: on a card with photo, top right of the front (the last 11 digits); "
    "on a card without photo, on the back, top left. No readable number? Call 3422 or use FranceConnect+."
)


def ask_nir(app: AppContext, nir: str | None) -> str:
    from ..domain.nir import validate_nir

    return app.ask(nir, flag="--nir", prompt=_("NIR (social security number)"), check=validate_nir)


def ask_serial(app: AppContext, serial: str | None, nir: str | None = None) -> str:
    from ..domain.card import validate_card_serial

    if serial is not None:
        return validate_card_serial(serial, nir=nir)

    def check(raw: str) -> str:
        """At the prompt, a serial that only a card without photo can have is asked about at once.

        Most cards have a photo and exactly 11 digits: a 10-digit answer is usually one digit
        short, and would only fail once every other proof had been typed too.
        """
        value = validate_card_serial(raw, nir=nir)
        if len(value) != PHOTO_SERIAL_LENGTH and not app.yes_no(
                _("A card with photo has {count} digits and you typed {typed}: is yours a card without photo "
                  "(number on the back, top left)?").format(count=PHOTO_SERIAL_LENGTH, typed=len(value)),
                default=False):
            validate_card_serial(raw, nir=nir, card_type="photo")  # says where the 11 digits are
        return value

    return app.ask(None, flag="--serial", prompt=_("Carte Vitale serial number"), help=_(SERIAL_WHERE),
                   check=check)


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


@contextmanager
def serial_hint(serial: str, given: bool) -> Iterator[None]:
    """A "no match" for a serial given by flag whose length only a card without photo has: say so.

    Said by the client from what it sent, so it tells nothing about who is registered.
    """
    from ..contract.errors import MesError

    try:
        yield
    except MesError as exc:
        if exc.code == "NO_USER_FOUND" and given and len(serial) != PHOTO_SERIAL_LENGTH:
            exc.message += " " + _("(The serial given has {typed} digits: right for a card without photo only; a "
                                   "card with photo has {count}, the last ones at the top right of the front.)").format(
                typed=len(serial), count=PHOTO_SERIAL_LENGTH)
        raise
