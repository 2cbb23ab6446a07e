"""The click command tree of ``mes``, built as far as a command line needs it.

Typer turns every registered command into a click command by reading its signature (string
annotations evaluated one by one): some 150 ms for the whole of ``mes``, paid by every run when
the whole tree is built, and importing every command's module costs ~25 ms more. A command line
names one path (``mes docs list``), so the root is built with its top-level names only (a table,
cli/app.py ``TOP_LEVEL``) and each command or group is imported and made the first time it is
asked for (``--help`` asks for them all, to list them). The help texts of a part are translated
when it is made (cli/localize.py), in the language of the run.
"""

from __future__ import annotations

import copy
from typing import Callable, Iterator, Sequence

import typer
import typer.main as typer_main


class LazyCommands(dict):
    """A group's commands by name, each one built by its builder on first access.

    The names, in registration order, are known at once (for completion, usage errors and help);
    a command object exists only once something looks it up.
    """

    def __init__(self, builders: dict[str, Callable[[], object]]) -> None:
        super().__init__()
        self._builders = dict(builders)

    def built(self) -> list:
        """The commands made so far (what translating a tree in place needs to visit)."""
        return list(dict.values(self))

    def __getitem__(self, name: str):
        if not dict.__contains__(self, name):
            dict.__setitem__(self, name, self._builders[name]())
        return dict.__getitem__(self, name)

    def __setitem__(self, name: str, command) -> None:  # click's add_command
        self._builders[name] = lambda: command
        dict.__setitem__(self, name, command)

    def __contains__(self, name: object) -> bool:
        return name in self._builders

    def __iter__(self) -> Iterator[str]:
        return iter(self._builders)

    def __len__(self) -> int:
        return len(self._builders)

    def get(self, name: str, default=None):
        return self[name] if name in self._builders else default

    def keys(self):
        return self._builders.keys()

    def values(self):
        return [self[name] for name in self._builders]

    def items(self):
        return [(name, self[name]) for name in self._builders]


def lazy_root(root: typer.Typer, top_level: Sequence[tuple[str, str]],
              finish: Callable[[object], None]) -> typer.core.TyperGroup:
    """The root group of ``root`` (its callback and settings) with the top-level names ``top_level``
    gives, each one's module imported and its command or group made on demand; ``finish`` is applied
    to each part once made (the translation of its help)."""
    options = {"pretty_exceptions_short": root.pretty_exceptions_short, "rich_markup_mode": root.rich_markup_mode}
    group = typer_main.get_group(_bare(root))

    def build(name: str, module_name: str):
        from .app import registered as registered_by

        registered = registered_by(module_name)
        for info in registered.registered_commands:
            if _name(info) == name:
                return typer_main.get_command_from_info(info, **options)
        for info in registered.registered_groups:
            if info.name == name:
                return lazy_group(info, finish, root.suggest_commands, options)
        raise LookupError(f"mes_cli.cli.{module_name} registers no command {name!r}")

    group.commands = LazyCommands({name: _finished(lambda name=name, module_name=module_name:
                                                   build(name, module_name), finish)
                                   for name, module_name in top_level})
    finish(group)
    return group


def lazy_group(info, finish: Callable[[object], None], suggest_commands: bool, options: dict) -> typer.core.TyperGroup:
    """The group ``info`` registers (``mes docs``: some twenty commands), its commands and sub-groups made on
    first lookup like the root's (every group here has a name: typer merges unnamed ones into their parent,
    which this does not do)."""
    registered = info.typer_instance
    bare_info = copy.copy(info)
    bare_info.typer_instance = _bare(registered)
    group = typer_main.get_group_from_info(bare_info, suggest_commands=suggest_commands, **options)
    builders: dict[str, Callable[[], object]] = {}
    for command in registered.registered_commands:
        builders[_name(command)] = _finished(lambda command=command: typer_main.get_command_from_info(command, **options),
                                   finish)
    for sub in registered.registered_groups:
        builders[sub.name] = _finished(lambda sub=sub: lazy_group(sub, finish, suggest_commands, options), finish)
    group.commands = LazyCommands(builders)
    return group


def _bare(app: typer.Typer) -> typer.Typer:
    """A copy of ``app`` with its callback and settings, none of its commands (``app`` is left as it is)."""
    bare = copy.copy(app)
    bare.registered_commands, bare.registered_groups = [], []
    return bare


def _name(command) -> str:
    """A registered command's name, as typer derives it."""
    return command.name or typer_main.get_command_name(command.callback.__name__)


def _finished(build: Callable[[], object], finish: Callable[[object], None]) -> Callable[[], object]:
    def make():
        command = build()
        finish(command)
        return command
    return make
