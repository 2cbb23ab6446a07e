"""HL7 CDA R2 documents: safe parsing, the header and narrative, a plain-text rendering.

Imported only where documents from the health system are read (it needs lxml).
"""

from __future__ import annotations

from .document import (
    INS_KINDS,
    Author,
    Block,
    CdaDocument,
    Code,
    Embedded,
    ListBlock,
    Paragraph,
    Patient,
    PatientIdentifier,
    Section,
    Table,
    parse_cda,
    parse_ts,
)
from .render import render_text
from .safexml import MAX_DEPTH, MAX_XML_BYTES, parse_xml

__all__ = [
    "INS_KINDS", "MAX_DEPTH", "MAX_XML_BYTES", "Author", "Block", "CdaDocument", "Code", "Embedded", "ListBlock",
    "Paragraph", "Patient", "PatientIdentifier", "Section", "Table", "parse_cda", "parse_ts", "parse_xml",
    "render_text",
]
