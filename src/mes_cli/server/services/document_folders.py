"""Folders of a profile's documents (DOMAIN.md §5): create, list, rename, delete; documents move
between them (services/documents.py ``update``).

A folder's name has at most Policy.folder_name_max characters (50, [official]) and is unique in
the profile without regard to case. DOMAIN.md says "no special characters" without listing them;
[ours]: letters (accented ones too), digits, spaces and ``- _ ' . ( )``. A folder is named by its id
or its name wherever one is expected. Deleting a folder that holds documents is refused unless
asked to move them out (they go back to no folder); a document is never deleted with its folder.
"""

from __future__ import annotations

import sqlite3

from ...contract import models as m
from ...contract.errors import MesError
from ...i18n import _
from ..clock import from_iso, to_iso
from ..context import ServerContext
from .common import new_id

PUNCTUATION = " -_'.()"


def validate_name(ctx: ServerContext, raw: str) -> str:
    """The name with its whitespace collapsed, or INVALID_FOLDER_NAME saying what is wrong."""
    name = " ".join(raw.split())
    limit = ctx.policy.folder_name_max
    if not name:
        raise MesError("INVALID_FOLDER_NAME", _("The folder name is empty."), {"field": "name"})
    if len(name) > limit:
        raise MesError("INVALID_FOLDER_NAME", _("The folder name has {length} characters; at most {limit} are "
                                                "allowed.").format(length=len(name), limit=limit), {"field": "name"})
    forbidden = sorted({c for c in name if not (c.isalnum() or c in PUNCTUATION)})
    if forbidden:
        raise MesError("INVALID_FOLDER_NAME", _("A folder name may hold letters, digits, spaces and - _ ' . ( ); "
                                                "not {characters}.").format(characters=" ".join(forbidden)),
                       {"field": "name", "characters": forbidden})
    return name


def _key(name: str) -> str:
    return name.casefold()


def folder_row(ctx: ServerContext, profile_id: str, ref: str) -> sqlite3.Row:
    """The folder named ``ref`` (its id, or its name in any case), or FOLDER_NOT_FOUND."""
    row = ctx.store.one("SELECT * FROM document_folders WHERE profile_id = ? AND (id = ? OR name_key = ?)",
                        (profile_id, ref, _key(" ".join(ref.split()))))
    if row is None:
        raise MesError("FOLDER_NOT_FOUND", _("No folder {name!r} in this profile; create it with `mes docs folders "
                                             "create`, or list them with `mes docs folders list`.").format(name=ref),
                       {"folder": ref})
    return row


def folder_id(ctx: ServerContext, profile_id: str, ref: str) -> str:
    return folder_row(ctx, profile_id, ref)["id"]


def _ensure_free(ctx: ServerContext, profile_id: str, name: str, except_id: str | None = None) -> None:
    row = ctx.store.one("SELECT id, name FROM document_folders WHERE profile_id = ? AND name_key = ?",
                        (profile_id, _key(name)))
    if row is not None and row["id"] != except_id:
        raise MesError("FOLDER_EXISTS", _("A folder {existing!r} already exists; folder names are unique without "
                                          "regard to case.").format(existing=row["name"]),
                       {"field": "name", "folder": row["name"]})


def _view(ctx: ServerContext, row: sqlite3.Row) -> m.FolderView:
    from .documents import visible_condition  # documents imports this module

    count = ctx.store.one(f"SELECT COUNT(*) AS n FROM documents WHERE folder_id = ? AND superseded_by IS NULL"
                          f" AND {visible_condition()}", (row["id"],))["n"]
    return m.FolderView(id=row["id"], name=row["name"], documents=count, created_at=from_iso(row["created_at"]))


def list_folders(ctx: ServerContext, profile_id: str) -> m.FolderList:
    """By name, without regard to case."""
    rows = ctx.store.all("SELECT * FROM document_folders WHERE profile_id = ? ORDER BY name_key", (profile_id,))
    return m.FolderList(folders=[_view(ctx, row) for row in rows])


def create(ctx: ServerContext, profile_id: str, request: m.FolderIn) -> m.FolderView:
    name = validate_name(ctx, request.name)
    folder = new_id("f")
    with ctx.store.transaction() as conn:
        _ensure_free(ctx, profile_id, name)
        conn.execute("INSERT INTO document_folders(id, profile_id, name, name_key, created_at) VALUES (?, ?, ?, ?, ?)",
                     (folder, profile_id, name, _key(name), to_iso(ctx.clock.now())))
    return _view(ctx, folder_row(ctx, profile_id, folder))


def rename(ctx: ServerContext, profile_id: str, ref: str, request: m.FolderIn) -> m.FolderView:
    row = folder_row(ctx, profile_id, ref)
    name = validate_name(ctx, request.name)
    _ensure_free(ctx, profile_id, name, except_id=row["id"])
    ctx.store.run("UPDATE document_folders SET name = ?, name_key = ? WHERE id = ?", (name, _key(name), row["id"]))
    return _view(ctx, folder_row(ctx, profile_id, row["id"]))


def delete(ctx: ServerContext, profile_id: str, ref: str, move_documents_out: bool) -> None:
    """Refused while the folder holds documents, unless ``move_documents_out``: they go back to no folder.
    Only the documents the reader may see count (a legal representative learns nothing of the others,
    which go back to no folder as well)."""
    from .documents import visible_condition

    row = folder_row(ctx, profile_id, ref)
    with ctx.store.transaction() as conn:
        held = conn.execute(f"SELECT COUNT(*) FROM documents WHERE folder_id = ? AND {visible_condition()}",
                            (row["id"],)).fetchone()[0]
        if held and not move_documents_out:
            raise MesError("FOLDER_NOT_EMPTY", _("The folder {name!r} holds documents; move them first (`mes docs "
                                                 "move`), or delete it with --move-documents-out to put them back "
                                                 "in no folder.").format(name=row["name"]),
                           {"folder": row["name"]})
        conn.execute("UPDATE documents SET folder_id = NULL WHERE folder_id = ?", (row["id"],))
        conn.execute("DELETE FROM document_folders WHERE id = ?", (row["id"],))
