"""Data portability as a library: the whole space out as one archive (`mes export`, export.py), and back
into a space, on this server or another (`mes import`, restore.py). No printing: each item's outcome goes
to a callback.

The archive is an IHE XDM zip, so that any health software reads its documents, with the rest of
the space beside the XDM folder::

    README.TXT, INDEX.HTM           as the ANS archives have them (domain/xdm/writer.py)
    IHE_XDM/SUBSET01/METADATA.XML   one XDS entry per document: hash, size, type, class, format,
                                    confidentiality, the person's INS (domain/xds_codes.py)
    IHE_XDM/SUBSET01/DOC0001.XML …  every document as it is: the CDA originals byte for byte (earlier
                                    versions first), the person's own files
    IHE_XDM/SUBSET02/…              past 1,000 documents, the next ones in the next submission set
                                    (its own METADATA.XML), and so on
    FHIR/bundle.json                the medical profile and vaccinations as a FHIR R4 Bundle, for
                                    other software (what the server's FHIR export gives)
    MES/space.json                  the same, in mes' own terms: what `mes import` restores exactly
    MES/messages.json               the conversations with their messages (never restored: only a
    MES/attachments/…               professional can start a conversation), and their attachments

This module holds what both directions share: the names and formats of that layout, and reading the
person's NIR from a FHIR bundle.
"""

from __future__ import annotations

from typing import Any

FHIR_BUNDLE = "FHIR/bundle.json"
SPACE_JSON = "MES/space.json"
MESSAGES_JSON = "MES/messages.json"
ATTACHMENTS = "MES/attachments"
SPACE_FORMAT = "mes-cli/space"
MESSAGES_FORMAT = "mes-cli/messages"
FORMAT_VERSION = 1
INS_NIR_OID = "1.2.250.1.213.1.4.8"
INS_OID_PREFIX = "urn:oid:1.2.250.1.213.1.4."


def nir_of_bundle(bundle: dict) -> str | None:
    """The NIR of the profile, read from its FHIR bundle's Patient (INS-NIR identifier, FR Core)."""
    found = []
    for entry in bundle.get("entry") or []:
        resource = (entry or {}).get("resource") or {}
        if resource.get("resourceType") != "Patient":
            continue
        for identifier in resource.get("identifier") or []:
            system, value = identifier.get("system") or "", identifier.get("value")
            if system.startswith(INS_OID_PREFIX) and value:
                found.append((system != INS_OID_PREFIX + "8", value))
    return sorted(found)[0][1] if found else None


def to_builtins(value: Any) -> Any:
    """A contract Struct as plain JSON values (what MES/space.json holds, and what restore compares)."""
    import msgspec

    return msgspec.to_builtins(value)
