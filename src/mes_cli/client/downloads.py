"""Downloading a document safely: into a temp file beside the target, checksum verified, then moved into place.

The file name offered by the server is reduced to a plain name (no directory,
no leading dot, no control characters), so a title can never write elsewhere.
An existing file is never replaced without ``force``.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

from ..contract.errors import MesError
from ..domain.sniff import EXTENSIONS
from ..i18n import _

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def safe_filename(title: str, media_type: str) -> str:
    """A plain file name from a title: separators, '..' and control characters removed."""
    stem = _UNSAFE.sub(" ", title).replace("..", " ")
    stem = " ".join(stem.split()).strip(" .") or "document"
    return stem[:100] + EXTENSIONS.get(media_type, "")


def _checked_sink(out: BinaryIO, digest):
    def sink(chunk: bytes) -> None:
        digest.update(chunk)
        out.write(chunk)

    return sink


def _verify(expected: str, announced: str, actual: str) -> None:
    if actual != expected or (announced and announced != actual):
        raise MesError("CHECKSUM_MISMATCH", _("The bytes received do not match the document's SHA-256; nothing was "
                                              "written. Try again."), {"expected": expected, "received": actual})


def download_to(client, profile: str, meta, target: Path | None = None, force: bool = False,
                sink: BinaryIO | None = None) -> Path | None:
    digest = hashlib.sha256()
    if sink is not None:  # stdout: verified at the end, reported as an error if it does not match
        announced = client.download_document(profile, meta.id, _checked_sink(sink, digest))
        _verify(meta.sha256, announced, digest.hexdigest())
        return None

    def fill(out: BinaryIO) -> None:
        announced = client.download_document(profile, meta.id, _checked_sink(out, digest))
        out.flush()
        _verify(meta.sha256, announced, digest.hexdigest())

    return write_new_file(target_path(target, safe_filename(meta.title, meta.media_type)), fill, force)


def fetch_bytes(client, profile: str, meta) -> bytes:
    """A document's bytes in memory (at most the 5 MB a document may have), checksum verified."""
    digest, parts = hashlib.sha256(), []

    def sink(chunk: bytes) -> None:
        digest.update(chunk)
        parts.append(chunk)

    announced = client.download_document(profile, meta.id, sink)
    _verify(meta.sha256, announced, digest.hexdigest())
    return b"".join(parts)


def target_path(target: Path | None, name: str) -> Path:
    """-o FILE, -o DIR (the name inside it), or the name in the current directory."""
    final = Path(target) if target is not None else Path.cwd() / name
    return final / name if final.is_dir() else final


def write_new_file(final: Path, fill: Callable[[BinaryIO], None], force: bool = False) -> Path:
    """Writes ``final`` through ``fill`` into a temp file beside it, fsynced, then moved into place;
    never over an existing file without ``force`` (not even one that appears meanwhile)."""
    if final.exists() and not force:
        raise MesError("CONFLICT", _("{path} already exists; choose another path with -o, or add --force.")
                       .format(path=final), {"path": str(final)})
    fd, temp = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            fill(out)
            out.flush()
            os.fsync(out.fileno())
        if force:
            os.replace(temp, final)
        else:
            try:
                os.link(temp, final)  # fails if the name appeared meanwhile: never overwrite
            except FileExistsError:
                raise MesError("CONFLICT", _("{path} already exists; add --force to replace it.").format(path=final),
                               {"path": str(final)}) from None
            os.unlink(temp)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return final
