"""`mes docs download`: one document (to a file, a directory or stdout, or the PDF a level-1 CDA
wraps), or many into a directory, in parallel and resumable; the library is client/downloads.py."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..i18n import _
from .completion import complete_document
from .context import AppContext
from .options import FormatOpt
from .options import CategoryFilter, HiddenFilter, SearchFilter, SinceFilter, UntilFilter
from .output import StreamedResults
from .progress import progress_over

DOWNLOAD_COLUMNS = ["id", "title", "path", "status", "size", "error_code", "error"]


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
    category: CategoryFilter = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
    search: SearchFilter = None,
    hidden: HiddenFilter = None,
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

    app = ctx.obj
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
    from .docs import list_documents

    directory = Path(output).expanduser() if output is not None else Path.cwd()
    if directory.exists() and not directory.is_dir():
        raise MesError("VALIDATION_ERROR", _("{path} is not a directory; several documents go into a directory "
                                             "(-o DIR).").format(path=directory), {"flag": "-o"})
    if all_:
        items = [DownloadItem(document_id=d.id, meta=d) for d in list_documents(app, filters, every=True)[0]]
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
    results = StreamedResults(app, fmt, DOWNLOAD_COLUMNS)
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
        progress = progress_over(app, [i.meta for i in pending], verb="Downloading")
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


def _interrupted_downloads(app: AppContext, items, results: StreamedResults) -> None:
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
