"""Reading the package's own JSON files: the only I/O of the vaccination domain."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any


def read_json(name: str) -> Any:
    """Parse ``data/<name>`` shipped inside this package."""
    return json.loads((files(__package__) / "data" / name).read_text("utf-8"))


def data_names() -> list[str]:
    """Names of the files in ``data/`` (to list the calendar editions available)."""
    return sorted(entry.name for entry in (files(__package__) / "data").iterdir())
