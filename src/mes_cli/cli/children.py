"""`mes children …`: attach a child's profile, share it with the other parent, answer invitations."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..i18n import _
from .completion import complete_child
from .context import AppContext
from .options import FormatOpt, YesOpt

children_app = typer.Typer(help="Your children's profiles: link, share with the other parent, unlink.",
                           no_args_is_help=True)
ChildArg = Annotated[str, typer.Argument(help="The child: first name, full name or profile id",
                                         autocompletion=complete_child)]
CHILD_COLUMNS = ["profile_id", "first_name", "last_name", "birth_date", "status", "role",
                 "access_ends_on"]
INVITATION_COLUMNS = ["id", "direction", "status", "child", "from_name", "to_name", "expires_at"]


def _app(ctx: typer.Context) -> AppContext:
    return ctx.obj


@children_app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """Attached profiles, and the children you declared that are not attached yet."""
    app = _app(ctx)
    app.emit(app.client.children().children, fmt, columns=CHILD_COLUMNS)


@children_app.command("link")
def link(
    ctx: typer.Context,
    code: Annotated[Optional[str], typer.Option("--code", help="The child's provisional code (12 characters)")]
    = None,
    birth_date: Annotated[Optional[str], typer.Option("--birth-date", help="The child's date of birth")] = None,
    certify: Annotated[bool, typer.Option("--certify", help="I certify that I am the child's legal representative")]
    = False,
    fmt: FormatOpt = None,
) -> None:
    """Attach a child's profile to your space with the child's own code (sent to you, its legal representative)."""
    from ..contract import models as m
    from ..domain.codes import normalize_provisional_code
    from ..domain.dates import parse_birth_date

    app = _app(ctx)
    code = app.ask(code, flag="--code", prompt=_("The child's provisional code"), check=normalize_provisional_code)
    birth = app.ask(birth_date, flag="--birth-date", prompt=_("The child's date of birth (DD/MM/YYYY)"),
                    check=lambda raw: parse_birth_date(raw).isoformat())
    if not certify:
        app.confirm(_("Do you certify that you are this child's legal representative?"), False, "--certify")
    child = app.client.link_child(m.LinkRequest(code=code, birth_date=birth, certify_legal_representative=True))
    app.say(_("✓ {name}'s profile is attached; act on it with --for {name}.").format(name=child.first_name))
    app.emit(child, fmt)


@children_app.command("share")
def share(
    ctx: typer.Context,
    child: ChildArg,
    with_: Annotated[str, typer.Option("--with", help="The other parent's identifier (their space must be active)")],
    fmt: FormatOpt = None,
) -> None:
    """Invite the other parent to share a child's profile (valid 7 days)."""
    app = _app(ctx)
    invitation = app.client.share_child(app.resolve_child(child).profile_id, with_)
    app.say(_("✓ invitation {id} sent to {name}; valid until {date:%d/%m/%Y}.").format(
        id=invitation.id, name=invitation.to_name, date=invitation.expires_at))
    app.emit(invitation, fmt)


@children_app.command("invitations")
def invitations(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """Invitations you received or sent."""
    app = _app(ctx)
    app.emit(app.client.invitations().invitations, fmt, columns=INVITATION_COLUMNS)


@children_app.command("accept")
def accept(ctx: typer.Context, invitation_id: Annotated[str, typer.Argument(help="Invitation id")],
           fmt: FormatOpt = None) -> None:
    """Accept an invitation to share a child's profile."""
    app = _app(ctx)
    invitation = app.client.answer_invitation(invitation_id, True)
    app.say(_("✓ you now share {child}'s profile.").format(child=invitation.child))
    app.emit(invitation, fmt)


@children_app.command("decline")
def decline(ctx: typer.Context, invitation_id: Annotated[str, typer.Argument(help="Invitation id")],
            fmt: FormatOpt = None) -> None:
    """Decline an invitation."""
    app = _app(ctx)
    app.emit(app.client.answer_invitation(invitation_id, False), fmt)


@children_app.command("unlink")
def unlink(ctx: typer.Context, child: ChildArg, yes: YesOpt = False) -> None:
    """Detach a child's profile from your space (the other caregivers keep it)."""
    app = _app(ctx)
    target = app.resolve_child(child)
    app.confirm(_("Detach {first_name} {last_name}'s profile from your space?").format(
        first_name=target.first_name, last_name=target.last_name), yes)
    app.client.unlink_child(target.profile_id)
    app.say(_("✓ {name}'s profile is no longer attached to your space.").format(name=target.first_name))


def register(root: typer.Typer) -> None:
    root.add_typer(children_app, name="children")
