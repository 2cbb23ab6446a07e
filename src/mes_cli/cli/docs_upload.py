"""`mes docs upload`: one file or thousands, checked locally, resumable, with a line per file
(streamed with --format jsonl) and a summary; the library is client/uploads.py."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..i18n import _
from .completion import complete_category
from .context import AppContext
from .options import FormatOpt
from .output import StreamedResults
from .progress import progress_over

UPLOAD_COLUMNS = ["path", "status", "document_id", "title", "category", "document_date", "size", "differs",
                  "error_code", "error"]


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
                        "per file (and profile, folder, confidentiality: see the guide)")] = None,
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

    app = ctx.obj
    defaults = uploads.Defaults(title=title, category=category, date=date)
    uploads.validate_metadata([], defaults)  # a bad option is refused before looking at any file
    items = _collect(app, paths or [], recursive, manifest)
    if not items:
        raise MesError("INPUT_REQUIRED", _("No file to upload: give paths, '-' with paths on stdin, or --manifest."),
                       {"flag": "PATH"})
    uploads.validate_metadata(items, defaults)
    results = StreamedResults(app, fmt, UPLOAD_COLUMNS)
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
        progress = progress_over(app, ready)

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


def _interrupted(app: AppContext, items, results: StreamedResults, stored_statuses) -> None:
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


def _finish(app: AppContext, items, results: StreamedResults, dry_run: bool = False) -> None:
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
