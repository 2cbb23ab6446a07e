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

DOC_COLUMNS = ["id", "title", "category", "document_date", "media_type", "size", "hidden", "uploaded_by"]
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
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=1000, help="At most this many")] = 50,
    all_: Annotated[bool, typer.Option("--all", help="Every document (follows the pages)")] = False,
    fmt: FormatOpt = None,
) -> None:
    """List documents, newest first."""
    app = _app(ctx)
    filters = {"category": category, "since": since, "until": until, "search": search, "hidden": hidden}
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
