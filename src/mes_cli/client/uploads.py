"""Bulk upload as a library: collect files, check them locally, skip what is there, send the rest.

No printing here: progress and results go through callbacks, so the CLI, a
script or a test can drive it. Each file's idempotency key is derived from its
content, so re-running the same command after a crash or Ctrl-C sends only what
the server does not have yet, and a retried request never creates a duplicate.
"""

from __future__ import annotations

import csv
import hashlib
import os
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from itertools import islice
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..contract.errors import MesError
from ..domain.categories import validate_category
from ..domain.dates import parse_date
from ..domain.sniff import Sniffer
from ..i18n import _

CHUNK = 64 * 1024
LOOKUP_BATCH = 1000
MAX_DOCUMENT_BYTES = 5_000_000


@dataclass
class UploadItem:
    path: Path
    title: str | None = None
    category: str | None = None
    date: str | None = None
    profile: str = "me"
    size: int = 0
    sha256: str = ""
    media_type: str = ""
    status: str = "pending"  # pending → ready | uploaded | exists | failed
    document_id: str | None = None
    error_code: str | None = None
    error: str | None = None

    @property
    def idempotency_key(self) -> str:
        return f"sha256:{self.sha256}"

    def record(self, document, status: str) -> None:
        """What the server holds for this file (its title may have been defaulted from the file name)."""
        self.status, self.document_id = status, document.id
        self.title, self.category = document.title, document.category

    def fail(self, exc: MesError) -> None:
        self.status, self.error_code, self.error = "failed", exc.code, exc.message

    def result(self) -> dict:
        return {"path": str(self.path), "status": self.status, "document_id": self.document_id,
                "profile": self.profile, "title": self.title, "category": self.category, "size": self.size,
                "sha256": self.sha256 or None, "error_code": self.error_code, "error": self.error}


@dataclass
class Defaults:
    title: str | None = None
    category: str | None = None
    date: str | None = None
    hidden: bool = False


# --- collecting ---------------------------------------------------------------


def _bad_path(path: Path, message: str) -> MesError:
    """A refused path; ``message`` is the whole sentence, naming the path itself."""
    return MesError("VALIDATION_ERROR", message, {"field": "path", "path": str(path)})


def expand(paths: Iterable[str], recursive: bool) -> list[Path]:
    """Files named, and files under directories when --recursive; hidden files are skipped in directories."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            if not recursive:
                raise _bad_path(path, _("{path}: is a directory; add --recursive to upload the files under it.")
                                .format(path=path))
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                files += [Path(root) / n for n in sorted(names) if not n.startswith(".")]
        elif path.is_file():
            files.append(path)
        elif not path.exists():
            raise _bad_path(path, _("{path}: no such file or directory.").format(path=path))
        else:
            raise _bad_path(path, _("{path}: is not a regular file.").format(path=path))
    return list(dict.fromkeys(files))


def read_manifest(manifest: Path) -> list[UploadItem]:
    """A CSV with a header: path (required), category, title, date, profile; paths relative to the manifest."""
    try:
        with manifest.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise _bad_path(manifest, _("{path}: cannot read the manifest ({problem}).")
                        .format(path=manifest, problem=exc.strerror)) from None
    if rows and "path" not in rows[0]:
        raise _bad_path(manifest, _("{path}: the manifest needs a header line with a 'path' column "
                                    "(and optionally category, title, date, profile).").format(path=manifest))
    items = []
    for number, row in enumerate(rows, start=2):
        raw = (row.get("path") or "").strip()
        if not raw:
            raise _bad_path(manifest, _("{path}: line {line} has no path.").format(path=manifest, line=number))
        path = Path(raw) if Path(raw).is_absolute() else manifest.parent / raw
        if not path.is_file():
            raise _bad_path(path, _("{path}: line {line} of {manifest}: no such file.")
                            .format(path=path, line=number, manifest=manifest.name))
        items.append(UploadItem(path=path, title=(row.get("title") or "").strip() or None,
                                category=(row.get("category") or "").strip() or None,
                                date=(row.get("date") or "").strip() or None,
                                profile=(row.get("profile") or "").strip() or "me"))
    return items


def validate_metadata(items: list[UploadItem], defaults: Defaults, today=None) -> None:
    """Refuses bad categories, dates or titles before anything is sent, naming the file.

    With no items, checks the defaults alone (the command-line options).
    """
    for item in items or [UploadItem(path=Path("(options)"))]:
        item.title = item.title if item.title is not None else defaults.title
        item.category = item.category or defaults.category
        item.date = item.date or defaults.date
        try:
            if item.category:
                item.category = validate_category(item.category)
            if item.date:
                item.date = parse_date(item.date, "date", today=today).isoformat()
            if item.title is not None and len(" ".join(item.title.split())) > 50:
                raise MesError("INVALID_TITLE", _("The title has more than 50 characters."), {"field": "title"})
        except MesError as exc:
            if items:
                exc.message = f"{item.path}: {exc.message}"
                exc.details["path"] = str(item.path)
            raise


# --- local checks ---------------------------------------------------------------


def inspect(item: UploadItem, max_bytes: int = MAX_DOCUMENT_BYTES) -> None:
    """Hashes and sniffs the file; marks it failed (without raising) when the server would refuse it."""
    try:
        size = item.path.stat().st_size
        if size > max_bytes:
            raise MesError("DOCUMENT_TOO_LARGE", _("{size:,} bytes, over the {limit:,}-byte limit per file.")
                           .format(size=size, limit=max_bytes))
        digest, sniffer = hashlib.sha256(), Sniffer()
        with item.path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                sniffer.feed(chunk)
        item.media_type = sniffer.media_type()
        item.size, item.sha256, item.status = sniffer.size, digest.hexdigest(), "ready"
    except MesError as exc:
        item.fail(exc)
    except OSError as exc:
        item.fail(MesError("VALIDATION_ERROR", _("cannot read the file ({problem}).").format(problem=exc.strerror)))


# --- sending --------------------------------------------------------------------


@dataclass
class Uploader:
    client: object
    jobs: int = 4
    hidden: bool = False
    on_item: Callable[[UploadItem], None] = lambda item: None
    on_bytes: Callable[[int], None] | None = None
    items: list[UploadItem] = field(default_factory=list)

    def skip_existing(self) -> None:
        """Marks as 'exists' the files the server already has (one request per thousand files)."""
        by_profile: dict[str, list[UploadItem]] = {}
        for item in self.items:
            if item.status == "ready":
                by_profile.setdefault(item.profile, []).append(item)
        for profile, items in by_profile.items():
            for start in range(0, len(items), LOOKUP_BATCH):
                batch = items[start:start + LOOKUP_BATCH]
                found = self.client.lookup_documents(profile, [i.idempotency_key for i in batch]).existing
                for item in batch:
                    document = found.get(item.idempotency_key)
                    if document is not None:
                        item.record(document, "exists")
                        self.on_item(item)

    def send(self) -> None:
        """Uploads the ready files, at most ``2 × jobs`` submitted at a time (memory stays flat)."""
        pending = iter([item for item in self.items if item.status == "ready"])
        window = 2 * max(1, self.jobs)
        with ThreadPoolExecutor(max_workers=max(1, self.jobs), thread_name_prefix="upload") as pool:
            running: dict = {}
            try:
                while True:
                    for item in islice(pending, window - len(running)):
                        running[pool.submit(self._send_one, item)] = item
                    if not running:
                        return
                    done, _running = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        self.on_item(running.pop(future))
                        future.result()  # re-raises what must stop the whole run (network, session)
            except BaseException:
                for future in running:
                    future.cancel()
                raise

    def _send_one(self, item: UploadItem) -> None:
        try:
            answer = self.client.upload_document(
                item.profile, item.path, size=item.size, sha256=item.sha256, idempotency_key=item.idempotency_key,
                title=item.title, category=item.category, date=item.date, hidden=self.hidden,
                on_bytes=self.on_bytes)
        except MesError as exc:
            if exc.exit_status in (3, 4):  # the network or the session is gone: no point going on
                item.fail(exc)
                raise
            item.fail(exc)
            return
        except OSError as exc:
            item.fail(MesError("VALIDATION_ERROR", _("cannot read the file ({problem}).").format(problem=exc.strerror)))
            return
        item.record(answer.document, "uploaded" if answer.created else "exists")
