"""`mes docs …`: list, show, edit, hide, unhide, delete, categories; `upload` (docs_upload.py),
`download` (docs_download.py), `import` and what CDA documents add (health_docs.py) join the group here."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..i18n import _
from .completion import complete_category, complete_document
from .context import AppContext
from .docs_download import download
from .docs_upload import upload
from .options import CategoryFilter, FormatOpt, HiddenFilter, SearchFilter, SinceFilter, UntilFilter, YesOpt

docs_app = typer.Typer(help="Your documents: upload, import, list, show, edit, download, hide, delete.",
                       no_args_is_help=True)
docs_app.command("upload")(upload)

DOC_COLUMNS = ["id", "title", "category", "document_date", "uploaded_by", "hidden"]
IdsArg = Annotated[list[str], typer.Argument(help="Document ids (see `mes docs list`)", show_default=False,
                                             autocompletion=complete_document)]


def _app(ctx: typer.Context) -> AppContext:
    return ctx.obj


@docs_app.command("list")
def list_(
    ctx: typer.Context,
    category: CategoryFilter = None,
    since: SinceFilter = None,
    until: UntilFilter = None,
    search: SearchFilter = None,
    hidden: HiddenFilter = None,
    folder: Annotated[Optional[str], typer.Option("--folder", help="Only the documents of this folder (its name "
                      "or id)")] = None,
    pinned: Annotated[bool, typer.Option("--pinned", help="Only pinned documents")] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="At most this many")] = 50,
    all_: Annotated[bool, typer.Option("--all", help="Every document (follows the pages)")] = False,
    fmt: FormatOpt = None,
) -> None:
    """List documents: pinned ones first, then newest first."""
    app = _app(ctx)
    filters = {"category": category, "since": since, "until": until, "search": search, "hidden": hidden,
               "folder": folder, "pinned": True if pinned else None}
    documents, more = list_documents(app, filters, every=all_, limit=limit)
    if more:
        app.say(_("(more documents: use --all, or --limit up to 1000)"))
    app.emit(documents, fmt, columns=DOC_COLUMNS)


def list_documents(app: AppContext, filters: dict, every: bool, limit: int = 50) -> tuple[list, bool]:
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
        "folder": filters.get("folder"),
        "pinned": None if filters.get("pinned") is None else str(filters["pinned"]).lower(),
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


docs_app.command("download")(download)


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


def _pin_each(app: AppContext, ids: list[str], pinned: bool, fmt: str | None) -> None:
    from ..contract import models as m

    updated = [app.client.update_document(app.profile(), i, m.DocumentPatch(pinned=pinned)) for i in ids]
    if pinned:
        app.say(_("✓ {n} document(s) pinned: they are listed first.").format(n=len(updated)))
    else:
        app.say(_("✓ {n} document(s) unpinned.").format(n=len(updated)))
    app.emit(updated, fmt, columns=[*DOC_COLUMNS, "pinned"])


@docs_app.command("pin")
def pin(ctx: typer.Context, ids: IdsArg, fmt: FormatOpt = None) -> None:
    """Pin documents: they are listed first."""
    _pin_each(_app(ctx), ids, True, fmt)


@docs_app.command("unpin")
def unpin(ctx: typer.Context, ids: IdsArg, fmt: FormatOpt = None) -> None:
    """Unpin documents."""
    _pin_each(_app(ctx), ids, False, fmt)


@docs_app.command("confidentiality")
def confidentiality(
    ctx: typer.Context,
    document_id: Annotated[str, typer.Argument(help="Document id", autocompletion=complete_document)],
    hide_from: Annotated[list[str], typer.Option("--hide-from", metavar="professionals|legal-representatives|nobody",
                         help="Who must not see it (repeat for both); nobody: visible to all who may see the "
                              "space")],
    fmt: FormatOpt = None,
) -> None:
    """Set who must not see a document: health professionals (as `mes docs hide`), your legal
    representatives (a parent acting with --for cannot set this nor see such a document), or nobody."""
    from ..contract import models as m
    from ..domain.confidentiality import levels

    app = _app(ctx)
    hidden, invisible = levels([value.lower() for value in hide_from])
    updated = app.client.update_document(app.profile(), document_id, m.DocumentPatch(
        hidden=hidden, hidden_from_representatives=invisible))
    app.say(_("✓ {id}: hidden from professionals: {hidden}; invisible to legal representatives: {invisible}.").format(
        id=updated.id, hidden=_("yes") if updated.hidden else _("no"),
        invisible=_("yes") if updated.hidden_from_representatives else _("no")))
    app.emit(updated, fmt, columns=[*DOC_COLUMNS, "hidden_from_representatives"])


def _delete_batches(app: AppContext, ids: list[str], batch: int) -> list:
    """Every id's outcome, sent ``batch`` at a time (the server's limit per request)."""
    outcomes = []
    for start in range(0, len(ids), batch):
        result = app.client.delete_documents(app.profile(), ids[start:start + batch])
        for outcome in result.results:
            if outcome.status == "deleted":
                app.say(_("✓ deleted {id}").format(id=outcome.id))
            else:
                app.say(_("✗ {id}: {error} [{code}]").format(id=outcome.id, error=outcome.error,
                                                             code=outcome.error_code))
        outcomes += result.results
    return outcomes


DELETE_BATCH = 10  # documents per request: the official API's limit (DOMAIN.md §5)


@docs_app.command("delete")
def delete(ctx: typer.Context, ids: IdsArg, yes: YesOpt = False, fmt: FormatOpt = None) -> None:
    """Delete documents for good, 10 per request, reporting each (those added by a professional cannot be
    deleted; hide them instead). Exit 5 if some could not be deleted."""
    from ..contract.errors import ExitStatus

    app = _app(ctx)
    ids = list(dict.fromkeys(ids))
    app.confirm(_("Delete {n} document(s) permanently?").format(n=len(ids)), yes)
    if len(ids) == 1:  # one id: its own request, and its error with the exit code of its kind (7: not found)
        app.client.delete_document(app.profile(), ids[0])
        app.say(_("✓ deleted {id}").format(id=ids[0]))
        return
    outcomes = _delete_batches(app, ids, DELETE_BATCH)
    app.emit(outcomes, fmt, columns=["id", "status", "error_code"])
    failed = sum(outcome.status == "failed" for outcome in outcomes)
    if failed:
        app.say(_("Deleted {deleted}, failed {failed}.").format(deleted=len(ids) - failed, failed=failed))
        raise typer.Exit(int(ExitStatus.PARTIAL))


@docs_app.command("categories")
def categories(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """The official document categories (codes and labels)."""
    from ..domain.categories import CATEGORIES

    _app(ctx).emit([{"code": c, "label": label} for c, label in CATEGORIES.items()], fmt)


def register(root: typer.Typer) -> None:
    from . import docs_folders, health_docs

    health_docs.register(docs_app)
    docs_folders.register(docs_app)
    root.add_typer(docs_app, name="docs")
