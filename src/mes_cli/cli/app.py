"""The root of ``mes``: global options, the command groups, and the error boundary.

Module level imports typer and stdlib only; every command imports what it needs
when it runs, so ``mes --help`` and remote-mode commands stay fast and never
load the server.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import __version__, i18n
from .completion import complete_child, prepare_answers
from .env import Env

EPILOG = (
    "Exit codes: 0 ok · 1 error · 2 usage · 3 network/timeout · 4 authentication required or expired · "
    "5 partial failure · 6 rejected input · 7 not found · 8 conflict · 9 rate limited · 130 interrupted.  "
    "Environment: MES_HOME, MES_PROFILE, MES_API_URL, MES_TOKEN, MES_FORMAT, MES_FOR, MES_ADMIN_TOKEN, "
    "MES_TOTP_SECRET, MES_SERVER_DATA, MES_TIMEOUT, MES_MAX_ATTEMPTS, MES_DEBUG=api, NO_COLOR, CI, "
    "LANGUAGE/LC_ALL/LC_MESSAGES/LANG.  "
    "Precedence: flag > environment > config profile (mes config path) > default.  "
    "The options above may also follow the command (mes docs list --for Hugo --columns id,title)."
)

root_app = typer.Typer(
    name="mes",
    help="Mon espace santé from the shell: your account, health records and messages. "
    "Talks to an embedded reference server by default (--api-url local), or to a remote one.",
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _check_language(value: str | None) -> str | None:
    """``--lang`` was already applied by ``run()`` (before the help texts were built); this refuses bad values."""
    if value is not None and i18n.parse(value) is None:
        from ..i18n import _

        raise typer.BadParameter(_("'{value}' is not a language mes speaks; use en or fr.").format(value=value))
    return value


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mes {__version__}")
        raise typer.Exit()


@root_app.callback()
def root(
    ctx: typer.Context,
    api_url: Annotated[Optional[str], typer.Option("--api-url", metavar="URL|local",
                       help="Server to talk to: 'local' (embedded, default) or http(s)://… [env MES_API_URL]")] = None,
    home: Annotated[Optional[Path], typer.Option("--home", help="Data and session directory [env MES_HOME]",
                    show_default=False)] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or messages (errors still shown)")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show the HTTP traffic (secrets redacted) and tracebacks "
                     "on unexpected errors [env MES_DEBUG=api: the traffic only]")] = False,
    profile: Annotated[Optional[str], typer.Option("--profile", metavar="NAME",
                       help="Config profile to use (server, format, timeout…; see `mes config`) "
                            "[env MES_PROFILE; default 'default']")] = None,
    timeout: Annotated[Optional[float], typer.Option("--timeout", metavar="SECONDS", min=0.001,
                       help="Give up on a request after this long [env MES_TIMEOUT; default 30]")] = None,
    for_child: Annotated[Optional[str], typer.Option("--for", metavar="CHILD", autocompletion=complete_child,
                         help="Act on an attached child's profile (name or id) [env MES_FOR]")] = None,
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", metavar="table|json|jsonl|csv",
                   help="Output format of any command that prints data (a command's own --format wins) "
                        "[env MES_FORMAT]")] = None,
    columns: Annotated[Optional[str], typer.Option("--columns", metavar="FIELD,…",
                       help="Table and CSV columns: these fields (names as in JSON output, e.g. id,title)")] = None,
    wide: Annotated[bool, typer.Option("--wide", help="Tables show every field instead of the few a person "
                    "scans")] = False,
    lang: Annotated[Optional[str], typer.Option("--lang", metavar="en|fr", callback=_check_language, is_eager=True,
                    help="Language of messages and help [env LANGUAGE, LC_ALL, LC_MESSAGES, LANG; default en]")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                       help="Print the version and exit")] = False,
) -> None:
    from .context import AppContext

    env = ctx.obj if isinstance(ctx.obj, Env) else Env()
    ctx.obj = AppContext(env=env, api_url=api_url, home=home, debug=debug, quiet=quiet, for_child=for_child,
                         profile_name=profile, timeout=timeout, format=fmt, wide=wide,
                         columns=tuple(name.strip() for name in (columns or "").split(",") if name.strip()))
    ctx.call_on_close(ctx.obj.close)


# Where each top-level name comes from, in the order help lists them (typer lists commands, then
# groups): `run()` imports only the module of the name a command line gives. The test
# tests/cli/test_tree.py keeps this table equal to what the modules register.
TOP_LEVEL: tuple[tuple[str, str], ...] = (
    ("activate", "account"), ("new-code", "account"), ("oppose", "account"), ("login", "account"),
    ("logout", "account"), ("whoami", "account"), ("recover-id", "account"), ("reset-password", "account"),
    ("history", "messages"), ("export", "portability"), ("import", "portability"), ("outbox", "server"),
    ("demo", "demo"), ("smoke", "smoke"), ("api", "api_cmd"), ("completion", "completion"),
    ("account", "account"), ("docs", "docs"), ("settings", "settings"), ("profile", "profile"),
    ("vaccins", "vaccins"), ("children", "children"), ("messages", "messages"), ("pros", "messages"),
    ("server", "server"), ("auth", "auth"), ("config", "config_cmd"),
)
REGISTRATION_ORDER = ("account", "docs", "settings", "profile", "vaccins", "children", "messages", "portability",
                      "server", "demo", "smoke", "auth", "config_cmd", "api_cmd", "completion")


_registered: dict[str, typer.Typer] = {}


def registered(module_name: str) -> typer.Typer:
    """The commands and groups of ``mes_cli.cli.<module_name>``, with their examples, registered once per
    process: registering also adds commands to the module's own groups (``docs_app``…), so a second time
    would list them twice (the test suite runs ``mes`` thousands of times in one process)."""
    found = _registered.get(module_name)
    if found is None:
        import importlib

        from . import examples

        found = typer.Typer()
        importlib.import_module(f"{__package__}.{module_name}").register(found)
        examples.register(found)  # commands with an epilog of their own keep it
        _registered[module_name] = found
    return found


_full_app: typer.Typer | None = None


def __getattr__(name: str):
    """``app``: the root with every command registered (for the reference, the catalogue, completion
    and tests that walk the whole tree); a run of ``mes`` itself never registers them all."""
    global _full_app
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _full_app is None:
        import copy

        full = copy.copy(root_app)
        modules = [registered(module_name) for module_name in REGISTRATION_ORDER]
        full.registered_commands = [info for module in modules for info in module.registered_commands]
        full.registered_groups = [info for module in modules for info in module.registered_groups]
        _full_app = full
    return _full_app


def run(args: list[str] | None = None, env: Env | None = None) -> int:
    """Runs ``mes`` with args and returns the exit code; the one error boundary."""
    env = env or Env()
    argv = args if args is not None else sys.argv[1:]
    language = i18n.use(requested_language(argv) or i18n.from_environment(env.vars))
    try:
        return _run(args, env, debug="--debug" in argv)
    finally:
        i18n.restore(language)


def requested_language(argv: list[str]) -> str | None:
    """The language ``--lang`` asks for, read before click parses anything: help texts need it first."""
    for position, arg in enumerate(argv):
        if arg == "--":
            break
        if arg.startswith("--lang="):
            return i18n.parse(arg.partition("=")[2])
        if arg == "--lang" and position + 1 < len(argv):
            return i18n.parse(argv[position + 1])
    return None


def _run(args: list[str] | None, env: Env, *, debug: bool) -> int:
    from ..contract.errors import MesError
    from ..i18n import _
    from .errors import INTERRUPTED, describe, exit_status
    from .localize import localize, usage_error

    from .placement import hoist_global_options
    from .tree import lazy_root

    command = lazy_root(root_app, TOP_LEVEL, localize)
    prepare_answers()
    try:
        args = hoist_global_options(command, list(sys.argv[1:] if args is None else args))
        code = command.main(args=args, prog_name="mes", standalone_mode=False, obj=env)
        return code if isinstance(code, int) else 0  # typer.Exit(n) comes back as a return value
    except MesError as exc:
        env.stderr.write(describe(exc) + "\n")
        return exit_status(exc)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.TyperException as exc:  # usage errors (typer ≥ 0.29 vendors click under it)
        env.stderr.write(usage_error(exc))
        return exc.exit_code
    except (KeyboardInterrupt, typer.Abort):
        env.stderr.write(_("Interrupted; nothing was left half done.") + "\n")
        return INTERRUPTED
    except SystemExit as exc:  # click's own answer to a closed stdout (`mes docs list | head -1`) is exit 1
        if isinstance(exc.__context__, BrokenPipeError):
            from .output import release_closed_stdout

            release_closed_stdout(env.stdout)
            return 0  # the reader took what it wanted: not an error
        raise
    except Exception as exc:  # the boundary: never a traceback unless --debug
        if debug:
            raise
        env.stderr.write(_("Error: unexpected {kind}; run again with --debug for details.").format(
            kind=type(exc).__name__) + "\n")
        return 1


def main() -> None:
    code = run()
    try:
        sys.stdout.flush()  # a reader gone meanwhile shows here, not as Python's "Exception ignored" at exit
    except BrokenPipeError:
        from .output import release_closed_stdout

        release_closed_stdout(sys.stdout)
    sys.exit(code)
