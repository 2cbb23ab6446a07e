"""Small but real documents of each accepted type, and some that must be refused."""

from __future__ import annotations

import hashlib
from pathlib import Path


def pdf(text: str = "hello", pad_to: int = 0) -> bytes:
    body = b"%PDF-1.4\n1 0 obj << >> endobj\n% " + text.encode() + b"\n"
    if pad_to:
        body += b"%" + b"x" * max(0, pad_to - len(body) - 8) + b"\n"
    return body + b"%%EOF\n"


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\x00" * 17 + b"\x00\x00\x00\x00IEND\xaeB`\x82"
TIFF = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 16
RTF = b"{\\rtf1\\ansi Bonjour}"
TXT = "Compte rendu : tension 12/8, RAS.\n".encode()
HTML = b"<!DOCTYPE html><html><body>not a pdf</body></html>"


def write(directory: Path, name: str, data: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(data)
    return path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
