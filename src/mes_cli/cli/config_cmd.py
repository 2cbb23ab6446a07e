"""`mes config get|set|unset|list|path`: named profiles in MES_HOME/config.toml.

Keys per profile: api_url, format, timeout, for (the default child), and
admin_token — the one secret: set only explicitly and only from stdin
(`--value-stdin`, never argv), masked by `list` and `get` unless `--reveal`.
The profile is the root's `--profile NAME` / MES_PROFILE ('default' otherwise);
`set` creates it. Precedence when running commands: flag > env > profile > default.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..i18n import _
from .context import AppContext
from .options import FormatOpt

config_app = typer.Typer(help="Named profiles (server, format, timeout, default child) in the config file.",
                         no_args_is_help=True)

MASK = "********"


def _home(app: AppContext):
    from ..client.config import default_home

    return app.home or (_p(app.env.get("MES_HOME"))) or default_home()


def _p(value):
    from pathlib import Path

    return Path(value).expanduser() if value else None


def _check_key(key: str) -> str:
    from ..client.config import PROFILE_KEYS
    from ..contract.errors import MesError

    if key not in PROFILE_KEYS:
        raise MesError("VALIDATION_ERROR", _("Unknown config key {key!r}; use one of {keys}.").format(
            key=key, keys=', '.join(PROFILE_KEYS)), {"field": "key"})
    return key


def _typed(key: str, value: str):
    """The value as stored, checked: a bad value is refused now, not at the next command."""
    from ..client.config import check_api_url
    from ..contract.errors import MesError

    value = value.strip()
    if key == "api_url":
        return check_api_url(value).rstrip("/") if value != "local" else value
    if key == "format":
        from .output import FORMATS

        if value not in FORMATS:
            raise MesError("VALIDATION_ERROR", _("format must be one of {formats}, not {value!r}.").format(
                formats=', '.join(FORMATS), value=value), {"field": "format"})
        return value
    if key == "timeout":
        from ..client.config import _number

        return float(_number(value, "timeout"))
    if not value:
        raise MesError("VALIDATION_ERROR", _("{key} cannot be empty; use `mes config unset {key}`.").format(key=key),
                       {"field": key})
    return value


def path(ctx: typer.Context) -> None:
    """Print the config file's path (it may not exist yet)."""
    from ..client.config import config_path

    app: AppContext = ctx.obj
    app.env.stdout.write(f"{config_path(_home(app))}\n")


def get(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="api_url, format, timeout, for or admin_token")],
    reveal: Annotated[bool, typer.Option("--reveal", help="Print a secret (admin_token) instead of a mask")] = False,
) -> None:
    """Print one key of the profile (exit 7 when it is not set there)."""
    from ..client.config import SECRET_KEYS, load_profiles
    from ..contract.errors import MesError

    app: AppContext = ctx.obj
    name = app.selected_profile
    value = load_profiles(_home(app)).get(name, {}).get(_check_key(key))
    if value is None:
        raise MesError("NOT_FOUND", _("{key} is not set in profile {name!r}.").format(key=key, name=name),
                       {"field": key})
    app.env.stdout.write(f"{MASK if key in SECRET_KEYS and not reveal else value}\n")


def set_(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="api_url, format, timeout, for or admin_token")],
    value: Annotated[Optional[str], typer.Argument(help="The value (for admin_token use --value-stdin)")] = None,
    value_stdin: Annotated[bool, typer.Option("--value-stdin", help="Read the value from the first line "
                                              "of stdin (required for admin_token: secrets never go in argv)")] = False,
) -> None:
    """Set a key of the profile (created if needed); the file is written 0600."""
    from ..client.config import SECRET_KEYS, load_profiles, save_profiles
    from ..contract.errors import MesError

    app: AppContext = ctx.obj
    _check_key(key)
    if key in SECRET_KEYS and value is not None:
        raise MesError("INPUT_REQUIRED", _("{key} is a secret: give it with --value-stdin, never in argv.").format(
            key=key), {"flag": "--value-stdin"})
    if value_stdin:
        if value is not None:
            raise MesError("INPUT_REQUIRED", _("Give the value either as an argument or with --value-stdin, not "
                                              "both."), {"flag": "--value-stdin"})
        value = app.read_secret_stdin("value")
    if value is None:
        raise MesError("INPUT_REQUIRED", _("Missing the value of {key} (argument, or --value-stdin).").format(key=key),
                       {"flag": "VALUE"})
    name = app.selected_profile
    home = _home(app)
    profiles = load_profiles(home)
    profiles.setdefault(name, {})[key] = _typed(key, value)
    written = save_profiles(home, profiles)
    shown = MASK if key in SECRET_KEYS else profiles[name][key]
    app.say(_("✓ {key} = {value} in profile {name!r} ({path}).").format(key=key, value=shown, name=name,
                                                                         path=written))
    if key in SECRET_KEYS:
        app.say("  " + _("Stored in plain text (file mode 0600); MES_ADMIN_TOKEN in the environment avoids that."))


def unset(ctx: typer.Context, key: Annotated[str, typer.Argument(help="The key to remove")]) -> None:
    """Remove a key from the profile (the profile goes when it is empty)."""
    from ..client.config import load_profiles, save_profiles

    app: AppContext = ctx.obj
    _check_key(key)
    name, home = app.selected_profile, _home(app)
    profiles = load_profiles(home)
    if profiles.get(name, {}).pop(key, None) is None:
        app.say(_("{key} was not set in profile {name!r}.").format(key=key, name=name))
        return
    if not profiles[name]:
        del profiles[name]
    save_profiles(home, profiles)
    app.say(_("✓ {key} removed from profile {name!r}.").format(key=key, name=name))


def list_(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """Every profile and its keys (secrets masked); `active` marks the profile in use."""
    from ..client.config import DEFAULT_PROFILE, SECRET_KEYS, load_profiles
    from .output import render, resolve_format

    app: AppContext = ctx.obj
    active = app.selected_profile
    profiles = load_profiles(_home(app))
    rows = [{"profile": name, "active": name == active, "key": key, "value": MASK if key in SECRET_KEYS else value}
            for name, values in sorted(profiles.items()) for key, value in values.items()]
    columns = ["profile", "active", "key", "value"]
    if active in profiles or active == DEFAULT_PROFILE:
        app.emit(rows, fmt, columns)  # as every command prints, in the active profile's format too
    else:  # a profile not created yet has no format, and resolving it as the active one would fail
        render(rows, resolve_format(fmt or app.format, app.env), app.env.stdout, columns)


def register(root: typer.Typer) -> None:
    config_app.command("path")(path)
    config_app.command("get")(get)
    config_app.command("set")(set_)
    config_app.command("unset")(unset)
    config_app.command("list")(list_)
    root.add_typer(config_app, name="config")
