"""The help pages and usage errors in the current language.

Help texts stay English in the source (typer reads them at import time, before the
language is known); ``run()`` builds a fresh click tree on every call and
``localize`` translates that tree in place just before it is used.  Typer's own few
words (section titles, ``default:``) go through the same catalogue, and the usage
errors of its vendored click, which are plain English f-strings, are matched and
rebuilt by ``usage_error``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Iterator

import typer
from typer._click.formatting import HelpFormatter

from ..i18n import DEFAULT, N_, _, current

# Typer's own words, looked up with gettext in typer.core (kept here so the extractor sees them).
TYPER_WORDS = (N_("Options"), N_("Commands"), N_("Arguments"), N_("default: {default}"), N_("required"),
               N_("env var: {var}"), N_("(dynamic)"), N_("Aborted!"), N_("Missing command."),
               N_("No such command {name!r}."))
HELP_OPTION = N_("Show this message and exit.")
EXAMPLES_PREFIX = "\b\nExamples:\n"  # what cli/examples.py writes at the head of an examples epilog


def help_texts(command) -> Iterator[str]:
    """Every help text of the click tree (commands, options, arguments, epilogs) — the message ids."""
    for each in _walk(command):
        for text in (each.help, each.short_help, _epilog_text(each.epilog)):
            if text:
                yield text
        for param in each.params:
            if getattr(param, "help", None):
                yield param.help


def localize(command) -> None:
    """Translates the help of ``command`` and every subcommand made so far in place (nothing to do in
    English); cli/tree.py calls it again on each part it makes later."""
    if current() == DEFAULT:
        return
    typer.core._ = _
    for each in _walk(command, made_only=True):
        each.help = each.help and _(each.help)
        each.short_help = each.short_help and _(each.short_help)
        each.epilog = each.epilog and _translate_epilog(each.epilog)
        for param in each.params:
            if getattr(param, "help", None):
                param.help = _(param.help)
        each.context_class = _LocalizedContext
        _install_help_option(each)


def usage_error(exc) -> str:
    """The text click would print for a usage error, in the current language."""
    lines = []
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        lines.append(ctx.get_usage())
        if ctx.command.get_help_option(ctx) is not None:
            lines.append(_("Try '{command} {option}' for help.").format(
                command=ctx.command_path, option=ctx.help_option_names[0]))
        lines.append("")
    message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
    lines.append(_("Error: {message}").format(message=translate_click_message(message)))
    return "\n".join(lines) + "\n"


# Click's messages as it builds them (typer/_click/exceptions.py, types.py, core.py), with ours.
_CLICK_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"(?P<reason>.+)\. Did you mean (?P<suggestions>.+)\?", N_("{reason}. Did you mean {suggestions}?")),
    (r"Missing option (?P<name>.+)\.", N_("Missing option {name}.")),
    (r"Missing argument (?P<name>.+)\.", N_("Missing argument {name}.")),
    (r"Missing parameter (?P<name>.+)\.", N_("Missing parameter {name}.")),
    (r"No such option: (?P<name>\S+) \(Possible options: (?P<options>.+)\)",
     N_("No such option: {name} (did you mean {options}?)")),
    (r"No such option: (?P<name>\S+)", N_("No such option: {name}")),
    (r"No such command '(?P<name>.+)'\.", N_("No such command '{name}'.")),
    (r"Got unexpected extra arguments? \((?P<arguments>.+)\)", N_("Unexpected extra arguments ({arguments}).")),
    (r"Option '(?P<name>.+)' requires an argument\.", N_("Option '{name}' requires a value.")),
    (r"Option '(?P<name>.+)' does not take a value\.", N_("Option '{name}' does not take a value.")),
    (r"Invalid value for (?P<name>.+?): (?P<reason>.+)", N_("Invalid value for {name}: {reason}")),
    (r"Invalid value: (?P<reason>.+)", N_("Invalid value: {reason}")),
    (r"(?P<value>'.*') is not a valid (?:integer|int|int range|integer range)\.", N_("{value} is not a whole number.")),
    (r"(?P<value>'.*') is not a valid (?:float|float range)\.", N_("{value} is not a number.")),
    (r"(?P<value>'.*') is not a valid boolean\.(?P<rest>.*)", N_("{value} is not a yes/no value.")),
    (r"(?P<value>.+) is not in the range (?P<range>.+)\.", N_("{value} is not in the range {range}.")),
    (r"(?P<value>'.*') is not one of (?P<choices>.+)\.", N_("{value} is not one of {choices}.")),
    (r"(?P<value>'.*') is not (?P<choice>'.+')\.", N_("{value} is not {choice}.")),
)


@cache
def _click_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The patterns compiled when a message is first translated, not by every run (~2 ms)."""
    return tuple((re.compile(pattern, re.S), message) for pattern, message in _CLICK_MESSAGES)


def translate_click_message(message: str) -> str:
    """Click's English message in the current language; unknown shapes are shown as they are."""
    if current() == DEFAULT:
        return message
    for pattern, template in _click_patterns():
        if match := pattern.fullmatch(message):
            fields = match.groupdict()
            if "reason" in fields:
                fields["reason"] = translate_click_message(fields["reason"])
            return _(template).format(**fields)
    return message


def _walk(command, made_only: bool = False) -> Iterator:
    """``command`` and its subcommands; ``made_only``: not those of a lazy tree not made yet (cli/tree.py)."""
    yield command
    commands = getattr(command, "commands", None) or {}
    subcommands = commands.built() if made_only and hasattr(commands, "built") else commands.values()
    for sub in subcommands:
        yield from _walk(sub, made_only)


def _epilog_text(epilog: str | None) -> str | None:
    """The translatable part of an epilog: the heading only for the generated examples."""
    if epilog and epilog.startswith(EXAMPLES_PREFIX):
        return N_("Examples:")
    return epilog


def _translate_epilog(epilog: str) -> str:
    if epilog.startswith(EXAMPLES_PREFIX):
        return "\b\n" + _("Examples:") + "\n" + epilog[len(EXAMPLES_PREFIX):]
    return _(epilog)


def _install_help_option(command) -> None:
    """Creates the command's ``-h/--help`` option now, with its help translated (click caches it)."""
    from typer._click.decorators import help_option

    names = [name for name in ("-h", "--help")
             if not any(name in param.opts or name in param.secondary_opts for param in command.params)]
    if names and command.add_help_option and command._help_option is None:
        help_option(names)(command)
        command._help_option = command.params.pop()
        command._help_option.help = _(HELP_OPTION)


class _LocalizedFormatter(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, _("Usage: ") if prefix is None else prefix)


class _LocalizedContext(typer.Context):
    formatter_class = _LocalizedFormatter
