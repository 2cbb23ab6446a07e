"""The NIR (numéro de sécurité sociale): normalisation, validation and construction.

The NIR identifies every insured person in the registry (DOMAIN.md §1). People type it
with spaces, as printed on the Carte Vitale, so input is normalised before it is checked;
the stored form never has spaces.  What counts as valid is exactly what
``stdnum.fr.nir`` accepts, so the CLI and the server agree with a widely used reference
implementation instead of a home-grown variant.
"""

from __future__ import annotations

import re

from mes_cli.contract.errors import MesError, invalid
from mes_cli.domain._text import remove_spaces

from ..i18n import _

NIR_LENGTH = 15

# Corsica's departments 2A and 2B count as 19 and 18 when the key is computed.
_CORSICA = {"2A": "19", "2B": "18"}
# Characters that may appear in a NIR at all: digits, plus A/B for Corsica.
_NIR_CHARS = re.compile(r"[0-9AB]*")


def normalize_nir(raw: str) -> str:
    """Return ``raw`` without spaces (including non-breaking ones) and in upper case.

    Upper case matters for Corsican NIRs, which people may type as ``2a``/``2b``.
    """
    return remove_spaces(raw).upper()


def validate_nir(raw: str) -> str:
    """Return the normalised NIR, or raise ``INVALID_NIR`` saying what to correct.

    The checks run in the order a person can act on: characters, then length, then the
    key, so that each message points at one concrete mistake.
    """
    from stdnum.exceptions import InvalidChecksum, ValidationError
    from stdnum.fr import nir as stdnum_nir  # lazy: ~60 ms to import

    # stdnum also folds dots and Unicode look-alikes (full-width digits...): reuse it so
    # that exactly what it accepts is accepted here.
    nir = stdnum_nir.compact(normalize_nir(raw))
    if not _NIR_CHARS.fullmatch(nir):
        raise _nir_error(_(
            "The NIR may contain only digits (and 2A or 2B for a birth in Corsica); "
            "copy it exactly as printed on your Carte Vitale."
        ))
    if len(nir) != NIR_LENGTH:
        raise _nir_error(_(
            "The NIR must have {length} characters (13 digits and a 2-digit key) "
            "but you typed {typed}; copy it from your Carte Vitale."
        ).format(length=NIR_LENGTH, typed=len(nir)))
    try:
        return stdnum_nir.validate(nir)
    except InvalidChecksum:
        raise _nir_error(_(
            "The NIR's last 2 digits (the key) do not match the first 13, so one digit "
            "is probably mistyped; check it against your Carte Vitale."
        )) from None
    except ValidationError:
        raise _nir_error(_(
            "The NIR must be 13 digits and a 2-digit key, with 2A or 2B only in "
            "positions 6-7 for a birth in Corsica; check it against your Carte Vitale."
        )) from None


def nir_key(first13: str) -> str:
    """Return the 2-digit key of a NIR: 97 - (first 13 digits mod 97).

    Corsican departments 2A and 2B are replaced by 19 and 18 first, as INSEE specifies.
    Raises ``ValueError`` on malformed input: callers pass data they built themselves.
    """
    body = normalize_nir(first13)
    if len(body) != NIR_LENGTH - 2:
        raise ValueError("nir_key expects the first 13 characters of a NIR")
    department = body[5:7]
    digits = body[:5] + _CORSICA.get(department, department) + body[7:]
    if not digits.isascii() or not digits.isdigit():
        raise ValueError("nir_key expects digits, with 2A or 2B only as the department")
    return f"{97 - int(digits) % 97:02d}"


def make_nir(
    sex: int,
    birth_year: int,
    birth_month: int,
    department: str,
    commune: str,
    order: int,
) -> str:
    """Build a valid 15-character NIR, used to create demo and test persons.

    ``department`` + ``commune`` form the 5-character place of birth: a 2-character
    department (``"75"``, ``"2A"``) with a 3-digit commune, or an overseas 3-digit
    department (``"971"``) with a 2-digit commune.  ``birth_month`` may also be one of
    the pseudo-months real NIRs use when the month is unknown (20-42, 50-99).
    Raises ``ValueError`` on out-of-range parts, since this builds data, not user input.
    """
    if sex not in (1, 2):
        raise ValueError("sex must be 1 (male) or 2 (female)")
    if not 1 <= birth_month <= 99:
        raise ValueError("birth_month must be between 1 and 99")
    if not 0 <= order <= 999:
        raise ValueError("order must be between 0 and 999")
    place = (department + commune).upper()
    if len(place) != 5:
        raise ValueError("department and commune must have 5 characters together")
    first13 = f"{sex}{birth_year % 100:02d}{birth_month:02d}{place}{order:03d}"
    return first13 + nir_key(first13)


def _nir_error(message: str) -> MesError:
    return invalid("INVALID_NIR", message, "nir")
