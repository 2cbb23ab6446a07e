"""What a health document is filed as: title, date, category and author, from what it says itself.

A CDA document says it in its header (title, effectiveTime, the LOINC type code, the authors); a
document of an IHE XDM archive that is not a CDA (a PDF, an image) says it in its XDS metadata
(title, creationTime, typeCode, authorPerson). The reference server and the CLI (``mes docs
import`` of a non-CDA entry goes through the ordinary upload) derive the same metadata here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..contract.errors import MesError
from ..i18n import _
from .categories import CATEGORIES
from .doctypes import category_for, label_for

if TYPE_CHECKING:
    from .cda import CdaDocument
    from .xdm.metadata import DocumentEntry

TITLE_MAX = 50
AUTHOR_MAX = 100
# An XDS extra-metadata slot (IHE ITI TF-3 4.2.3.1.5: extra slots are named by URNs outside
# urn:ihe:) that `mes export` writes for a person's own files, so that `mes docs import` files
# them back in the category the person chose rather than the one their type code suggests.
CATEGORY_SLOT = "urn:mes-cli:category"
# Likewise the folder a person filed a document in and whether they pinned it (`mes import` restores them).
FOLDER_SLOT = "urn:mes-cli:folder"
PINNED_SLOT = "urn:mes-cli:pinned"
XML_TYPES = ("text/xml", "application/xml", "application/hl7-v3+xml")  # how XDS metadata declares a CDA


@dataclass(frozen=True)
class Filing:
    title: str
    date: dt.date | None
    category: str
    author: str | None
    type_code: str | None
    type_label: str | None


def shorten(text: str, limit: int = TITLE_MAX) -> str:
    """Whitespace collapsed, and cut with an ellipsis past ``limit`` characters (titles of
    professionals' documents may be longer than the 50 a space allows)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _author_text(name: str | None, profession: str | None, organisation: str | None) -> str | None:
    if not name:
        return organisation and shorten(organisation, AUTHOR_MAX)
    extra = ", ".join(part for part in (profession, organisation) if part)
    return shorten(f"{name} ({extra})" if extra else name, AUTHOR_MAX)


def is_cda_entry(entry: "DocumentEntry", data: bytes) -> bool:
    """A CDA by its declared type; by its content only when the metadata declares none (a text file
    that starts with '<' is still a text file)."""
    if entry.mime_type:
        return entry.mime_type in XML_TYPES
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def of_cda(cda: "CdaDocument") -> Filing:
    code = cda.type.code if cda.type else None
    label = (cda.type.display if cda.type else None) or label_for(code)
    first = cda.authors[0] if cda.authors else None
    author = first and _author_text(first.name, first.profession.display if first.profession else None,
                                    first.organisation)
    return Filing(title=shorten(cda.title or label or "Document"), date=cda.document_date,
                  category=category_for(code), author=author or (cda.custodian and shorten(cda.custodian,
                                                                                          AUTHOR_MAX)),
                  type_code=code, type_label=label)


def of_xds_entry(entry: "DocumentEntry") -> Filing:
    code = entry.type_code.code if entry.type_code else None
    label = (entry.type_code.display if entry.type_code else None) or label_for(code)
    chosen = (entry.extra_slots.get(CATEGORY_SLOT) or ("",))[0]
    first = entry.authors[0] if entry.authors else None
    author = first and _author_text(first.name, None, None)
    when = entry.creation_time or entry.service_start
    return Filing(title=shorten(entry.title or label or "Document"), date=when.date() if when else None,
                  category=chosen if chosen in CATEGORIES else category_for(code), author=author,
                  type_code=code, type_label=label)


def check_entry_patient(entry: "DocumentEntry", nir: str) -> None:
    """Identity vigilance for a document of an archive that is not a CDA (it has no header to say
    whose it is): the XDS metadata's patient id must be the profile's NIR."""
    patient, _authority = entry.patient
    if patient != nir:
        raise MesError("PATIENT_MISMATCH", _("This archive's metadata gives this document to patient {patient}, "
                                             "not to this profile (NIR {nir}): nothing was filed.").format(
            patient=patient or "?", nir=nir), {"field": "patient", "document_ins": patient, "profile_nir": nir})
