"""`mes docs …`: upload (one or thousands), list, show, edit, download (one or all), hide, unhide, delete,
categories (`import` and what CDA documents add: health_docs.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..i18n import _
from .completion import complete_category, complete_document
from .context import AppContext
from .options import FormatOpt, YesOpt

docs_app = typer.Typer(help="Your documents: upload, import, list, show, edit, download, hide, delete.",
                       no_args_is_help=True)

DOC_COLUMNS = ["id", "title", "category", "document_date", "media_type", "size", "hidden", "uploaded_by"]
IdsArg = Annotated[list[str], typer.Argument(help="Document ids (see `mes docs list`)", show_default=False,
                                             autocompletion=complete_document)]


def _app(ctx: typer.Context) -> AppContext:
    return ctx.obj


UPLOAD_COLUMNS = ["path", "status", "document_id", "title", "category", "document_date", "size", "differs",
                  "error_code", "error"]
DOWNLOAD_COLUMNS = ["id", "title", "path", "status", "size", "error_code", "error"]


@docs_app.command("upload")
def upload(
    ctx: typer.Context,
    paths: Annotated[Optional[list[str]], typer.Argument(help="Files, directories (with --recursive), or '-' to "
                     "read paths from stdin", show_default=False)] = None,
    category: Annotated[Optional[str], typer.Option("--category", "-c", help="Category code (see `mes docs "
                        "categories`; default AUTR_DOC)", autocompletion=complete_category)] = None,
    title: Annotated[Optional[str], typer.Option("--title", help="Title, ≤ 50 characters (default: file name)")]
    = None,
    date: Annotated[Optional[str], typer.Option("--date", help="Document date, e.g. 12/03/2024 (default: today)")]
    = None,
    hidden: Annotated[bool, typer.Option("--hidden", help="Hide from health professionals")] = False,
    recursive: Annotated[bool, typer.Option("--recursive", "-r", help="Upload files under directories")] = False,
    manifest: Annotated[Optional[Path], typer.Option("--manifest", help="CSV with path,category,title,date "
                        "per file")] = None,
    update: Annotated[bool, typer.Option("--update", help="A file already there (same content) gets the title, "
                      "category, date or --hidden given for it, instead of keeping what is stored")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, max=32, help="Parallel uploads")] = 4,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check everything locally; upload nothing")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Upload documents; re-running after a crash or Ctrl-C sends only what is missing.

    Each file's type is judged from its content (PDF, JPEG, PNG, TIFF, TXT,
    RTF; at most 5 MB). A failed file does not stop the others: the summary
    lists them, and the exit code is 5 when some failed. A file whose content
    is already there keeps the stored title, category and date, and the line
    says where yours differ (--update applies them); files with the same
    content are one document. With --format jsonl, each file's line is printed
    as it finishes.
    """
    from ..client import uploads
    from ..contract.errors import MesError

    app = _app(ctx)
    defaults = uploads.Defaults(title=title, category=category, date=date)
    uploads.validate_metadata([], defaults)  # a bad option is refused before looking at any file
    items = _collect(app, paths or [], recursive, manifest)
    if not items:
        raise MesError("INPUT_REQUIRED", _("No file to upload: give paths, '-' with paths on stdin, or --manifest."),
                       {"flag": "PATH"})
    uploads.validate_metadata(items, defaults)
    results = _Results(app, fmt, UPLOAD_COLUMNS)
    progress = None
    try:
        for item in items:
            uploads.inspect(item)
        if dry_run:
            for item in items:
                item.status = "valid" if item.status == "ready" else item.status
            _finish(app, items, results, dry_run=True)
            return
        for item in items:
            if item.status != "ready":
                results.done(item)  # refused here, before sending: finished
        ready = [i for i in items if i.status == "ready"]
        progress = _progress(app, ready)

        def finished(item) -> None:
            line, notable = _line(item)
            # bytes streamed (uploaded) are counted as they go; the others' size moves the bar now
            progress.item(line, item.size, counted_bytes=item.status == "uploaded", notable=notable)
            results.done(item)

        uploader = uploads.Uploader(client=app.client, jobs=jobs, hidden=hidden, update=update, items=items,
                                    on_item=finished, on_bytes=progress.advance_bytes)
        uploader.skip_existing()
        uploader.send()
    except KeyboardInterrupt:
        if progress is not None:
            progress.close()
            progress = None
        _interrupted(app, items, results, uploads.STORED)
    finally:
        if progress is not None:
            progress.close()
    _finish(app, items, results)


class _Results:
    """Per-file results on stdout: with jsonl, one line as each file finishes (what was done is never lost,
    even to a Ctrl-C); in the other formats, the whole list at the end."""

    def __init__(self, app: AppContext, fmt: str | None, columns: list[str]) -> None:
        self.app, self.columns = app, columns
        self.fmt = app.output_format(fmt)
        self._printed: set[int] = set()

    def done(self, item) -> None:
        if self.fmt == "jsonl" and id(item) not in self._printed:
            self._printed.add(id(item))
            try:
                self.app.emit(item.result(), "jsonl")
                self.app.env.stdout.flush()
            except BrokenPipeError:  # the reader left (`| head -3`): the transfer goes on, the lines go nowhere
                from .output import release_closed_stdout

                release_closed_stdout(self.app.env.stdout)

    def finish(self, items) -> None:
        if self.fmt == "jsonl":
            for item in items:
                self.done(item)
        else:
            self.app.emit([item.result() for item in items], self.fmt, columns=self.columns)


def _interrupted(app: AppContext, items, results: _Results, stored_statuses) -> None:
    """Ctrl-C: the results known so far, what is stored and what is not, and how to resume (exit 130)."""
    from .errors import INTERRUPTED

    for item in items:
        if item.status in ("pending", "ready", "duplicate"):
            item.status = "not_sent"
    results.finish(items)
    stored = sum(1 for i in items if i.status in stored_statuses)
    failed = sum(1 for i in items if i.status == "failed")
    left = sum(1 for i in items if i.status == "not_sent")
    if failed:
        message = _("Interrupted: {stored} stored, {failed} failed, {left} not sent — run the same command again "
                    "to resume.").format(stored=stored, failed=failed, left=left)
    else:
        message = _("Interrupted: {stored} stored, {left} not sent — run the same command again to resume.").format(
            stored=stored, left=left)
    app.env.stderr.write(message + "\n")
    raise typer.Exit(INTERRUPTED)


def _collect(app: AppContext, paths: list[str], recursive: bool, manifest: Path | None):
    from ..client import uploads

    items = []
    if manifest:
        read = uploads.read_manifest(manifest)
        for column in read.ignored_columns:
            app.say(_("{path}: column {column!r} is not one mes reads (path, category, title, date, profile); it "
                      "is ignored.").format(path=manifest, column=column))
        _resolve_profiles(app, read.items, read.problems)
        for problem in read.problems:
            app.env.stderr.write("  ✗ " + _("row {row}, column {column}: {reason}").format(
                row=problem.row, column=problem.column, reason=problem.message) + f" [{problem.code}]\n")
        read.refuse()
        items = read.items
    if "-" in paths:
        paths = [p for p in paths if p != "-"] + [line.strip() for line in app.env.stdin if line.strip()]
    items += [uploads.UploadItem(path=path) for path in uploads.expand(paths, recursive)]
    _resolve_profiles(app, [i for i in items if i.row is None])
    return items


def _resolve_profiles(app: AppContext, items, problems: list | None = None) -> None:
    """Each file's profile: the manifest's 'profile' column (a child's name or id), else --for, else yours.

    A manifest's unknown profile is a problem of its rows (``problems``), reported with the others.
    """
    from ..client.uploads import RowProblem
    from ..contract.errors import MesError

    resolved: dict[str, str | MesError] = {}
    for item in items:
        if item.profile not in resolved:
            try:
                resolved[item.profile] = app.profile() if item.profile == "me" else \
                    app.resolve_child(item.profile).profile_id
            except MesError as exc:
                if problems is None or exc.code != "PROFILE_NOT_FOUND":
                    raise
                resolved[item.profile] = exc
        answer = resolved[item.profile]
        if isinstance(answer, MesError):
            problems.append(RowProblem(item.row, "profile", answer.code, answer.message))
        else:
            item.profile = answer
    if problems:
        problems.sort(key=lambda p: p.row)


def _progress(app: AppContext, ready, verb: str = "Uploading"):
    from .progress import Progress

    return Progress(app, len(ready), sum(i.size for i in ready), verb=verb)


def _changes(item) -> str:
    """The metadata given for a file that is not what is stored, as a phrase."""
    parts = []
    for name in item.differs:
        if name == "title":
            parts.append(_("title “{title}”").format(title=" ".join(item.title.split())))
        elif name == "category":
            parts.append(_("category {category}").format(category=item.category))
        elif name == "date":
            parts.append(_("date {date}").format(date=item.date))
        elif name == "hidden":
            parts.append(_("hidden from professionals"))
    return ", ".join(parts)


def _line(item) -> tuple[str, bool]:
    """The line for a file done, and whether it is worth showing under a progress bar too."""
    if item.status == "failed":
        return f"✗ {item.path}: {item.error} [{item.error_code}]", False
    if item.status == "uploaded":
        if item.notes:
            return _("✓ {path} → {id} (uploaded; {notes})").format(path=item.path, id=item.document_id,
                                                                   notes="; ".join(item.notes)), True
        return _("✓ {path} → {id} (uploaded)").format(path=item.path, id=item.document_id), False
    if item.status == "exists" and item.differs:
        doc = item.document
        return _("! {path} → {id} (already there as “{title}” in {category}, dated {date}; not applied: "
                 "{changes} — add --update to apply them)").format(
            path=item.path, id=item.document_id, title=doc.title, category=doc.category,
            date=doc.document_date or "—", changes=_changes(item)), True
    if item.status == "exists":
        return _("✓ {path} → {id} (already there)").format(path=item.path, id=item.document_id), False
    if item.status == "updated":
        return _("✓ {path} → {id} (already there; updated: {changes})").format(
            path=item.path, id=item.document_id, changes=_changes(item)), False
    if item.status == "merged":
        if item.differs:
            return _("! {path} → {id} (same content as {other}: merged into one document; not applied: "
                     "{changes})").format(path=item.path, id=item.document_id, other=item.merged_with,
                                          changes=_changes(item)), True
        return _("! {path} → {id} (same content as {other}: merged into one document)").format(
            path=item.path, id=item.document_id, other=item.merged_with), True
    raise KeyError(item.status)


def _finish(app: AppContext, items, results: _Results, dry_run: bool = False) -> None:
    from ..contract.errors import ExitStatus

    def count(status: str) -> int:
        return sum(1 for i in items if i.status == status)

    failed = [i for i in items if i.status == "failed"]
    if dry_run:
        app.say(_("Dry run: {valid} file(s) would be uploaded, {failed} refused; nothing sent.").format(
            valid=count("valid"), failed=count("failed")))
        for item in items:
            for note in item.notes if item.status == "valid" else []:
                app.say(f"  ! {item.path}: {note}")
    else:
        app.say(_("Uploaded {uploaded}, already there {exists}, failed {failed}.").format(
            uploaded=count("uploaded"), exists=count("exists") + count("updated"), failed=count("failed")))
        kept = sum(1 for i in items if i.status == "exists" and i.differs)
        if kept:
            app.say(_("{n} already there with other metadata, kept as stored: add --update to apply yours.")
                    .format(n=kept))
        if count("updated"):
            app.say(_("{n} already there: metadata updated as given.").format(n=count("updated")))
        if count("merged"):
            app.say(_("{n} file(s) had the same content as another file and were merged into its document.")
                    .format(n=count("merged")))
    if count("skipped"):
        app.say(_("Skipped {n} that are not regular files.").format(n=count("skipped")))
        for item in items:
            if item.status == "skipped":
                app.say(f"  - {item.path}: {item.error}")
    for item in failed:
        app.env.stderr.write(f"  ✗ {item.path}: {item.error} [{item.error_code}]\n")
    results.finish(items)
    if failed:
        raise typer.Exit(int(ExitStatus.PARTIAL))


@docs_app.command("list")
def list_(
    ctx: typer.Context,
    category: Annotated[Optional[str], typer.Option("--category", "-c", help="Only this category",
                        autocompletion=complete_category)] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="Document date on or after")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="Document date on or before")] = None,
    search: Annotated[Optional[str], typer.Option("--search", "-s", help="Words in the title")] = None,
    hidden: Annotated[Optional[bool], typer.Option("--hidden/--visible", help="Only hidden, or only visible, "
                      "documents", show_default=False)] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="At most this many")] = 50,
    all_: Annotated[bool, typer.Option("--all", help="Every document (follows the pages)")] = False,
    fmt: FormatOpt = None,
) -> None:
    """List documents, newest first."""
    app = _app(ctx)
    filters = {"category": category, "since": since, "until": until, "search": search, "hidden": hidden}
    documents, more = _list_documents(app, filters, every=all_, limit=limit)
    if more:
        app.say(_("(more documents: use --all, or --limit up to 1000)"))
    app.emit(documents, fmt, columns=DOC_COLUMNS)


def _list_documents(app: AppContext, filters: dict, every: bool, limit: int = 50) -> tuple[list, bool]:
    """The documents the list filters select: one page of ``limit``, or ``every`` one (following the pages);
    and whether more were left out."""
    from ..domain.categories import validate_category
    from ..domain.dates import parse_date

    query = {
        "category": validate_category(filters["category"]) if filters.get("category") else None,
        "since": parse_date(filters["since"], "since", allow_future=True).isoformat() if filters.get("since")
        else None,
        "until": parse_date(filters["until"], "until", allow_future=True).isoformat() if filters.get("until")
        else None,
        "search": filters.get("search"),
        "hidden": None if filters.get("hidden") is None else str(filters["hidden"]).lower(),
        "limit": 1000 if every else limit,
    }
    documents, cursor = [], None
    while True:
        page = app.client.list_documents(app.profile(), **query, cursor=cursor)
        documents += page.documents
        cursor = page.next_cursor
        if not every or cursor is None:
            break
    return documents, bool(not every and cursor)


@docs_app.command("show")
def show(ctx: typer.Context, document_id: Annotated[str, typer.Argument(help="Document id",
                                                                  autocompletion=complete_document)],
         fmt: FormatOpt = None):
    """One document's details; an HL7 CDA document is printed readably (its header as data with --format json)."""
    app = _app(ctx)
    meta = app.client.get_document(app.profile(), document_id)
    if meta.format == "cda":
        from .health_docs import show_cda

        show_cda(app, app.profile(), meta, fmt)
        return
    app.emit(meta, fmt)


@docs_app.command("download")
def download(
    ctx: typer.Context,
    ids: Annotated[Optional[list[str]], typer.Argument(help="Document ids (see `mes docs list`), or '-' to read "
                   "ids from stdin (one per line)", show_default=False, autocompletion=complete_document)] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File or directory to write to "
                      "('-': stdout); default: the title in the current directory. Several documents: a "
                      "directory (created if needed)")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file")] = False,
    pdf: Annotated[bool, typer.Option("--pdf", help="The PDF that a level-1 HL7 CDA document wraps, instead of "
                                      "the original XML")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Every document, or those the filters below select")] = False,
    category: Annotated[Optional[str], typer.Option("--category", "-c", help="With --all: only this category",
                        autocompletion=complete_category)] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="With --all: document date on or after")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="With --all: document date on or before")] = None,
    search: Annotated[Optional[str], typer.Option("--search", "-s", help="With --all: words in the title")] = None,
    hidden: Annotated[Optional[bool], typer.Option("--hidden/--visible", help="With --all: only hidden, or only "
                      "visible, documents", show_default=False)] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, max=32, help="Parallel downloads")] = 4,
    fmt: FormatOpt = None,
) -> None:
    """Download documents; each checksum is verified before its file appears.

    One id: to a file, a directory or stdout. Several ids, '-' (ids on stdin) or
    --all: into a directory, in parallel, each file named after its title
    (documents with the same title get their id in the name). A file already
    there with the same content is kept, so running the command again fetches
    only what is missing; another file of that name is never replaced without
    --force (the document gets its id in its name instead).
    """
    from ..contract.errors import MesError

    app = _app(ctx)
    ids = list(ids or [])
    filters = {"category": category, "since": since, "until": until, "search": search, "hidden": hidden}
    if not all_ and any(v is not None for v in filters.values()):
        raise MesError("VALIDATION_ERROR", _("--category, --since, --until, --search and --hidden/--visible choose "
                                             "the documents of --all; add --all, or give ids."), {"flag": "--all"})
    if all_ and ids:
        raise MesError("VALIDATION_ERROR", _("Give document ids or --all, not both."), {"flag": "--all"})
    if not all_ and not ids:
        raise MesError("INPUT_REQUIRED", _("No document to download: give ids, '-' with ids on stdin, or --all."),
                       {"flag": "ID"})
    if len(ids) == 1 and ids[0] != "-":
        _download_one(app, ids[0], output, force, pdf)
        return
    if pdf:
        raise MesError("VALIDATION_ERROR", _("--pdf downloads one document at a time; give a single id."),
                       {"flag": "--pdf"})
    if str(output) == "-":
        raise MesError("VALIDATION_ERROR", _("Several documents go into a directory, not to stdout; give -o DIR."),
                       {"flag": "-o"})
    _download_many(app, ids, all_, filters, output, force, jobs, fmt)


def _download_one(app: AppContext, document_id: str, output: Path | None, force: bool, pdf: bool) -> None:
    from ..client.downloads import download_to

    meta = app.client.get_document(app.profile(), document_id)
    if pdf:
        from .health_docs import write_embedded_pdf

        written = write_embedded_pdf(app, app.profile(), meta, output, force)
        app.say(_("✓ {path} (the PDF embedded in {id})").format(path=written, id=meta.id))
        return
    if str(output) == "-":
        import sys

        stdout = getattr(app.env.stdout, "buffer", sys.stdout.buffer)
        download_to(app.client, app.profile(), meta, sink=stdout)
        return
    written = download_to(app.client, app.profile(), meta, target=output, force=force)
    app.say(_("✓ {path} ({size:,} bytes, SHA-256 verified)").format(path=written, size=meta.size))


def _download_many(app: AppContext, ids: list[str], all_: bool, filters: dict, output: Path | None, force: bool,
                   jobs: int, fmt: str | None) -> None:
    from ..client.downloads import DownloadItem, Downloader
    from ..contract.errors import ExitStatus, MesError

    directory = Path(output).expanduser() if output is not None else Path.cwd()
    if directory.exists() and not directory.is_dir():
        raise MesError("VALIDATION_ERROR", _("{path} is not a directory; several documents go into a directory "
                                             "(-o DIR).").format(path=directory), {"flag": "-o"})
    if all_:
        items = [DownloadItem(document_id=d.id, meta=d) for d in _list_documents(app, filters, every=True)[0]]
    else:
        if "-" in ids:
            ids = [i for i in ids if i != "-"] + [line.split()[0] for line in app.env.stdin
                                                    if line.strip() and not line.lstrip().startswith("#")]
        items = [DownloadItem(document_id=i) for i in dict.fromkeys(ids)]
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MesError("VALIDATION_ERROR", _("Cannot create the directory {path} ({problem}).").format(
            path=directory, problem=exc.strerror), {"flag": "-o"}) from None
    results = _Results(app, fmt, DOWNLOAD_COLUMNS)
    progress = None

    def finished(item) -> None:
        if progress is not None:
            progress.item(_download_line(item), item.meta.size if item.meta else 0,
                          counted_bytes=item.status == "downloaded")
        results.done(item)

    downloader = Downloader(client=app.client, profile=app.profile(), directory=directory, jobs=jobs, force=force,
                            items=items, on_item=finished)
    try:
        downloader.describe()
        pending = [i for i in items if i.status == "pending"]
        progress = _progress(app, [i.meta for i in pending], verb="Downloading")
        downloader.on_bytes = progress.advance_bytes
        downloader.run()
    except KeyboardInterrupt:
        if progress is not None:
            progress.close()
            progress = None
        _interrupted_downloads(app, items, results)
    finally:
        if progress is not None:
            progress.close()

    def count(status: str) -> int:
        return sum(1 for i in items if i.status == status)

    app.say(_("Downloaded {downloaded}, already there {exists}, failed {failed} (in {directory}).").format(
        downloaded=count("downloaded"), exists=count("exists"), failed=count("failed"), directory=directory))
    for item in items:
        if item.status == "failed":
            app.env.stderr.write(f"  ✗ {item.document_id}: {item.error} [{item.error_code}]\n")
    results.finish(items)
    if count("failed"):
        raise typer.Exit(int(ExitStatus.PARTIAL))


def _download_line(item) -> str:
    if item.status == "failed":
        return f"✗ {item.document_id}: {item.error} [{item.error_code}]"
    if item.status == "exists":
        return _("✓ {id} → {path} (already there, same content)").format(id=item.document_id, path=item.path)
    return _("✓ {id} → {path} (downloaded, SHA-256 verified)").format(id=item.document_id, path=item.path)


def _interrupted_downloads(app: AppContext, items, results: _Results) -> None:
    from .errors import INTERRUPTED

    for item in items:
        if item.status == "pending":
            item.status = "not_sent"
    results.finish(items)
    done = sum(1 for i in items if i.status in ("downloaded", "exists"))
    left = sum(1 for i in items if i.status == "not_sent")
    app.env.stderr.write(_("Interrupted: {done} downloaded, {left} not downloaded — run the same command again to "
                           "resume.").format(done=done, left=left) + "\n")
    raise typer.Exit(INTERRUPTED)


@docs_app.command("edit")
def edit(
    ctx: typer.Context,
    document_id: Annotated[str, typer.Argument(help="Document id", autocompletion=complete_document)],
    title: Annotated[Optional[str], typer.Option("--title", help="New title, ≤ 50 characters")] = None,
    category: Annotated[Optional[str], typer.Option("--category", "-c", help="New category code (see `mes docs "
                        "categories`)", autocompletion=complete_category)] = None,
    date: Annotated[Optional[str], typer.Option("--date", help="New document date, e.g. 12/03/2024 (not for a "
                    "document from a professional)")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a document's title, category or date (re-file it).

    Any document can be renamed and re-filed in another category, those from
    health professionals too; the date of a professional's document is its own
    and stays.
    """
    from ..contract import models as m
    from ..contract.errors import MesError
    from ..domain.categories import validate_category
    from ..domain.dates import parse_date

    app = _app(ctx)
    if title is None and category is None and date is None:
        raise MesError("INPUT_REQUIRED", _("Nothing to change: give --title, --category or --date."),
                       {"flag": "--title"})
    patch = m.DocumentPatch(title=title, category=validate_category(category) if category else None,
                            document_date=parse_date(date, "date").isoformat() if date else None)
    updated = app.client.update_document(app.profile(), document_id, patch)
    app.say(_("✓ {id}: “{title}” in {category}, dated {date}.").format(
        id=updated.id, title=updated.title, category=updated.category, date=updated.document_date or "—"))
    app.emit(updated, fmt)


def _patch_each(app: AppContext, ids: list[str], hidden: bool, fmt: str | None) -> None:
    from ..contract import models as m

    updated = [app.client.update_document(app.profile(), i, m.DocumentPatch(hidden=hidden)) for i in ids]
    if hidden:
        app.say(_("✓ {n} document(s) hidden from health professionals.").format(n=len(updated)))
    else:
        app.say(_("✓ {n} document(s) visible to health professionals.").format(n=len(updated)))
    app.emit(updated, fmt, columns=DOC_COLUMNS)


@docs_app.command("hide")
def hide(ctx: typer.Context, ids: IdsArg, fmt: FormatOpt = None) -> None:
    """Hide documents from health professionals."""
    _patch_each(_app(ctx), ids, True, fmt)


@docs_app.command("unhide")
def unhide(ctx: typer.Context, ids: IdsArg, fmt: FormatOpt = None) -> None:
    """Make documents visible to authorised health professionals again."""
    _patch_each(_app(ctx), ids, False, fmt)


@docs_app.command("delete")
def delete(ctx: typer.Context, ids: IdsArg, yes: YesOpt = False) -> None:
    """Delete documents for good (those added by a professional cannot be deleted; hide them instead)."""
    app = _app(ctx)
    app.confirm(_("Delete {n} document(s) permanently?").format(n=len(ids)), yes)
    for document_id in ids:
        app.client.delete_document(app.profile(), document_id)
        app.say(_("✓ deleted {id}").format(id=document_id))


@docs_app.command("categories")
def categories(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """The official document categories (codes and labels)."""
    from ..domain.categories import CATEGORIES

    _app(ctx).emit([{"code": c, "label": label} for c, label in CATEGORIES.items()], fmt)


def register(root: typer.Typer) -> None:
    from . import health_docs

    health_docs.register(docs_app)
    root.add_typer(docs_app, name="docs")
