"""Judging a document's type from its bytes, while they stream (DOMAIN.md §5).

The name and the declared type are never trusted: a `.pdf` holding HTML is
refused. The sniffer sees the content chunk by chunk, keeping only the head,
the tail and a running UTF-8 check, so a 5 MB upload is judged without being
held in memory.

Accepted: PDF, JPEG, PNG, TIFF, RTF and plain text (UTF-8, no control
characters, not markup). A PDF without its ``%%EOF`` trailer, a JPEG without its
end marker and a PNG without its IEND chunk are refused as truncated.
"""

from __future__ import annotations

import codecs

from ..contract.errors import MesError
from ..i18n import _

ACCEPTED = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/tiff": "TIFF",
    "application/rtf": "RTF",
    "text/plain": "TXT",
}
# What professionals' software sends besides (DOMAIN.md §5): an HL7 CDA R2 document (XML, the media
# type IHE XDM gives it) or an IHE XDM zip. Accepted only where a professional sends or a person
# imports health documents; a person's own uploads keep the official list above.
HEALTH_FORMATS = {"text/xml": "XML (HL7 CDA R2)", "application/zip": "ZIP (IHE XDM)"}
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif",
              "application/rtf": ".rtf", "text/plain": ".txt", "text/xml": ".xml", "application/zip": ".zip"}

_HEAD, _TAIL = 4096, 1024
_MARKUP = (b"<!doctype", b"<html", b"<?xml", b"<svg", b"<script", b"<body", b"<head", b"<iframe")
# Control characters that never appear in plain text (tab, newlines and form feed are fine).
_FORBIDDEN_CONTROLS = bytes(b for b in range(32) if b not in (9, 10, 12, 13)) + b"\x7f"


def _refuse(code: str, message: str, **details) -> MesError:
    return MesError(code, message, {"field": "content", **details})


class Sniffer:
    """Feed it the bytes in order, then ask ``media_type()``.

    ``health``: XML and zip are accepted too (HEALTH_FORMATS); whether the XML is a CDA and the zip
    an XDM archive is for their parsers to say.
    """

    def __init__(self, health: bool = False) -> None:
        self.health = health
        self.size = 0
        self._head = bytearray()
        self._tail = b""
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._is_text = True

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.size += len(chunk)
        if len(self._head) < _HEAD:
            self._head += chunk[: _HEAD - len(self._head)]
        self._tail = (self._tail + chunk)[-_TAIL:]
        if self._is_text:
            self._check_text(chunk)

    def _check_text(self, chunk: bytes) -> None:
        if len(chunk.translate(None, _FORBIDDEN_CONTROLS)) != len(chunk):
            self._is_text = False
            return
        try:
            self._utf8.decode(chunk)
        except UnicodeDecodeError:
            self._is_text = False

    def media_type(self) -> str:
        """The accepted media type of what was fed, or a MesError saying why it is refused."""
        if self.size == 0:
            raise _refuse("EMPTY_DOCUMENT", _("The file is empty; choose the file that holds the document."))
        head, tail = bytes(self._head), self._tail
        if self.health:
            if head.startswith(b"PK\x03\x04"):
                return "application/zip"
            if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
                return "text/xml"
        if head.startswith(b"%PDF-"):
            if b"%%EOF" not in tail:
                raise _refuse("TRUNCATED_DOCUMENT", _("This PDF is incomplete (no end-of-file marker): it was cut "
                                                      "during a copy or download; get a complete copy."))
            return "application/pdf"
        if head.startswith(b"\xff\xd8\xff"):
            if not tail.rstrip(b"\x00").endswith(b"\xff\xd9"):
                raise _refuse("TRUNCATED_DOCUMENT", _("This JPEG image is incomplete (no end marker); get a "
                                                      "complete copy."))
            return "image/jpeg"
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            if b"IEND" not in tail[-16:]:
                raise _refuse("TRUNCATED_DOCUMENT", _("This PNG image is incomplete (no IEND chunk); get a "
                                                      "complete copy."))
            return "image/png"
        if head.startswith((b"II*\x00", b"MM\x00*")):
            return "image/tiff"
        if head.startswith(b"{\\rtf"):
            return "application/rtf"
        if self._is_text and self._text_complete():
            stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
            if stripped.startswith(_MARKUP):
                raise _refuse("UNSUPPORTED_TYPE", _("This file holds HTML or XML, which is not accepted; save it "
                                                    "as PDF first."), detected="markup")
            return "text/plain"
        raise _refuse("UNSUPPORTED_TYPE", _("This file's content is not an accepted type (PDF, JPEG, PNG, TIFF, TXT, "
                                            "RTF), whatever its name says; convert it to PDF first."))

    def _text_complete(self) -> bool:
        try:
            self._utf8.decode(b"", final=True)
            return True
        except UnicodeDecodeError:
            return False


def sniff_bytes(data: bytes, health: bool = False) -> str:
    sniffer = Sniffer(health)
    sniffer.feed(data)
    return sniffer.media_type()
