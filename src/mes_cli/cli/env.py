"""The process environment a command runs in: streams, TTY detection, variables.

Commands read stdin and write stdout/stderr only through this object, so tests
and ``mes demo`` can swap it (HTTPie's Environment, in small).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import IO, Mapping


@dataclass
class Env:
    stdin: IO[str] = field(default_factory=lambda: sys.stdin)
    stdout: IO[str] = field(default_factory=lambda: sys.stdout)
    stderr: IO[str] = field(default_factory=lambda: sys.stderr)
    vars: Mapping[str, str] = field(default_factory=lambda: os.environ)
    stdin_is_tty: bool | None = None
    stdout_is_tty: bool | None = None

    def __post_init__(self) -> None:
        if self.stdin_is_tty is None:
            self.stdin_is_tty = _isatty(self.stdin)
        if self.stdout_is_tty is None:
            self.stdout_is_tty = _isatty(self.stdout)

    @property
    def interactive(self) -> bool:
        """Prompts are allowed only on a terminal, and never in CI."""
        return bool(self.stdin_is_tty) and not self.vars.get("CI")

    @property
    def terminal_width(self) -> int | None:
        """The width tables fit: COLUMNS when set, else the terminal's when stdout is one; None (no limit)
        for a file or a pipe, where cutting would lose data nobody can widen a window to see."""
        columns = self.get("COLUMNS")
        if columns and columns.isdigit() and int(columns) > 0:
            return int(columns)
        if not self.stdout_is_tty:
            return None
        import shutil

        return shutil.get_terminal_size().columns

    def get(self, name: str) -> str | None:
        value = self.vars.get(name)
        return value if value else None


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
