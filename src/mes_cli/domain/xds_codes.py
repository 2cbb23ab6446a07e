"""The XDS codes a document entry of `mes export` carries: format, type, class and confidentiality.

The tables are data, ``data/xds_codes.json``, which names its sources:

- **formatCode** of a CDA document: from its templateId, through the ANS association table
  ASS_A11 (a CI-SIS model → its code of JDV_J10); a level-1 document (XDS-SD template) by the
  media type it wraps; a CDA that declares no model the table knows, the CI-SIS code for a
  document outside the models (``urn:asipSante:modelesHorsProfils:2011``). A person's own file
  (a PDF, an image) is no CDA: IHE's ``urn:ihe:iti:xds:2017:mimeTypeSufficient``.
- **typeCode** of a person's own file: the "déposé par le patient" type of its category (DOCPATnn),
  each of which maps back to that category in document_types.json (a test keeps it so).
- **classCode**: the class document_types.json gives the type, with the TRE_A03 label.
- **confidentialityCode**: the CDA's own (N, R, V; a person's file is N), and ``MASQUE_PS`` (the
  DMP's masking code) when the person has hidden the document from professionals.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from typing import Any

from .categories import DEFAULT_CATEGORY
from .doctypes import category_for, class_code_for, label_for
from .doctypes import table as type_table
from .xdm.metadata import CodedValue

DATA_FILE = "xds_codes.json"


@cache
def table() -> dict[str, Any]:
    """The whole data file, read once."""
    return json.loads((files(__package__) / "data" / DATA_FILE).read_text("utf-8"))


def _system(name: str) -> str:
    return table()["systems"][name]


def format_code(code: str) -> CodedValue:
    """A formatCode of JDV_J10 with its code system (TRE_A06 or TRE_A11) and label."""
    system, display = table()["format_codes"][code]
    return CodedValue(code, _system(system), display)


def cda_format_code(template_ids: tuple[str, ...] | list[str], embedded_media_type: str | None) -> CodedValue:
    """The formatCode of a CDA document from its templateIds (the most specific model wins: the one
    declared last that the table knows); a level-1 document by the media type it wraps."""
    data = table()
    roots = [template.split("^", 1)[0] for template in template_ids]
    for root in reversed(roots):
        if root in data["templates"]:
            return format_code(data["templates"][root])
    if data["level1_template"] in roots and embedded_media_type in data["level1"]:
        return format_code(data["level1"][embedded_media_type])
    return format_code(data["cda_without_model"])


def own_file_format_code() -> CodedValue:
    """The formatCode of a file that is not a CDA document: its mimeType says what it is."""
    return format_code(table()["own_file_format"])


def type_code(code: str, system: str | None = None, display: str | None = None) -> CodedValue:
    """A typeCode, its code system and label completed from document_types.json when not given."""
    known = type_table()["types"].get(code) or {}
    return CodedValue(code, system or known.get("system"), display or label_for(code))


def own_file_type_code(category: str) -> CodedValue:
    """The typeCode of a person's own file filed under ``category``."""
    types = table()["own_file_types"]
    return type_code(types.get(category) or types[DEFAULT_CATEGORY])


def class_code(type_code_value: str | None, category: str) -> CodedValue:
    """The classCode of a type (ASS_X04); a type the table gives no class takes the class of the
    patient type of its category (e.g. 10, Compte rendu, for a report of an unlisted type)."""
    code = class_code_for(type_code_value) or class_code_for(own_file_type_code(category).code) or "99"
    return CodedValue(code, _system("class"), table()["class_codes"].get(code))


def confidentiality(code: str | None, hidden: bool, invisible_to_representatives: bool = False
                    ) -> tuple[CodedValue, ...]:
    """The confidentiality codes: the document's (N when it gives none), MASQUE_PS when hidden from
    professionals, INVISIBLE_REPRESENTANTS_LEGAUX when invisible to legal representatives (the DMP's codes)."""
    code = (code or "N").strip().upper()
    codes = [CodedValue(code, _system("confidentiality"), table()["confidentiality"].get(code))]
    for marked, level in ((hidden, "hidden_from_professionals"),
                          (invisible_to_representatives, "invisible_to_representatives")):
        if marked:
            value, label = table()[level]
            codes.append(CodedValue(value, _system("masking"), label))
    return tuple(codes)


def is_hidden(codes: tuple[CodedValue, ...] | list[CodedValue]) -> bool:
    """Whether these confidentiality codes hide the document from professionals."""
    masked = table()["hidden_from_professionals"][0]
    return any(value.code == masked for value in codes)


def is_invisible_to_representatives(codes: tuple[CodedValue, ...] | list[CodedValue]) -> bool:
    """Whether these confidentiality codes keep the document from the legal representatives."""
    invisible = table()["invisible_to_representatives"][0]
    return any(value.code == invisible for value in codes)


def categories_round_trip() -> dict[str, str]:
    """Each category → the category its own-file typeCode maps back to (equal, for every one)."""
    return {category: category_for(code) for category, code in table()["own_file_types"].items()}
