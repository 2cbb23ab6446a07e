"""docs/reference.md is what the app generates, and every command has a help text and an example."""

from __future__ import annotations

from pathlib import Path

from mes_cli.cli.examples import EXAMPLES
from mes_cli.cli.reference import REGENERATE, commands, help_text, render

ROOT = Path(__file__).resolve().parents[1]


def test_every_command_has_help_and_an_example():
    paths = [entry.path for entry in commands()]
    assert len(paths) > 20  # a guard against walking an empty tree
    no_help = [f"mes {entry.path}".strip() for entry in commands() if not help_text(entry.command)]
    assert not no_help, f"commands without a help text (give them a docstring or help=): {no_help}"
    no_example = [f"mes {p}".strip() for p in paths if not EXAMPLES.get(p)]
    assert not no_example, f"commands without an example: {no_example}; add them to src/mes_cli/cli/examples.py"
    stale = sorted(set(EXAMPLES) - set(paths))
    assert not stale, f"examples.py has examples for commands that do not exist: {stale}"


def test_examples_start_with_the_command_they_illustrate():
    for path, lines in EXAMPLES.items():
        words = path.split()
        assert any(_invokes(line, words) for line in lines), (path, lines)


def _invokes(line: str, words: list[str]) -> bool:
    tokens = [t.strip("$()\"'") for t in line.split()]  # also `$(mes auth token)`
    for i, token in enumerate(tokens):
        if token == "mes":
            rest = [t for t in tokens[i + 1:] if not t.startswith("-")]
            return not words or _contains_in_order(rest, words)
    return False


def _contains_in_order(tokens: list[str], words: list[str]) -> bool:
    n = len(words)
    return any(tokens[i:i + n] == words for i in range(len(tokens)))


def test_help_shows_the_examples(capsys):
    from mes_cli.cli.app import run

    assert run(["docs", "upload", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Examples:" in out and EXAMPLES["docs upload"][0] in out


def test_committed_reference_is_current():
    committed = ROOT / "docs" / "reference.md"
    expected = render()
    assert committed.exists() and committed.read_text(encoding="utf-8") == expected, (
        f"docs/reference.md is out of date; regenerate it with `{REGENERATE}`")
