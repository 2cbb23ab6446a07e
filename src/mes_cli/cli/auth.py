"""`mes auth status|token`: the session, for scripts (`mes auth status -q && …`)."""

from __future__ import annotations

from typing import Annotated

import typer

from ..i18n import _
from .context import AppContext
from .options import FormatOpt

auth_app = typer.Typer(help="The session on the current server and profile: status, token for scripts.",
                       no_args_is_help=True)


def _session(app: AppContext) -> dict:
    """The session in use: MES_TOKEN, else the stored one if it has not expired; exit 4 otherwise."""
    import datetime as dt

    from ..contract.errors import MesError

    explicit = app.env.get("MES_TOKEN")
    if explicit:
        return {"token": explicit, "identifier": None, "expires_at": None, "source": "MES_TOKEN"}
    stored = app.session_file().get()
    if not stored or not stored.get("token"):
        raise MesError("NOT_LOGGED_IN", _("Not logged in on {server} (profile {profile}); run `mes login`.").format(
            server=app.config.display_target, profile=app.config.profile))
    expires = stored.get("expires_at")
    if expires:
        when = dt.datetime.fromisoformat(expires)
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        if when <= dt.datetime.now(dt.timezone.utc):
            raise MesError("SESSION_EXPIRED", _("The session of {identifier} on {server} (profile {profile}) expired "
                                                "at {when:%d/%m/%Y %H:%M} UTC; run `mes login`.").format(
                identifier=stored.get('identifier'), server=app.config.display_target, profile=app.config.profile,
                when=when))
    return {**stored, "source": "session file"}


def status(
    ctx: typer.Context,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing; only the exit code says "
                                        "(0 logged in, 4 not)")] = False,
    check: Annotated[bool, typer.Option("--check", help="Ask the server too (catches a session revoked "
                                        "elsewhere or idle too long)")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Who is logged in, on which server and profile, until when (exit 4 when nobody is)."""
    from ..contract.errors import MesError

    app: AppContext = ctx.obj
    try:
        session = _session(app)
        if check:
            me = app.client.whoami()
            session.update(identifier=me.account.identifier, expires_at=me.session_expires_at.isoformat(),
                           idle_expires_at=me.idle_expires_at.isoformat())
    except MesError as exc:
        if quiet and exc.exit_status == 4:
            raise typer.Exit(4)
        raise
    if quiet:
        return
    who, until = session.get("identifier"), session.get("expires_at")
    if who and until:
        message = _("✓ Logged in as {who} on {server} (profile {profile}) until {until}.")
    elif who:
        message = _("✓ Logged in as {who} on {server} (profile {profile}).")
    elif until:
        message = _("✓ Logged in as the MES_TOKEN session on {server} (profile {profile}) until {until}.")
    else:
        message = _("✓ Logged in as the MES_TOKEN session on {server} (profile {profile}).")
    app.say(message.format(who=who, server=app.config.display_target, profile=app.config.profile, until=until))
    app.emit({"logged_in": True, "identifier": session.get("identifier"), "server": app.config.display_target,
              "profile": app.config.profile, "expires_at": session.get("expires_at"),
              **({"idle_expires_at": session["idle_expires_at"]} if "idle_expires_at" in session else {}),
              "source": session["source"], "checked_with_server": check}, fmt)


def token(ctx: typer.Context) -> None:
    """Print the session token on stdout, for scripts (exit 4 when there is none). Keep it out of logs."""
    app: AppContext = ctx.obj
    app.env.stdout.write(_session(app)["token"] + "\n")


def register(root: typer.Typer) -> None:
    auth_app.command("status")(status)
    auth_app.command("token")(token)
    root.add_typer(auth_app, name="auth")
