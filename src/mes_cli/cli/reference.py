"""The command reference (docs/reference.md), generated from the app itself.

Regenerate with::

    python -m mes_cli.cli.reference > docs/reference.md

Every command and group, in the order `mes --help` shows them: its usage, its
help text, its arguments and options (with their help, defaults and
environment variables, as `--help` prints them) and its examples (from
``examples.EXAMPLES``). Hidden commands are left out. ``tests/test_reference.py``
keeps the committed file equal to this output.
"""

from __future__ import annotations

import inspect
import sys
from dataclasses import dataclass
from typing import Any, Iterator

REGENERATE = "python -m mes_cli.cli.reference > docs/reference.md"


@dataclass
class Entry:
    """One command of the tree, with the click context that `--help` would use for it."""

    path: str  # "docs upload"; "" for `mes` itself
    command: Any  # a click Command (typer's vendored click)
    ctx: Any


def commands() -> Iterator[Entry]:
    """Every visible command and group, depth first, in registration order."""
    import typer

    from .app import app

    root = typer.main.get_command(app)
    yield from _walk(root, "", root.context_class(root, info_name="mes", **root.context_settings))


def _walk(command, path: str, ctx) -> Iterator[Entry]:
    yield Entry(path, command, ctx)
    for name in _subcommands(command, ctx):
        sub = command.get_command(ctx, name)
        if sub is None or sub.hidden:
            continue
        sub_path = f"{path} {name}".strip()
        yield from _walk(sub, sub_path, sub.context_class(sub, info_name=name, parent=ctx, **sub.context_settings))


def _subcommands(command, ctx) -> list[str]:
    return list(command.list_commands(ctx)) if hasattr(command, "list_commands") else []


def render() -> str:
    """The whole reference as Markdown."""
    from .examples import EXAMPLES

    entries = list(commands())
    out = ["# `mes` command reference", "",
           f"Generated from the app by `{REGENERATE}`; do not edit by hand.", "",
           "Global options (`--api-url`, `--home`, `--for`, `--quiet`, `--debug`) go before the command: "
           "`mes --for Léa vaccins list`.", "", "## Contents", ""]
    for entry in entries:
        depth = entry.path.count(" ") + (1 if entry.path else 0)
        out.append(f"{'  ' * depth}- [{_title(entry)}](#{_anchor(entry)})")
    out.append("")
    for entry in entries:
        out += _section(entry, EXAMPLES.get(entry.path, []))
    return "\n".join(out).rstrip() + "\n"


def _title(entry: Entry) -> str:
    return f"mes {entry.path}".strip()


def _anchor(entry: Entry) -> str:
    # GitHub's rule for "## `mes docs upload`": lower case, spaces to '-', punctuation dropped.
    return "-".join(_title(entry).lower().split())


def help_text(command) -> str:
    return inspect.cleandoc(command.help or "").strip()


def _section(entry: Entry, examples: list[str]) -> list[str]:
    from .examples import epilog as examples_epilog

    command, ctx = entry.command, entry.ctx
    lines = [f"## `{_title(entry)}`", ""]
    text = help_text(command)
    if text:
        lines += [text, ""]
    lines += ["```", command.get_usage(ctx).strip(), "```", ""]
    arguments, options = [], []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            continue
        (arguments if param.param_type_name == "argument" else options).append(record)
    for title, records in (("Arguments", arguments), ("Options", options)):
        if records:
            lines += [f"**{title}**", ""]
            lines += [f"- `{names}`" + (f": {_one_line(help_)}" if help_ else "") for names, help_ in records]
            lines.append("")
    names = [n for n in _subcommands(command, ctx) if not getattr(command.get_command(ctx, n), "hidden", False)]
    if names:
        lines += ["**Commands**", ""]
        lines += [f"- [`{n}`](#{_anchor(Entry(f'{entry.path} {n}'.strip(), None, None))}): "
                  f"{_one_line(command.get_command(ctx, n).get_short_help_str(limit=200))}" for n in names]
        lines.append("")
    if command.epilog and command.epilog != examples_epilog(entry.path):
        lines += [_one_line(command.epilog), ""]
    if examples:
        lines += ["**Examples**", "", "```sh", *examples, "```", ""]
    return lines


def _one_line(text: str) -> str:
    return " ".join(text.split())


def main() -> None:
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
