"""Files the CLI keeps under MES_HOME: sessions and pending multi-step operations.

Each file is a JSON object keyed by server (so one home can hold sessions on
several servers), written atomically (temp file + fsync + rename) with mode
0600: a crash never leaves a half-written token file, and nobody else can read it.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}  # an unreadable file is treated as empty and replaced at the next write
    return data if isinstance(data, dict) else {}


def write_private(path: Path, text: str) -> None:
    """Replaces a file atomically (temp file, fsync, rename), readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write(path: Path, data: dict[str, Any]) -> None:
    write_private(path, json.dumps(data, indent=1, sort_keys=True))


class KeyedFile:
    """A 0600 JSON file holding one entry per server."""

    def __init__(self, path: Path, server_key: str) -> None:
        self.path = path
        self._key = server_key

    def get(self) -> dict[str, Any] | None:
        return _read(self.path).get(self._key)

    def put(self, value: dict[str, Any]) -> None:
        data = _read(self.path)
        data[self._key] = value
        _write(self.path, data)

    def clear(self) -> None:
        data = _read(self.path)
        if data.pop(self._key, None) is not None:
            _write(self.path, data)


def sessions(home: Path, server_key: str) -> KeyedFile:
    return KeyedFile(home / "sessions.json", server_key)


def pending(home: Path, server_key: str, name: str) -> KeyedFile:
    return KeyedFile(home / f"pending-{name}.json", server_key)
