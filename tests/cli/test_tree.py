"""The command tree is made as far as a command line needs it (cli/tree.py), and is the same tree."""

from __future__ import annotations

import io

import typer

from mes_cli.cli.app import TOP_LEVEL, app, root_app, run
from mes_cli.cli.env import Env
from mes_cli.cli.tree import lazy_root


def _params(command) -> list[tuple]:
    return [(p.name, tuple(p.opts), p.help) for p in command.params]


def test_only_the_named_path_is_made():
    made = []
    root = lazy_root(root_app, TOP_LEVEL, made.append)
    assert made == [root] and root.commands.built() == []
    assert {"whoami", "docs", "server", "profile"} <= set(root.commands)
    docs = root.commands["docs"]
    assert root.commands.built() == [docs] and made == [root, docs]
    assert docs.commands.built() == [] and "list" in docs.commands  # a group's commands too
    listing = docs.commands["list"]
    assert docs.commands.built() == [listing] and made == [root, docs, listing]


def test_the_lazy_tree_is_the_eager_one():
    eager, lazy = typer.main.get_command(app), lazy_root(root_app, TOP_LEVEL, lambda command: None)

    def same(made, expected, path: str) -> None:
        assert (made.help, made.epilog, _params(made)) == (expected.help, expected.epilog, _params(expected)), path
        assert list(getattr(made, "commands", {})) == list(getattr(expected, "commands", {})), path
        for name, command in getattr(expected, "commands", {}).items():
            same(made.commands[name], command, f"{path} {name}")

    same(lazy, eager, "mes")


def test_the_table_of_top_level_names_is_what_the_modules_register():
    registered = [info.name or typer.main.get_command_name(info.callback.__name__)
                  for info in app.registered_commands] + [info.name for info in app.registered_groups]
    assert [name for name, _module in TOP_LEVEL] == registered


def test_a_command_made_late_speaks_the_language_of_the_run(capsys):
    run(["--lang", "fr", "docs", "list", "--help"], Env(stdout=io.StringIO(), stderr=io.StringIO(), vars={},
                                                         stdin_is_tty=False, stdout_is_tty=False))
    page = capsys.readouterr().out  # click prints help pages itself
    assert "Utilisation" in page and "Seulement les documents épinglés" in page and "Only pinned" not in page


def test_running_mes_again_in_one_process_registers_nothing_twice():
    """Registering a module also adds commands to its own groups (`docs_app`…): it happens once per process,
    whatever the number of runs (the test suite runs `mes` thousands of times in one process)."""
    from mes_cli.cli.docs import docs_app
    from mes_cli.cli.server import server_app

    def run_quietly(*args: str) -> None:
        run(list(args), Env(stdout=io.StringIO(), stderr=io.StringIO(), vars={}, stdin_is_tty=False,
                            stdout_is_tty=False))

    run_quietly("docs", "list", "--help")
    run_quietly("server", "--help")
    counts = (len(docs_app.registered_commands), len(docs_app.registered_groups),
              len(server_app.registered_commands), len(server_app.registered_groups))
    for _ in range(3):
        run_quietly("docs", "list", "--help")
        run_quietly("server", "--help")
    assert (len(docs_app.registered_commands), len(docs_app.registered_groups), len(server_app.registered_commands),
            len(server_app.registered_groups)) == counts
    names = [info.name for info in docs_app.registered_groups]
    assert len(names) == len(set(names))
