"""Text folding shared by the validators that compare what people type."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """Case- and accent-insensitive form: ``Février`` and ``fevrier`` compare equal.

    NFKD also turns non-breaking spaces and full-width digits into their ASCII forms.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def remove_spaces(text: str) -> str:
    """``text`` without any whitespace, non-breaking spaces included.

    Numbers and codes are printed in groups (``2 95 10 ...``); people copy the spaces.
    """
    return _SPACES.sub("", text)
