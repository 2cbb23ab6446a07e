"""Downloading documents safely: into a temp file beside the target, checksum verified, then moved into place.

The file name offered by the server is reduced to a plain name (no directory,
no leading dot, no control characters), so a title can never write elsewhere.
An existing file is never replaced without ``force``.

Many documents at once (``Downloader``) go into one directory, in parallel, each
named after its title; documents of one batch with the same name are told
apart by their id. A file already there with the document's bytes (SHA-256
compared) is kept, so running the same command again fetches only what is
missing.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from dataclasses import dataclass, field
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


def _checked_sink(out: BinaryIO, digest, on_bytes: Callable[[int], None] | None = None):
    def sink(chunk: bytes) -> None:
        digest.update(chunk)
        out.write(chunk)
        if on_bytes:
            on_bytes(len(chunk))

    return sink


def _verify(expected: str, announced: str, actual: str) -> None:
    if actual != expected or (announced and announced != actual):
        raise MesError("CHECKSUM_MISMATCH", _("The bytes received do not match the document's SHA-256; nothing was "
                                              "written. Try again."), {"expected": expected, "received": actual})


def download_to(client, profile: str, meta, target: Path | None = None, force: bool = False,
                sink: BinaryIO | None = None, on_bytes: Callable[[int], None] | None = None) -> Path | None:
    digest = hashlib.sha256()
    if sink is not None:  # stdout: verified at the end, reported as an error if it does not match
        announced = client.download_document(profile, meta.id, _checked_sink(sink, digest, on_bytes))
        _verify(meta.sha256, announced, digest.hexdigest())
        return None

    def fill(out: BinaryIO) -> None:
        announced = client.download_document(profile, meta.id, _checked_sink(out, digest, on_bytes))
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


# --- many documents into one directory ------------------------------------------------------------


def file_sha256(path: Path) -> str | None:
    """The SHA-256 of a regular file (None for anything else: a named pipe is never opened)."""
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(64 * 1024):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def with_id(meta) -> str:
    """The file name of a document whose title another document of the batch also has."""
    return safe_filename(f"{meta.title} ({meta.id})", meta.media_type)


def bulk_targets(metas: list, directory: Path) -> dict[str, Path]:
    """Each document's file in ``directory``: its title, as a single download names it; documents with
    the same name (letter case aside, as on macOS and Windows) all get their id in it — except one whose
    bytes an earlier run already wrote under the plain name, which keeps it."""
    groups: dict[str, list] = {}
    for meta in metas:
        groups.setdefault(safe_filename(meta.title, meta.media_type).casefold(), []).append(meta)
    targets: dict[str, Path] = {}
    for group in groups.values():
        plain = safe_filename(group[0].title, group[0].media_type)
        if len(group) == 1:
            targets[group[0].id] = directory / plain
            continue
        there = file_sha256(directory / plain)
        keeper = next((meta for meta in group if meta.sha256 == there), None)
        for meta in group:
            targets[meta.id] = directory / (plain if meta is keeper else with_id(meta))
    return targets


@dataclass
class DownloadItem:
    document_id: str
    meta: object = field(default=None, repr=False)  # the DocumentView
    path: Path | None = None
    status: str = "pending"  # pending → downloaded | exists | failed; not_sent when interrupted
    error_code: str | None = None
    error: str | None = None

    def fail(self, exc: MesError) -> None:
        self.status, self.error_code, self.error = "failed", exc.code, exc.message

    def result(self) -> dict:
        meta = self.meta
        return {"id": self.document_id, "title": meta.title if meta else None,
                "path": str(self.path) if self.path else None, "status": self.status,
                "size": meta.size if meta else None, "sha256": meta.sha256 if meta else None,
                "error_code": self.error_code, "error": self.error}


def _stops_everything(exc: MesError) -> bool:
    return int(exc.exit_status) in (3, 4)  # the network or the session is gone: no point going on


@dataclass
class Downloader:
    """Downloads documents into ``directory``: in parallel, resumable, checksum-verified, and never over
    a file without ``force`` (a file of that name with other bytes: the document gets its id in its name)."""

    client: object
    profile: str
    directory: Path
    jobs: int = 4
    force: bool = False
    on_item: Callable[[DownloadItem], None] = lambda item: None
    on_bytes: Callable[[int], None] | None = None
    items: list[DownloadItem] = field(default_factory=list)

    def describe(self) -> None:
        """Fetches the metadata of the documents known by id only; an unknown id fails alone."""
        from .uploads import run_windowed

        def get(item: DownloadItem) -> None:
            try:
                item.meta = self.client.get_document(self.profile, item.document_id)
            except MesError as exc:
                item.fail(exc)
                if _stops_everything(exc):
                    raise

        run_windowed([i for i in self.items if i.meta is None], get, self.jobs,
                     lambda item: self.on_item(item) if item.status == "failed" else None, name="describe")
        targets = bulk_targets([i.meta for i in self.items if i.status == "pending"], self.directory)
        for item in self.items:
            if item.status == "pending":
                item.path = targets[item.document_id]

    def run(self) -> None:
        from .uploads import run_windowed

        run_windowed([i for i in self.items if i.status == "pending"], self._fetch, self.jobs, self.on_item,
                     name="download")

    def _fetch(self, item: DownloadItem) -> None:
        meta = item.meta
        try:
            if item.path.exists() or item.path.is_symlink():
                if file_sha256(item.path) == meta.sha256:
                    item.status = "exists"
                    return
                if not self.force:  # another file of that name: never replaced, the document gets its id
                    item.path = self.directory / with_id(meta)
                    if file_sha256(item.path) == meta.sha256:
                        item.status = "exists"
                        return
            download_to(self.client, self.profile, meta, target=item.path, force=self.force,
                        on_bytes=self.on_bytes)
            item.status = "downloaded"
        except MesError as exc:
            item.fail(exc)
            if _stops_everything(exc):
                raise
        except OSError as exc:
            item.fail(MesError("VALIDATION_ERROR", _("cannot write {path} ({problem}).")
                               .format(path=item.path, problem=exc.strerror)))
