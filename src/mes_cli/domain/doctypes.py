"""From a document's type code (the LOINC code of a CDA, the XDS typeCode) to its MES category.

The table is data, ``data/document_types.json``: the CI-SIS value set of XDS type codes
(JDV_J07-XdsTypeCode-CISIS, LOINC codes and the ANS' own TRE_A05 codes such as ``REMB``), each
with its French label, the class code the ANS associates with it (ASS_X04) and the Mon espace
santé category it is filed under. A new edition of the value set is a data change; the file says
which edition it holds and justifies every category that does not follow from the class code.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

from .categories import CATEGORIES, DEFAULT_CATEGORY

DATA_FILE = "document_types.json"


@cache
def table() -> dict[str, Any]:
    """The whole data file (source, edition, types), read once."""
    return json.loads((files(__package__) / "data" / DATA_FILE).read_text("utf-8"))


def _types() -> dict[str, dict[str, Any]]:
    return table()["types"]


def _lookup(type_code: str | None) -> dict[str, Any] | None:
    if not type_code:
        return None
    code = type_code.strip()
    types = _types()
    return types.get(code) or types.get(code.upper())


def category_for(type_code: str | None) -> str:
    """The MES category of a document of this type; AUTR_DOC for an unknown type or none."""
    found = _lookup(type_code)
    category = found["category"] if found else DEFAULT_CATEGORY
    return category if category in CATEGORIES else DEFAULT_CATEGORY


def label_for(type_code: str | None) -> str | None:
    """The French label of the type (``"CR d'examens biologiques"``), or None if unknown."""
    found = _lookup(type_code)
    return found["label"] if found else None


def class_code_for(type_code: str | None) -> str | None:
    """The XDS classCode the ANS associates with the type (ASS_X04), or None if it gives none."""
    found = _lookup(type_code)
    return found.get("class_code") if found else None


def known_types() -> list[str]:
    """Every type code of the table."""
    return list(_types())
