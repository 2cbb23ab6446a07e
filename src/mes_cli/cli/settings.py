"""`mes settings documents`: the defaults of a space (today: for its new documents)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..i18n import _
from .context import AppContext
from .options import FormatOpt

settings_app = typer.Typer(help="Settings of your space: the defaults for new documents.", no_args_is_help=True)

YES_NO = {"yes": True, "no": False}


@settings_app.command("documents")
def documents(
    ctx: typer.Context,
    hide_new: Annotated[Optional[str], typer.Option("--hide-new-from-professionals", metavar="yes|no",
                        help="Hide every new document from health professionals (uploads, imports and documents "
                             "professionals add); documents already there keep their level")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Show or change the defaults for new documents."""
    from ..contract import models as m
    from ..contract.errors import MesError

    app: AppContext = ctx.obj
    if hide_new is None:
        app.emit(app.client.document_settings(app.profile()), fmt)
        return
    if hide_new.lower() not in YES_NO:
        raise MesError("VALIDATION_ERROR", _("--hide-new-from-professionals takes yes or no."),
                       {"flag": "--hide-new-from-professionals"})
    updated = app.client.set_document_settings(app.profile(), m.DocumentSettings(
        hide_new_from_professionals=YES_NO[hide_new.lower()]))
    if updated.hide_new_from_professionals:
        app.say(_("✓ New documents will be hidden from health professionals."))
    else:
        app.say(_("✓ New documents will be visible to authorised health professionals."))
    app.emit(updated, fmt)


def register(root: typer.Typer) -> None:
    root.add_typer(settings_app, name="settings")
