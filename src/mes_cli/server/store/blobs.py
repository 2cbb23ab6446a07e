"""Documents' bytes, named by their SHA-256: in files of the data directory, or in the database.

Receiving is the same for both: the body streams into a local temp file (hashed, sniffed and
counted on the way, cut off past the size limit) and is fsynced. Committing happens inside
the caller's database write transaction, with the ``blobs`` row that names the content:

- ``FileBlobs`` (``blobs/ab/abcdef…``, the default on SQLite) puts the file in place, durably
  (its directory fsynced), before the transaction commits: ``place`` does it before the
  transaction, outside the write lock (an upload's fsyncs then overlap with other uploads'
  work instead of holding everyone up), and ``commit`` checks, under the lock, that it is
  still there (a concurrent deletion of the same content may have removed it: it is put back).
  A file is only ever put at its final name once its bytes are on disk, and a file already
  there is never replaced. Renames and deletions of the same content are serialised with the
  metadata by the write lock; a crash leaves at worst a temp file or an unreferenced file,
  both removed by ``collect_garbage``; never a document without its bytes.
- ``DatabaseBlobs`` (table ``blob_parts``, the default on PostgreSQL) inserts the bytes in
  parts of 1 MiB in the same transaction as their row: all or nothing, and every worker on
  every host reads them — no worker holds files of its own.
"""

from __future__ import annotations

import errno
from abc import ABC, abstractmethod
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from ...contract.errors import MesError
from ...domain.sniff import Sniffer
from ...i18n import _

CHUNK = 64 * 1024  # read from a request body at a time
PART = 1024 * 1024  # bytes per row of blob_parts


@dataclass
class StagedBlob:
    temp: Path
    sha256: str
    size: int
    media_type: str
    placed: bool = False  # ``place`` linked the temp file at its final name, durably


class BlobStore(ABC):
    """What both places share: staging a body in a temp file, and the row naming each content."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        tmp.mkdir(parents=True, exist_ok=True, mode=0o700)  # health data: readable by the server's user only

    def receive(self, stream: BinaryIO, max_bytes: int, health: bool = False) -> StagedBlob:
        """Streams a body into a temp file; refuses it (and removes the file) if too large or not accepted
        (``health``: CDA XML and XDM zips are accepted too, see domain/sniff.py)."""
        try:
            fd, name = _mkstemp(self.tmp)
        except OSError as exc:
            raise storage_error(exc) from None
        temp = Path(name)
        digest, sniffer = hashlib.sha256(), Sniffer(health)
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

    def place(self, staged: StagedBlob) -> None:
        """Before the write transaction, outside its lock: what of storing a content can be done
        durably ahead (``commit`` completes it). Here nothing: the bytes go in the transaction."""

    def discard(self, staged: StagedBlob) -> None:
        staged.temp.unlink(missing_ok=True)

    def commit(self, conn, staged: StagedBlob, now: str) -> None:
        """Stores a staged body and its ``blobs`` row, inside the caller's write transaction
        (storing content already there is harmless); the temp file is gone afterwards."""
        new = conn.execute("INSERT OR IGNORE INTO blobs(sha256, size, media_type, created_at) VALUES (?, ?, ?, ?)"
                           " RETURNING sha256", (staged.sha256, staged.size, staged.media_type, now)).fetchone()
        self._store(conn, staged, new is not None)

    def remove(self, conn, sha256: str) -> None:
        """Erases a content and its row, inside the caller's write transaction."""
        self._erase(conn, sha256)
        conn.execute("DELETE FROM blobs WHERE sha256 = ?", (sha256,))

    def collect_garbage(self, conn, older_than_seconds: float = 3600) -> int:
        """Removes temp files left by interrupted uploads (and what the place itself may leave); returns how many."""
        limit = time.time() - older_than_seconds
        removed = 0
        for path in self.tmp.iterdir():
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    @abstractmethod
    def open(self, sha256: str) -> BinaryIO | Iterator[bytes]:
        """The bytes of a content, to stream as a download: a file where there is one (the HTTP
        server may send it as such), else chunks; a missing content is a storage error said at once."""

    @abstractmethod
    def chunks(self, sha256: str) -> Iterator[bytes]:
        """The bytes of a content in chunks, wherever they live (missing: said at once)."""

    @abstractmethod
    def _store(self, conn, staged: StagedBlob, new: bool) -> None:
        """Puts the staged bytes in place (``new``: no row named this content before)."""

    @abstractmethod
    def _erase(self, conn, sha256: str) -> None:
        """Erases the bytes of a content whose row goes."""


class FileBlobs(BlobStore):
    """Content-addressed files ``root/ab/abcdef…`` (several workers must share ``root``)."""

    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        super().__init__(root / "tmp")
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def place(self, staged: StagedBlob) -> None:
        """Links the (fsynced) temp file at its final name and fsyncs the directory. Not when a file is
        there already (stored before, or being placed by a concurrent upload): ``commit`` sees to that
        one under the lock. The temp file stays until the upload ends: should the file go meanwhile
        (a concurrent deletion of the same content), ``commit`` puts it back from there."""
        final = self.path(staged.sha256)
        try:
            if final.exists() or not self._put(os.link, staged.temp, final):
                return
        except OSError as exc:
            if exc.errno in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                return  # no hard links here: ``commit`` renames it, under the lock, as it always could
            raise storage_error(exc) from None
        staged.placed = True

    def _store(self, conn, staged: StagedBlob, new: bool) -> None:
        final = self.path(staged.sha256)  # put there even when not new: the file may have been lost
        try:
            if staged.placed and _same_file(final, staged.temp):  # our link, durable since ``place``
                return  # (and, under the write lock, nothing removes it before the COMMIT)
            if final.exists():  # never replaced; its entry made durable (it may be a concurrent ``place``'s)
                _fsync_dir(final.parent)
            else:
                self._put(os.replace, staged.temp, final)
        except OSError as exc:
            raise storage_error(exc) from None

    def _put(self, move, temp: Path, final: Path) -> bool:
        """Moves (or links) ``temp`` to ``final`` and makes the entry durable; False when a file got
        there first (then nothing is done)."""
        changed = [final.parent]
        try:
            try:
                move(temp, final)
            except FileNotFoundError:  # the shard's first file (a mkdir each time would wait on the journal)
                final.parent.mkdir(mode=0o700, exist_ok=True)
                changed.append(self.root)  # the shard's entry in the root must last too
                move(temp, final)
        except FileExistsError:  # os.link: a concurrent upload of the same content linked it first
            return False
        for directory in changed:
            _fsync_dir(directory)
        return True

    def _erase(self, conn, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def open(self, sha256: str) -> BinaryIO:
        try:
            return open(self.path(sha256), "rb")
        except FileNotFoundError:
            raise missing_bytes() from None

    def chunks(self, sha256: str) -> Iterator[bytes]:
        return _read_chunks(self.open(sha256))

    def collect_garbage(self, conn, older_than_seconds: float = 3600) -> int:
        """Also removes files no ``blobs`` row names (a crash between rename and commit)."""
        removed = super().collect_garbage(conn, older_than_seconds)
        referenced = {row[0] for row in conn.execute("SELECT sha256 FROM blobs")}
        limit = time.time() - older_than_seconds
        for shard in self.root.iterdir():
            if shard == self.tmp or not shard.is_dir():
                continue
            for path in shard.iterdir():
                if path.name not in referenced and path.stat().st_mtime < limit:
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed


class DatabaseBlobs(BlobStore):
    """Bytes in the ``blob_parts`` table of the store, next to the metadata."""

    def __init__(self, store, tmp: Path) -> None:
        super().__init__(tmp)
        self.store = store

    def _store(self, conn, staged: StagedBlob, new: bool) -> None:
        if not new and conn.execute("SELECT 1 FROM blob_parts WHERE sha256 = ? LIMIT 1",
                                    (staged.sha256,)).fetchone():
            return
        try:
            with open(staged.temp, "rb") as source:
                for part, data in enumerate(iter(lambda: source.read(PART), b"")):
                    conn.execute("INSERT INTO blob_parts(sha256, part, data) VALUES (?, ?, ?)",
                                 (staged.sha256, part, data))
        except OSError as exc:
            raise storage_error(exc) from None
        self.discard(staged)

    def _erase(self, conn, sha256: str) -> None:
        conn.execute("DELETE FROM blob_parts WHERE sha256 = ?", (sha256,))

    def open(self, sha256: str) -> Iterator[bytes]:
        parts = self.store.one("SELECT count(*) FROM blob_parts WHERE sha256 = ?", (sha256,))[0]
        if not parts:
            raise missing_bytes()
        return self._parts(sha256, parts)

    def chunks(self, sha256: str) -> Iterator[bytes]:
        return self.open(sha256)

    def _parts(self, sha256: str, parts: int) -> Iterator[bytes]:
        """One query per part: a download holds one part in memory and no transaction open.
        (Content erased meanwhile ends the stream early; the client sees a short body.)"""
        for part in range(parts):
            row = self.store.one("SELECT data FROM blob_parts WHERE sha256 = ? AND part = ?", (sha256, part))
            if row is None:
                return
            yield bytes(row[0])


def too_large(max_bytes: int) -> MesError:
    return MesError("DOCUMENT_TOO_LARGE", _("The document is larger than {limit:,} bytes, the limit per file; "
                                            "compress or split it (a scan at 200–300 dpi in PDF usually fits).")
                    .format(limit=max_bytes), {"max_bytes": max_bytes})


def _read_chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        yield from iter(lambda: handle.read(PART), b"")


def missing_bytes() -> MesError:
    return MesError("STORAGE_UNAVAILABLE", _("The document's bytes are missing from the store; the server's "
                                            "administrator must restore them from a backup."))


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


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except FileNotFoundError:
        return False


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
