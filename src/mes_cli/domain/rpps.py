"""RPPS numbers of health professionals (DOMAIN.md §1): 11 digits."""

from __future__ import annotations

from ..contract.errors import invalid
from ..i18n import _


def validate_rpps(raw: str) -> str:
    rpps = "".join(raw.split())
    if not (rpps.isascii() and rpps.isdigit() and len(rpps) == 11):
        raise invalid("INVALID_RPPS", _("An RPPS number has exactly 11 digits; {value!r} does not. It is on the "
                                        "professional's prescriptions and in the public directory "
                                        "(annuaire.sante.fr).").format(value=raw), "rpps")
    return rpps
