"""`mes docs folders list|create|rename|delete` and `mes docs move`: filing documents into folders.

Folders are named by their name (any case) or id; the rules (≤ 50 characters, unique without
regard to case, letters, digits, spaces and - _ ' . ( ) only) are the server's
(server/services/document_folders.py).
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..i18n import _
from .completion import complete_document
from .context import AppContext
from .options import FormatOpt, YesOpt

folders_app = typer.Typer(help="Folders of your documents: list, create, rename, delete.", no_args_is_help=True)

FOLDER_COLUMNS = ["name", "documents", "id"]
NameArg = Annotated[str, typer.Argument(help="The folder's name (any case) or id", show_default=False)]


def _app(ctx: typer.Context) -> AppContext:
    return ctx.obj


@folders_app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """The folders, by name, with how many documents each holds."""
    app = _app(ctx)
    app.emit(app.client.document_folders(app.profile()).folders, fmt, columns=FOLDER_COLUMNS)


@folders_app.command("create")
def create(ctx: typer.Context,
           name: Annotated[str, typer.Argument(help="At most 50 characters: letters, digits, spaces, - _ ' . ( )",
                                               show_default=False)],
           fmt: FormatOpt = None) -> None:
    """Create a folder (its name is unique without regard to case)."""
    app = _app(ctx)
    folder = app.client.create_document_folder(app.profile(), name)
    app.say(_("✓ folder “{name}” created.").format(name=folder.name))
    app.emit(folder, fmt, columns=FOLDER_COLUMNS)


@folders_app.command("rename")
def rename(ctx: typer.Context, folder: NameArg,
           new_name: Annotated[str, typer.Argument(help="The new name", show_default=False)],
           fmt: FormatOpt = None) -> None:
    """Rename a folder; its documents stay in it."""
    app = _app(ctx)
    renamed = app.client.rename_document_folder(app.profile(), folder, new_name)
    app.say(_("✓ folder renamed “{name}”.").format(name=renamed.name))
    app.emit(renamed, fmt, columns=FOLDER_COLUMNS)


@folders_app.command("delete")
def delete(ctx: typer.Context, folder: NameArg,
           move_documents_out: Annotated[bool, typer.Option("--move-documents-out", help="Delete it even if it holds "
                                        "documents: they go back to no folder (they are never deleted)")] = False,
           yes: YesOpt = False) -> None:
    """Delete a folder. One that holds documents is refused unless --move-documents-out."""
    app = _app(ctx)
    app.confirm(_("Delete the folder “{name}”?").format(name=folder), yes)
    app.client.delete_document_folder(app.profile(), folder, move_documents_out=move_documents_out)
    app.say(_("✓ folder “{name}” deleted.").format(name=folder))


def move(
    ctx: typer.Context,
    ids: Annotated[list[str], typer.Argument(help="Document ids (see `mes docs list`)", show_default=False,
                                             autocompletion=complete_document)],
    folder: Annotated[Optional[str], typer.Option("--folder", help="Into this folder (its name or id; it must "
                      "exist: `mes docs folders create`)")] = None,
    no_folder: Annotated[bool, typer.Option("--no-folder", help="Out of their folder")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Move documents into a folder, or out of theirs (--no-folder)."""
    from ..contract import models as m
    from ..contract.errors import MesError

    app = _app(ctx)
    if (folder is None) == (not no_folder):
        raise MesError("INPUT_REQUIRED", _("Say where: --folder NAME, or --no-folder."), {"flag": "--folder"})
    patch = m.DocumentPatch(folder=folder if folder is not None else "")
    moved = [app.client.update_document(app.profile(), document_id, patch) for document_id in ids]
    if folder is not None:
        app.say(_("✓ {n} document(s) moved into “{folder}”.").format(n=len(moved), folder=moved[0].folder))
    else:
        app.say(_("✓ {n} document(s) out of their folder.").format(n=len(moved)))
    from .docs import DOC_COLUMNS

    app.emit(moved, fmt, columns=[*DOC_COLUMNS, "folder"])


def register(docs: typer.Typer) -> None:
    docs.add_typer(folders_app, name="folders")
    docs.command("move")(move)
