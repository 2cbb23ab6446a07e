"""IHE XDM archives: opening untrusted zips safely, reading and writing the XDS metadata.

Imported only where archives from the health system are read or written (it needs lxml).
"""

from __future__ import annotations

from .archive import XdmArchive, XdmDocument, XdmSubset
from .metadata import (
    Association,
    CodedValue,
    DocumentEntry,
    Submission,
    XdsAuthor,
    parse_cx,
    parse_hl7_ts,
    parse_metadata,
)
from .safezip import MAX_ENTRIES, MAX_RATIO, MAX_TOTAL_BYTES, SafeZip
from .writer import DocumentEntryOut, SubmissionOut, XdmWriter

__all__ = [
    "MAX_ENTRIES", "MAX_RATIO", "MAX_TOTAL_BYTES", "Association", "CodedValue", "DocumentEntry", "DocumentEntryOut",
    "SafeZip", "Submission", "SubmissionOut", "XdmArchive", "XdmDocument", "XdmSubset", "XdmWriter", "XdsAuthor",
    "parse_cx", "parse_hl7_ts", "parse_metadata",
]
