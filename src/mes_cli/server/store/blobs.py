"""Content-addressed blob files: ``blobs/ab/abcdef…`` named by their SHA-256.

Receiving streams the body into a temp file (hashing, sniffing and counting on
the way, cut off past the size limit), fsyncs it, and only then is it renamed
into place — inside the caller's database write transaction, so that renames
and deletions of the same content are serialised with the metadata that
references it. A crash leaves at worst a temp file or an unreferenced blob
file, both removed by ``collect_garbage``; never a document without its bytes.
"""

from __future__ import annotations

import errno
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ...contract.errors import MesError
from ...domain.sniff import Sniffer
from ...i18n import _

CHUNK = 64 * 1024


@dataclass
class StagedBlob:
    temp: Path
    sha256: str
    size: int
    media_type: str


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"
        root.mkdir(parents=True, exist_ok=True, mode=0o700)  # health data: readable by the server's user only
        self.tmp.mkdir(exist_ok=True, mode=0o700)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def receive(self, stream: BinaryIO, max_bytes: int) -> StagedBlob:
        """Streams a body into a temp file; refuses it (and removes the file) if too large or not accepted."""
        try:
            fd, name = _mkstemp(self.tmp)
        except OSError as exc:
            raise storage_error(exc) from None
        temp = Path(name)
        digest, sniffer = hashlib.sha256(), Sniffer()
        try:
            with os.fdopen(fd, "wb") as out:
                while True:
                    chunk = stream.read(CHUNK)
                    if not chunk:
                        break
                    if sniffer.size + len(chunk) > max_bytes:
                        raise too_large(max_bytes)
                    digest.update(chunk)
                    sniffer.feed(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            media_type = sniffer.media_type()
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise storage_error(exc) from None
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return StagedBlob(temp, digest.hexdigest(), sniffer.size, media_type)

    def commit(self, staged: StagedBlob) -> None:
        """Moves a staged blob into place (replacing an identical one is harmless) and makes it durable."""
        final = self.path(staged.sha256)
        try:
            final.parent.mkdir(exist_ok=True, mode=0o700)
            os.replace(staged.temp, final)
            _fsync_dir(final.parent)
        except OSError as exc:
            raise storage_error(exc) from None

    def discard(self, staged: StagedBlob) -> None:
        staged.temp.unlink(missing_ok=True)

    def remove(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def collect_garbage(self, referenced: set[str], older_than_seconds: float = 3600) -> int:
        """Removes stale temp files and blob files no metadata references; returns how many."""
        removed = 0
        limit = time.time() - older_than_seconds
        for path in self.tmp.iterdir():
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
                removed += 1
        for shard in self.root.iterdir():
            if shard == self.tmp or not shard.is_dir():
                continue
            for path in shard.iterdir():
                if path.name not in referenced and path.stat().st_mtime < limit:
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed


def too_large(max_bytes: int) -> MesError:
    return MesError("DOCUMENT_TOO_LARGE", _("The document is larger than {limit:,} bytes, the limit per file; "
                                            "compress or split it (a scan at 200–300 dpi in PDF usually fits).")
                    .format(limit=max_bytes), {"max_bytes": max_bytes})


def storage_error(exc: OSError) -> MesError:
    """A disk problem as an error the client can act on; nothing was stored."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return MesError("STORAGE_FULL", _("The server's disk is full: nothing was stored. Try again later, or ask "
                                          "the server's administrator to free space."))
    return MesError("STORAGE_UNAVAILABLE", _("The server could not write the document ({problem}); nothing was "
                                             "stored. Try again later.").format(problem=exc.strerror))


def _mkstemp(directory: Path) -> tuple[int, str]:
    import tempfile

    return tempfile.mkstemp(dir=directory, prefix="upload-")


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
