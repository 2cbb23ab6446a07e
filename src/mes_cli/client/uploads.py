"""Bulk upload as a library: collect files, check them locally, skip what is there, send the rest.

No printing here: progress and results go through callbacks, so the CLI, a
script or a test can drive it. Each file's idempotency key is derived from its
content, so re-running the same command after a crash or Ctrl-C sends only what
the server does not have yet, and a retried request never creates a duplicate.

Content decides what a document is: a file whose bytes are already stored is
that document ("exists"), whatever its name; the metadata given for it (title,
category, date) is compared with what is stored and, with ``update``, applied.
Two files of one run with the same bytes are one document ("merged").
"""

from __future__ import annotations

import contextvars
import csv
import hashlib
import os
import stat
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from itertools import islice
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..contract.errors import MesError
from ..domain.categories import validate_category
from ..domain.confidentiality import levels, split
from ..domain.dates import parse_date
from ..domain.sniff import Sniffer
from ..i18n import _

CHUNK = 64 * 1024
LOOKUP_BATCH = 1000
MAX_DOCUMENT_BYTES = 5_000_000
TITLE_MAX = 50
MANIFEST_COLUMNS = ("path", "category", "title", "date", "profile", "folder", "confidentiality")
STORED = ("uploaded", "exists", "updated", "merged")  # statuses of a file whose content the server holds


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """What a run keeps of the document the server holds for a file: what the results and the
    differences show, not the whole view (a bulk upload keeps one per file: its memory stays flat)."""

    id: str
    title: str
    category: str
    document_date: object  # a date, or None
    hidden: bool

    @classmethod
    def of(cls, document) -> StoredDocument:
        return cls(document.id, document.title, document.category, document.document_date, document.hidden)


@dataclass(slots=True)  # one per file of a bulk upload: no per-instance dict
class UploadItem:
    path: Path
    title: str | None = None  # the metadata given (option or manifest), None when not given
    category: str | None = None
    date: str | None = None
    profile: str = "me"
    folder: str | None = None  # a folder's name (it must exist)
    hidden: bool = False  # from the manifest's confidentiality column
    hidden_from_representatives: bool = False
    row: int | None = None  # its row in the manifest (the header is row 1)
    size: int = 0
    sha256: str = ""
    media_type: str = ""
    status: str = "pending"  # pending → ready → uploaded | exists | updated | merged | failed; skipped; not_sent
    document_id: str | None = None
    document: StoredDocument | None = field(default=None, repr=False)  # what the server holds for it
    differs: list[str] = field(default_factory=list)  # given metadata unlike what is stored: title, category…
    merged_with: Path | None = None  # the file of this run with the same content
    notes: list[str] = field(default_factory=list)
    error_code: str | None = None
    error: str | None = None

    @property
    def idempotency_key(self) -> str:
        return f"sha256:{self.sha256}"

    def record(self, document, status: str, hidden: bool = False) -> None:
        """What the server holds for this file, and where the metadata given for it differs."""
        self.status, self.document_id, self.document = status, document.id, StoredDocument.of(document)
        self.differs = differences(self, document, hidden)
        if status != "uploaded":
            self.notes = []  # notes are about what this upload stores (a shortened title); nothing was

    def fail(self, exc: MesError) -> None:
        self.status, self.error_code, self.error = "failed", exc.code, exc.message

    def skip(self, reason: str) -> None:
        self.status, self.error_code, self.error = "skipped", "VALIDATION_ERROR", reason

    def result(self) -> dict:
        doc = self.document
        return {"path": str(self.path), "status": self.status, "document_id": self.document_id,
                "profile": self.profile, "title": doc.title if doc else self.title,
                "category": doc.category if doc else self.category,
                "document_date": _iso(doc.document_date) if doc else self.date, "size": self.size,
                "sha256": self.sha256 or None, "differs": self.differs,
                "merged_with": str(self.merged_with) if self.merged_with else None, "notes": self.notes,
                "error_code": self.error_code, "error": self.error}


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def differences(item: UploadItem, document, hidden: bool = False) -> list[str]:
    """The metadata given for a file (only what was given) that is not what the server stores."""
    found = []
    if item.title is not None and " ".join(item.title.split()) != document.title:
        found.append("title")
    if item.category and item.category != document.category:
        found.append("category")
    if item.date and item.date != _iso(document.document_date):
        found.append("date")
    if hidden and not document.hidden:
        found.append("hidden")
    return found


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
    """Files named, and files under directories when --recursive; hidden files are skipped in directories.

    What a directory holds is listed whole, named pipes and sockets included: ``inspect`` skips
    what is not a regular file, saying so, without ever opening it (a named pipe would block).
    """
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


@dataclass
class RowProblem:
    """One bad cell of a manifest: its row (the header is row 1), its column, why."""

    row: int
    column: str
    code: str
    message: str


@dataclass
class Manifest:
    path: Path
    items: list[UploadItem]
    problems: list[RowProblem]
    ignored_columns: list[str]

    def refuse(self) -> None:
        """Raises one error for every bad row at once (nothing is sent while one is wrong)."""
        if self.problems:
            raise MesError("VALIDATION_ERROR", _("{path}: {count} problem(s) in the manifest, listed above; "
                                                 "nothing was sent. Fix them and run the same command again.")
                           .format(path=self.path, count=len(self.problems)),
                           {"field": "manifest", "path": str(self.path),
                            "problems": [p.__dict__ for p in self.problems]})


def read_manifest(manifest: Path) -> Manifest:
    """A CSV with a header: path (required), category, title, date, profile, folder, confidentiality (who must
    not see it: professionals, legal-representatives, both joined by '+', or nobody); paths relative to the
    manifest.

    Every row is checked before any is used, and every problem is kept (row, column, reason), so
    that one round of corrections is enough.
    """
    try:
        with manifest.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    except OSError as exc:
        raise _bad_path(manifest, _("{path}: cannot read the manifest ({problem}).")
                        .format(path=manifest, problem=exc.strerror)) from None
    except (csv.Error, UnicodeDecodeError) as exc:
        raise _bad_path(manifest, _("{path}: not a CSV file that can be read ({problem}).")
                        .format(path=manifest, problem=exc)) from None
    if "path" not in header:
        raise _bad_path(manifest, _("{path}: the manifest needs a header line with a 'path' column "
                                    "(and optionally category, title, date, profile, folder, "
                                    "confidentiality).").format(path=manifest))
    result = Manifest(manifest, [], [], [c for c in header if c and c not in MANIFEST_COLUMNS])
    for number, row in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() if isinstance(v, str) else "" for k, v in row.items()}

        def problem(column: str, exc: MesError, number=number) -> None:
            result.problems.append(RowProblem(number, column, exc.code, exc.message))

        item = UploadItem(path=Path(), row=number, title=row.get("title") or None,
                          category=row.get("category") or None, date=row.get("date") or None,
                          profile=row.get("profile") or "me", folder=row.get("folder") or None)
        if row.get("confidentiality"):
            try:
                item.hidden, item.hidden_from_representatives = levels(split(row["confidentiality"]),
                                                                       "confidentiality")
            except MesError as exc:
                problem("confidentiality", exc)
        raw = row.get("path", "")
        if not raw:
            problem("path", MesError("VALIDATION_ERROR", _("no path.")))
        else:
            item.path = Path(raw).expanduser() if Path(raw).expanduser().is_absolute() else manifest.parent / raw
            try:
                mode = item.path.stat().st_mode
            except OSError:
                problem("path", MesError("VALIDATION_ERROR", _("{path}: no such file.").format(path=item.path)))
            else:
                if not stat.S_ISREG(mode):
                    problem("path", MesError("VALIDATION_ERROR", _("{path}: {kind}, not a regular file.")
                                             .format(path=item.path, kind=_file_kind(mode))))
        for column, check in (("category", _check_category), ("date", _check_date), ("title", _check_title)):
            try:
                check(item)
            except MesError as exc:
                problem(column, exc)
        result.items.append(item)
    return result


def _check_category(item: UploadItem) -> None:
    if item.category:
        try:
            item.category = validate_category(item.category)
        except MesError as exc:  # the whole list of codes once per row would drown the other rows
            raise MesError(exc.code, _("unknown category {value!r} (the codes: `mes docs categories`).")
                           .format(value=item.category)) from None


def _check_date(item: UploadItem, today=None) -> None:
    if item.date:
        item.date = parse_date(item.date, "date", today=today).isoformat()


def _check_title(item: UploadItem) -> None:
    if item.title is not None:
        length = len(" ".join(item.title.split()))
        if length > TITLE_MAX:
            raise MesError("INVALID_TITLE", _("The title has {length} characters; at most {limit} are allowed.")
                           .format(length=length, limit=TITLE_MAX), {"field": "title"})
        if not length:
            raise MesError("INVALID_TITLE", _("The title is empty; give a short title (--title)."),
                           {"field": "title"})


def validate_metadata(items: list[UploadItem], defaults: Defaults, today=None) -> None:
    """Refuses bad categories, dates or titles before anything is sent, naming the file.

    With no items, checks the defaults alone (the command-line options). A file's own metadata (a
    manifest row) wins over the options.
    """
    for item in items or [UploadItem(path=Path("(options)"))]:
        item.title = item.title if item.title is not None else defaults.title
        item.category = item.category or defaults.category
        item.date = item.date or defaults.date
        try:
            if item.category:
                item.category = validate_category(item.category)
            _check_date(item, today)
            _check_title(item)
        except MesError as exc:
            if items:
                exc.message = f"{item.path}: {exc.message}"
                exc.details["path"] = str(item.path)
            raise
        if items and item.title is None:
            title = filename_title(item.path.name)
            if len(title) > TITLE_MAX:
                item.notes.append(_("title shortened to {limit} characters: “{title}”")
                                  .format(limit=TITLE_MAX, title=title[:TITLE_MAX].rstrip()))


def filename_title(name: str) -> str:
    """The title the server makes of a file name when none is given (before it shortens it to 50)."""
    stem = Path(name).stem.replace("_", " ").strip() or "Document"
    return " ".join(stem.split())


# --- local checks ---------------------------------------------------------------


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return _("a named pipe (FIFO)")
    if stat.S_ISSOCK(mode):
        return _("a socket")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return _("a device")
    if stat.S_ISDIR(mode):
        return _("a directory")
    return _("a special file")


def inspect(item: UploadItem, max_bytes: int = MAX_DOCUMENT_BYTES) -> None:
    """Hashes and sniffs the file; marks it failed (without raising) when the server would refuse it,
    skipped when it is not a regular file (never opened then: a named pipe would block for ever)."""
    try:
        mode = item.path.stat().st_mode
        if not stat.S_ISREG(mode):
            item.skip(_("{kind}, not a regular file: skipped.").format(kind=_file_kind(mode)))
            return
        # O_NONBLOCK: should it have become a pipe since, opening it does not wait for a writer.
        fd = os.open(item.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as handle:
            status = os.fstat(handle.fileno())
            if not stat.S_ISREG(status.st_mode):
                item.skip(_("{kind}, not a regular file: skipped.").format(kind=_file_kind(status.st_mode)))
                return
            if status.st_size > max_bytes:
                raise MesError("DOCUMENT_TOO_LARGE", _("{size:,} bytes, over the {limit:,}-byte limit per file.")
                               .format(size=status.st_size, limit=max_bytes))
            digest, sniffer = hashlib.sha256(), Sniffer()
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


def run_windowed(items: Iterable, work: Callable, jobs: int, on_done: Callable, name: str = "worker") -> None:
    """``work(item)`` on ``jobs`` threads, at most ``2 × jobs`` items submitted at a time (memory stays
    flat); ``on_done(item)`` in the calling thread as each finishes. An exception of ``work`` (what must
    stop the whole run: the network, the session) or a Ctrl-C cancels what has not started and is
    raised once the items under way are done: each of them is then whole, never half sent or written.
    """
    pending = iter(items)
    window = 2 * max(1, jobs)
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix=name) as pool:
        running: dict = {}
        try:
            while True:
                for item in islice(pending, window - len(running)):
                    # each task in a copy of this context: the workers speak the person's language
                    running[pool.submit(contextvars.copy_context().run, work, item)] = item
                if not running:
                    return
                done, _running = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    on_done(running.pop(future))
                    future.result()
        except BaseException:
            for future in running:
                future.cancel()
            raise


@dataclass
class Uploader:
    """Sends the ready items; ``update``: a file already there gets the metadata given for it."""

    client: object
    jobs: int = 4
    hidden: bool = False
    update: bool = False
    on_item: Callable[[UploadItem], None] = lambda item: None
    on_bytes: Callable[[int], None] | None = None
    items: list[UploadItem] = field(default_factory=list)
    _copies: dict = field(default_factory=dict, repr=False)  # a file → the files of this run with its bytes
    _to_update: list = field(default_factory=list, repr=False)

    def merge_duplicates(self) -> None:
        """Files with the same bytes (for one profile) are one document: only the first is sent."""
        first: dict[tuple[str, str], UploadItem] = {}
        for item in self.items:
            if item.status != "ready":
                continue
            key = (item.profile, item.sha256)
            if key in first:
                item.status, item.merged_with = "duplicate", first[key].path
                self._copies.setdefault(id(first[key]), []).append(item)
            else:
                first[key] = item

    def _finished(self, item: UploadItem) -> None:
        self.on_item(item)
        for copy in self._copies.pop(id(item), []):
            if item.status == "failed":
                copy.status, copy.error_code, copy.error = "failed", item.error_code, item.error
            else:
                copy.record(item.document, "merged", self.hidden)
            self.on_item(copy)

    def skip_existing(self) -> None:
        """Marks as 'exists' the files the server already has (one request per thousand files)."""
        self.merge_duplicates()
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
                    if document is None:
                        continue
                    item.record(document, "exists", self.hidden)
                    if self.update and item.differs:
                        self._to_update.append(item)
                    else:
                        self._finished(item)

    def send(self) -> None:
        """Applies the updates asked for, then uploads the ready files, at most ``2 × jobs`` submitted
        at a time (memory stays flat)."""
        updates, self._to_update = self._to_update, []
        self._each(updates, self._update_one)
        self._each([item for item in self.items if item.status == "ready"], self._send_one)

    def _each(self, items: list[UploadItem], work: Callable[[UploadItem], None]) -> None:
        run_windowed(items, work, self.jobs, self._finished, name="upload")

    def _send_one(self, item: UploadItem) -> None:
        try:
            answer = self.client.upload_document(
                item.profile, item.path, size=item.size, sha256=item.sha256, idempotency_key=item.idempotency_key,
                title=item.title, category=item.category, date=item.date, hidden=self.hidden or item.hidden,
                hidden_from_representatives=item.hidden_from_representatives, folder=item.folder,
                on_bytes=self.on_bytes)
        except MesError as exc:
            item.fail(exc)
            if exc.exit_status in (3, 4):  # the network or the session is gone: no point going on
                raise
            return
        except OSError as exc:
            item.fail(MesError("VALIDATION_ERROR", _("cannot read the file ({problem}).").format(problem=exc.strerror)))
            return
        item.record(answer.document, "uploaded" if answer.created else "exists", self.hidden)
        if answer.created:
            item.differs = []  # sent with the file: nothing to compare
        elif self.update and item.differs:  # stored meanwhile (another run): same as found by the lookup
            self._update_one(item)

    def _update_one(self, item: UploadItem) -> None:
        """Applies the metadata given for a file already there (only the fields that differ)."""
        from ..contract import models as m

        patch = m.DocumentPatch(title=item.title if "title" in item.differs else None,
                                category=item.category if "category" in item.differs else None,
                                document_date=item.date if "date" in item.differs else None,
                                hidden=True if "hidden" in item.differs else None)
        applied = item.differs
        try:
            document = self.client.update_document(item.profile, item.document_id, patch)
        except MesError as exc:
            item.fail(exc)
            if exc.exit_status in (3, 4):
                raise
            return
        item.record(document, "updated")
        item.differs = applied
