"""Shell completion: `mes completion bash|zsh|fish`, and the value completers the options use.

The scripts are typer's own (``typer._completion_shared``): the shell calls
``mes`` back with ``_MES_COMPLETE=complete_bash|complete_zsh|complete_fish``,
and ``Command.main`` answers before parsing anything (``_main_shell_completion``),
also through :func:`mes_cli.cli.app.run` (it exits with ``SystemExit``, which
the error boundary lets through). Typer registers its completion classes only
for apps built with ``add_completion=True``; :func:`register` does it for ours.

The completers must be fast and silent: a completer that fails, or finds no
session, returns nothing (the shell then offers nothing, never a traceback).
Committed copies of the scripts live in ``completions/``; a test keeps them equal.
"""

from __future__ import annotations

import enum
from typing import Annotated, Any, Callable

import typer

PROG_NAME = "mes"
COMPLETE_VAR = "_MES_COMPLETE"
# Where the committed script of each shell lives, relative to the repository root.
# A shell waiting on Tab: a slow server completes to nothing rather than hanging the prompt.
COMPLETION_TIMEOUT = 2.0
SCRIPT_FILES = {"bash": "completions/mes.bash", "zsh": "completions/_mes", "fish": "completions/mes.fish"}


class Shell(str, enum.Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


def script(shell: str) -> str:
    """The completion script for ``shell``, as `mes completion SHELL` prints it (no trailing newline)."""
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name=PROG_NAME, complete_var=COMPLETE_VAR, shell=shell)


def completion(shell: Annotated[Shell, typer.Argument(help="bash, zsh or fish", show_default=False)]) -> None:
    """Print the shell completion script for bash, zsh or fish (commands, options and values).

    bash: `mes completion bash > ~/.local/share/bash-completion/completions/mes`;
    zsh: `mes completion zsh > "${fpath[1]}/_mes"`; fish:
    `mes completion fish > ~/.config/fish/completions/mes.fish`. The same scripts
    are in the repository's completions/ directory.
    """
    typer.echo(script(shell.value))


def register(root: typer.Typer) -> None:
    root.command("completion")(completion)


def prepare_answers() -> None:
    """Installs typer's bash/zsh/fish answer formats (what its scripts expect) when a shell asks for
    completions (``COMPLETE_VAR`` set): click answers it from ``Command.main``."""
    import os

    if os.environ.get(COMPLETE_VAR):
        from typer._completion_classes import completion_init

        completion_init()


# -- value completers (used as `autocompletion=` by the options) ---------------------------------------


def _matching(candidates, incomplete: str) -> list[tuple[str, str]]:
    wanted = (incomplete or "").casefold()
    return [(value, help_) for value, help_ in candidates if value.casefold().startswith(wanted)]


def _silent(completer: Callable[..., list]) -> Callable[..., list]:
    """Any error (no session, server down, bad options on the line) completes to nothing."""
    import functools

    @functools.wraps(completer)
    def wrapper(*args: Any, **kwargs: Any) -> list:
        try:
            return completer(*args, **kwargs)
        except Exception:  # noqa: BLE001 - a completer must never break the shell
            return []

    return wrapper


@_silent
def complete_category(incomplete: str) -> list[tuple[str, str]]:
    """The 12 official document category codes, with their labels."""
    from ..domain.categories import CATEGORIES

    return _matching(CATEGORIES.items(), incomplete)


@_silent
def complete_vaccine(incomplete: str) -> list[tuple[str, str]]:
    """Vaccine codes of the catalogue, with a short label."""
    from ..domain.vaccination import catalogue

    return _matching(((v.code, v.label) for v in catalogue()), incomplete)


def _session(ctx: typer.Context, for_child: bool = False):
    """An AppContext for the command line being completed, or None when nobody is logged in.

    The root callback does not run while completing, so the root options parsed
    so far (--api-url, --home, --for) are read from the root context here.
    """
    import dataclasses

    from .context import AppContext
    from .env import Env

    root = ctx.find_root()
    params = root.params or {}
    env = root.obj if isinstance(root.obj, Env) else Env()
    accepted = {f.name for f in dataclasses.fields(AppContext)}
    wanted = {"api_url": params.get("api_url"), "home": params.get("home"), "quiet": True,
              "for_child": params.get("for_child") if for_child else None,
              "profile_name": params.get("profile"),  # --profile: the config profile
              "timeout": min(params.get("timeout") or COMPLETION_TIMEOUT, COMPLETION_TIMEOUT)}
    app = AppContext(env=env, **{k: v for k, v in wanted.items() if k in accepted})
    if "timeout" not in accepted:  # older AppContext: cap the resolved config's timeout instead
        app._config = dataclasses.replace(app.config, timeout=min(app.config.timeout, COMPLETION_TIMEOUT))
    if not app.token():
        return None
    return app


@_silent
def complete_child(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """First names of the attached children (the session's)."""
    app = _session(ctx)
    if app is None:
        return []
    try:
        children = [c for c in app.client.children().children if c.status == "attached"]
    finally:
        app.close()
    return _matching(((c.first_name, f"{c.first_name} {c.last_name}") for c in children), incomplete)


@_silent
def complete_document(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Ids of the documents of the profile acted on (yours, or --for's), newest first; already given ids left out."""
    app = _session(ctx, for_child=True)
    if app is None:
        return []
    try:
        page = app.client.list_documents(app.profile(), limit=200)
    finally:
        app.close()
    given = set(ctx.params.get("ids") or [])  # typer passes no args to completers; the parsed ones are here
    return _matching(((d.id, d.title) for d in page.documents if d.id not in given), incomplete)
