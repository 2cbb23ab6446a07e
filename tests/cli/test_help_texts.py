"""Help pages: every option names its environment variable once, and every command that takes a Carte
Vitale serial says where to find it — in its --help and before its prompt alike."""

from __future__ import annotations

import io
import re
from collections import Counter

import pytest
import typer

from mes_cli import i18n
from mes_cli.cli.app import app
from mes_cli.cli.identity import SERIAL_WHERE
from mes_cli.cli.localize import _walk, localize

CODE, NIR = "Ab3dE5fG7hJ9", "285037505612306"  # valid in form; nothing is sent before the serial is asked
# What each command asks before the serial (the test fails when a command taking --serial is missing here).
ANSWERS_BEFORE_SERIAL = {"activate": [CODE, NIR], "oppose": [CODE, NIR], "new-code": [NIR],
                         "reset-password": [NIR]}


def _env_var_names(param, text: str) -> list[str]:
    declared = param.envvar if isinstance(param.envvar, (list, tuple)) else [param.envvar] if param.envvar else []
    return [*declared, *re.findall(r"\bMES_[A-Z0-9_]+", text)]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_option_names_its_environment_variable_twice(language):
    token = i18n.use(language)
    try:
        root = typer.main.get_command(app)
        localize(root)
        doubled, options = [], 0
        for command in _walk(root):
            ctx = typer.Context(command, info_name=command.name)
            for param in command.params:
                record = param.get_help_record(ctx)
                if not record:
                    continue
                options += 1
                counts = Counter(re.findall(r"\b(?:MES_[A-Z0-9_]+)", record[1]))
                doubled += [(command.name, param.name, name, counts[name])
                            for name in set(_env_var_names(param, record[1])) if counts[name] > 1]
    finally:
        i18n.restore(token)
    assert options > 100  # the walk saw the whole tree
    assert not doubled, doubled


def _serial_commands(command, path: str = "") -> list[str]:
    found = [path] if any("--serial" in getattr(param, "opts", ()) for param in command.params) else []
    for name, sub in (getattr(command, "commands", None) or {}).items():
        found += _serial_commands(sub, f"{path} {name}".strip())
    return found


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_command_taking_a_serial_says_where_it_is_in_its_help(capsys, language):
    from mes_cli.cli.app import run
    from mes_cli.cli.env import Env

    commands = _serial_commands(typer.main.get_command(app))
    assert sorted(commands) == sorted(ANSWERS_BEFORE_SERIAL)
    token = i18n.use(language)
    try:
        where = _words(i18n._(SERIAL_WHERE))
    finally:
        i18n.restore(token)
    for command in commands:
        capsys.readouterr()
        assert run(["--lang", language, *command.split(), "--help"], Env(stdin=io.StringIO(), vars={})) == 0
        shown = capsys.readouterr().out  # click writes help to the process's stdout, not to Env's
        assert where in _words(shown), (command, shown)


@pytest.mark.parametrize("command", sorted(ANSWERS_BEFORE_SERIAL))
def test_every_serial_prompt_says_where_it_is_first(local_mes, command):
    answers = "".join(f"{answer}\n" for answer in ANSWERS_BEFORE_SERIAL[command])
    asked = local_mes(command, tty=True, stdin=answers)  # the input ends at the serial's prompt
    assert asked.exit_code == 130, asked
    prompt = asked.stderr.rindex("\nCarte Vitale serial number:")
    assert SERIAL_WHERE in asked.stderr[:prompt], asked.stderr
