"""Who must not see a document, as a person says it: the CLI's ``--hide-from`` and the manifest's
``confidentiality`` column (DOMAIN.md §5: MASQUE_PS and INVISIBLE_REPRESENTANTS_LEGAUX)."""

from __future__ import annotations

import re

from ..contract.errors import MesError
from ..i18n import _

PROFESSIONALS = "professionals"
REPRESENTATIVES = "legal-representatives"
NOBODY = "nobody"
AUDIENCES = (PROFESSIONALS, REPRESENTATIVES, NOBODY)


def split(text: str) -> list[str]:
    """A manifest cell: audiences separated by '+', ';', ',' or spaces (``professionals+legal-representatives``)."""
    return [part.lower() for part in re.split(r"[+;,\s]+", text.strip()) if part]


def levels(hide_from: list[str], flag: str = "--hide-from") -> tuple[bool, bool]:
    """(hidden from professionals, invisible to legal representatives) for these audiences."""
    unknown = [value for value in hide_from if value not in AUDIENCES]
    if unknown or not hide_from or (NOBODY in hide_from and len(set(hide_from)) > 1):
        raise MesError("VALIDATION_ERROR", _("{flag} takes professionals, legal-representatives (both may be "
                                             "given), or nobody alone.").format(flag=flag), {"flag": flag})
    return PROFESSIONALS in hide_from, REPRESENTATIVES in hide_from


def describe(hidden: bool, hidden_from_representatives: bool) -> str:
    """The manifest's and the export's word for a document's levels (what ``levels`` reads back)."""
    parts = [name for name, on in ((PROFESSIONALS, hidden), (REPRESENTATIVES, hidden_from_representatives)) if on]
    return "+".join(parts) or NOBODY
