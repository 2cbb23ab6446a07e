"""`mes docs …`: upload (one or thousands), list, show, download, hide, unhide, delete, categories
(`import` and what CDA documents add: health_docs.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..i18n import _
from .completion import complete_category, complete_document
from .context import AppContext
from .options import FormatOpt, YesOpt

docs_app = typer.Typer(help="Your documents: upload, import, list, show, download, hide, delete.",
                       no_args_is_help=True)

DOC_COLUMNS = ["id", "title", "category", "document_date", "media_type", "size", "hidden", "uploaded_by"]
IdsArg = Annotated[list[str], typer.Argument(help="Document ids (see `mes docs list`)", show_default=False,
                                             autocompletion=complete_document)]


def _app(ctx: typer.Context) -> AppContext:
    return ctx.obj


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
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, max=32, help="Parallel uploads")] = 4,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check everything locally; upload nothing")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Upload documents; re-running after a crash or Ctrl-C sends only what is missing.

    Each file's type is judged from its content (PDF, JPEG, PNG, TIFF, TXT,
    RTF; at most 5 MB). A failed file does not stop the others: the summary
    lists them, and the exit code is 5 when some failed.
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
    _resolve_profiles(app, items)
    for item in items:
        uploads.inspect(item)
    ready = [i for i in items if i.status == "ready"]
    if dry_run:
        for item in ready:
            item.status = "valid"
        _finish(app, items, fmt, dry_run=True)
        return
    progress = _progress(app, ready)
    uploader = uploads.Uploader(client=app.client, jobs=jobs, hidden=hidden, items=items,
                                on_item=lambda item: progress.item(_line(item), item.size, item.status != "uploaded"),
                                on_bytes=progress.advance_bytes)
    try:
        uploader.skip_existing()
        uploader.send()
    finally:
        progress.close()
    _finish(app, items, fmt)


def _collect(app: AppContext, paths: list[str], recursive: bool, manifest: Path | None):
    from ..client import uploads

    items = uploads.read_manifest(manifest) if manifest else []
    if "-" in paths:
        paths = [p for p in paths if p != "-"] + [line.strip() for line in app.env.stdin if line.strip()]
    items += [uploads.UploadItem(path=path) for path in uploads.expand(paths, recursive)]
    return items


def _resolve_profiles(app: AppContext, items) -> None:
    """Each file's profile: the manifest's 'profile' column (a child's name or id), else --for, else yours."""
    resolved: dict[str, str] = {}
    for item in items:
        if item.profile not in resolved:
            resolved[item.profile] = app.profile() if item.profile == "me" else \
                app.resolve_child(item.profile).profile_id
        item.profile = resolved[item.profile]


def _progress(app: AppContext, ready):
    from .progress import Progress

    return Progress(app, len(ready), sum(i.size for i in ready))


def _line(item) -> str:
    if item.status == "failed":
        return f"✗ {item.path}: {item.error} [{item.error_code}]"
    if item.status == "uploaded":
        return _("✓ {path} → {id} (uploaded)").format(path=item.path, id=item.document_id)
    if item.status == "exists":
        return _("✓ {path} → {id} (already there)").format(path=item.path, id=item.document_id)
    raise KeyError(item.status)


def _finish(app: AppContext, items, fmt: str | None, dry_run: bool = False) -> None:
    from ..contract.errors import ExitStatus

    counts = {status: sum(1 for i in items if i.status == status) for status in
              ("uploaded", "exists", "valid", "failed")}
    failed = [i for i in items if i.status == "failed"]
    if dry_run:
        app.say(_("Dry run: {valid} file(s) would be uploaded, {failed} refused; nothing sent.").format(
            valid=counts["valid"], failed=counts["failed"]))
    else:
        app.say(_("Uploaded {uploaded}, already there {exists}, failed {failed}.").format(
            uploaded=counts["uploaded"], exists=counts["exists"], failed=counts["failed"]))
    for item in failed:
        app.env.stderr.write(f"  ✗ {item.path}: {item.error} [{item.error_code}]\n")
    app.emit([i.result() for i in items], fmt,
             columns=["path", "status", "document_id", "title", "category", "size", "error_code", "error"])
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
    from ..domain.categories import validate_category
    from ..domain.dates import parse_date

    app = _app(ctx)
    filters = {
        "category": validate_category(category) if category else None,
        "since": parse_date(since, "since", allow_future=True).isoformat() if since else None,
        "until": parse_date(until, "until", allow_future=True).isoformat() if until else None,
        "search": search, "hidden": None if hidden is None else str(hidden).lower(),
        "limit": 1000 if all_ else limit,
    }
    documents, cursor = [], None
    while True:
        page = app.client.list_documents(app.profile(), **filters, cursor=cursor)
        documents += page.documents
        cursor = page.next_cursor
        if not all_ or cursor is None:
            break
    if not all_ and cursor:
        app.say(_("(more documents: use --all, or --limit up to 1000)"))
    app.emit(documents, fmt, columns=DOC_COLUMNS)


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
    document_id: Annotated[str, typer.Argument(help="Document id", autocompletion=complete_document)],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File or directory to write to "
                      "('-': stdout); default: the title in the current directory")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file")] = False,
    pdf: Annotated[bool, typer.Option("--pdf", help="The PDF that a level-1 HL7 CDA document wraps, instead of "
                                      "the original XML")] = False,
) -> None:
    """Download a document; its checksum is verified before the file appears."""
    from ..client.downloads import download_to

    app = _app(ctx)
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
