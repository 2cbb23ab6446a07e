"""The Carte Vitale serial number, one of the proofs of identity (DOMAIN.md §1).

The rules copy the official app's: a length that depends on the card type, and a few
refusals for numbers people often type by mistake (their birth date, a piece of their
NIR, or the sample number printed on the specimen card).  Every message says where the
serial is printed, because not finding it is the usual cause of the mistake.
"""

from __future__ import annotations

import re

from mes_cli.contract.errors import MesError, invalid
from mes_cli.domain._text import remove_spaces
from mes_cli.domain.nir import normalize_nir

from ..i18n import N_, _

CARD_TYPES = ("photo", "no_photo")

SERIAL_HELP = N_(
    "Where to find the Carte Vitale serial number:\n"
    "  - card with photo: at the top right of the front; type the last 11 digits.\n"
    "  - card without photo: on the back, at the top left (8 to 13 digits).\n"
    "  - no readable serial: call 3422 (Assurance Maladie) or sign in with "
    "FranceConnect+."
)

# The serial printed on the specimen card shown in every Assurance Maladie leaflet.
SPECIMEN_SERIAL = "80250000025"

_LENGTHS = {"photo": (11, 11), "no_photo": (8, 13), None: (8, 13)}
# The second half of every serial error ({where}), by card type: translated where shown.
_WHERE = {
    "photo": N_("type the last 11 digits printed at the top right of the front of your card"),
    "no_photo": N_("type the number printed at the top left of the back of your card"),
    None: N_(
        "type the last 11 digits at the top right of the front of a card with photo, "
        "or the number at the top left of the back of a card without photo"
    ),
}
_DIGITS = re.compile(r"[0-9]+")
# A whole serial that reads as a date ddmmyyyy (19xx or 20xx): someone typed a birth date.
_DATE_LIKE = re.compile(r"(0[1-9]|[12][0-9]|3[01])(0[1-9]|1[0-2])(19|20)[0-9]{2}")


# Hyphens (and the dashes a word processor puts in their place) between groups of digits: people
# write the serial as they would a phone number, ``5812-5058-524``, as readily as with spaces.
_SEPARATORS = re.compile("[-\u2010\u2011\u2012\u2013]")


def normalize_card_serial(raw: str) -> str:
    """Return ``raw`` without spaces or hyphens: the serial is printed, and copied, in groups of digits."""
    return _SEPARATORS.sub("", remove_spaces(raw))


def validate_card_serial(
    raw: str, nir: str | None = None, card_type: str | None = None
) -> str:
    """Return the normalised serial, or raise ``INVALID_CARD_SERIAL``.

    ``card_type`` (one of ``CARD_TYPES``) fixes the expected length; unknown, any length
    valid for either card is accepted.  ``nir``, when known, catches a NIR fragment typed
    instead of the serial.
    """
    if card_type not in _LENGTHS:
        raise invalid(
            "VALIDATION_ERROR",
            _("The card type must be one of {types}; "
              "choose 'photo' if your Carte Vitale shows your picture, else 'no_photo'.")
            .format(types=", ".join(CARD_TYPES)),
            "card_type",
        )
    serial = normalize_card_serial(raw)
    if not _DIGITS.fullmatch(serial):
        raise _serial_error(
            _("The Carte Vitale serial number must contain digits only; {where} "
              "(no readable serial: call 3422 or use FranceConnect+)."),
            card_type,
        )
    low, high = _LENGTHS[card_type]
    if not low <= len(serial) <= high:
        if low == high:
            message = _("The Carte Vitale serial number must have exactly {count} digits but you typed {typed}; "
                        "{where} (no readable serial: call 3422 or use FranceConnect+).")
        else:
            message = _("The Carte Vitale serial number must have {low} to {high} digits but you typed {typed}; "
                        "{where} (no readable serial: call 3422 or use FranceConnect+).")
        raise _serial_error(message, card_type, count=low, low=low, high=high, typed=len(serial))
    if _DATE_LIKE.fullmatch(serial):
        raise _serial_error(
            _("The Carte Vitale serial number looks like a date, not a card number; {where} "
              "(no readable serial: call 3422 or use FranceConnect+)."),
            card_type,
        )
    if nir is not None and serial in normalize_nir(nir):
        raise _serial_error(
            _("The Carte Vitale serial number is part of your NIR, not the card number; {where} "
              "(no readable serial: call 3422 or use FranceConnect+)."),
            card_type,
        )
    if serial in SPECIMEN_SERIAL:
        raise _serial_error(
            _("The Carte Vitale serial number is the sample number of the specimen card; {where} "
              "(no readable serial: call 3422 or use FranceConnect+)."),
            card_type,
        )
    return serial


def _serial_error(message: str, card_type: str | None, **values: int) -> MesError:
    """``message`` (already translated) completed with where the serial is printed on this card type."""
    return invalid("INVALID_CARD_SERIAL", message.format(where=_(_WHERE[card_type]), **values), "card_serial")
