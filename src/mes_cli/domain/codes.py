"""Provisional codes, one-time codes and tokens: their format and their generation.

Format checks run before any request so a typo is reported at once, without spending
one of the limited tries.  Messages never repeat the code typed.  Generation uses
``secrets``: these values are bearer secrets.
"""

from __future__ import annotations

import re
import secrets
import string

from mes_cli.contract.errors import invalid
from mes_cli.domain._text import remove_spaces

from ..i18n import _

PROVISIONAL_CODE_LENGTH = 12
OTP_LENGTH = 6

# Characters that are easy to confuse on paper (0/O/o, 1/l/I) are never generated,
# since provisional codes travel by postal letter and are typed by hand.
PROVISIONAL_ALPHABET = "".join(
    c for c in string.ascii_letters + string.digits if c not in "0Oo1lI"
)

_PROVISIONAL = re.compile(rf"[A-Za-z0-9]{{{PROVISIONAL_CODE_LENGTH}}}")
_OTP = re.compile(rf"[0-9]{{{OTP_LENGTH}}}")


def normalize_provisional_code(raw: str, field: str = "code") -> str:
    """Return the code without whitespace, or raise ``INVALID_CODE_FORMAT``.

    Case is kept: provisional codes are case-sensitive.
    """
    code = remove_spaces(raw)
    if not _PROVISIONAL.fullmatch(code):
        raise invalid(
            "INVALID_CODE_FORMAT",
            _("The provisional code must have exactly {length} letters "
              "or digits (you typed {typed} characters); copy it from your letter or "
              "e-mail, respecting upper and lower case.").format(length=PROVISIONAL_CODE_LENGTH, typed=len(code)),
            field,
        )
    return code


def validate_otp(raw: str, field: str = "code") -> str:
    """Return the one-time code without whitespace, or raise ``INVALID_CODE_FORMAT``."""
    code = remove_spaces(raw)
    if _OTP.fullmatch(code):
        return code
    if code and not (code.isascii() and code.isdigit()):  # letters typed: saying how many would not help
        message = _("The one-time code is made of digits only ({length} of them); copy it from the e-mail or SMS "
                    "you just received, or from your authenticator app.").format(length=OTP_LENGTH)
    else:
        message = _("The one-time code must have exactly {length} digits (you typed {typed}); copy it from the "
                    "e-mail or SMS you just received, or from your authenticator app.").format(
                        length=OTP_LENGTH, typed=len(code))
    raise invalid("INVALID_CODE_FORMAT", message, field)


def generate_provisional_code() -> str:
    """A new 12-character provisional code without ambiguous characters."""
    return "".join(
        secrets.choice(PROVISIONAL_ALPHABET) for _ in range(PROVISIONAL_CODE_LENGTH)
    )


def generate_otp() -> str:
    """A new 6-digit one-time code (leading zeros kept)."""
    return f"{secrets.randbelow(10**OTP_LENGTH):0{OTP_LENGTH}d}"


def generate_token(nbytes: int = 32) -> str:
    """A new URL-safe random token (session, reset link); 32 bytes = 256 bits."""
    return secrets.token_urlsafe(nbytes)
