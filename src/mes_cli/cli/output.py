"""Rendering data on stdout: a table on a terminal, json/jsonl/csv for scripts.

The JSON field names are the wire format's (contract/models.py), so a script
sees the same names over every command and in the API.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from typing import Any, Iterable

from ..i18n import _

FORMATS = ("table", "json", "jsonl", "csv")


def to_data(value: Any) -> Any:
    """Structs, dates and the like as plain JSON-able Python values."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {k: to_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_data(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    import msgspec

    return msgspec.to_builtins(value)


def resolve_format(requested: str | None, env) -> str:
    fmt = requested or env.get("MES_FORMAT") or ("table" if env.stdout_is_tty else "json")
    if fmt not in FORMATS:
        from ..contract.errors import MesError

        raise MesError("VALIDATION_ERROR", _("Unknown output format {format!r}; use one of {formats}.").format(
            format=fmt, formats=', '.join(FORMATS)), {"field": "format"})
    return fmt


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def render(value: Any, fmt: str, out, columns: Iterable[str] | None = None) -> None:
    data = to_data(value)
    if fmt == "json":
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    rows = data if isinstance(data, list) else [data]
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    flat = [_flatten(row) if isinstance(row, dict) else {"value": row} for row in rows]
    keys = list(columns) if columns else list(dict.fromkeys(k for row in flat for k in row))
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(keys)
        for row in flat:
            writer.writerow(["" if row.get(k) is None else _cell(row.get(k)) for k in keys])
        return
    from tabulate import tabulate

    if isinstance(data, dict):  # one record: a two-column sheet reads best
        out.write(tabulate([(k, _cell(v)) for k, v in flat[0].items()], tablefmt="plain") + "\n")
    elif not flat:
        out.write(_("(nothing)") + "\n")
    else:
        out.write(tabulate([[_cell(r.get(k)) for k in keys] for r in flat], headers=keys, tablefmt="simple") + "\n")


def release_closed_stdout(stream) -> None:
    """stdout's reader is gone (`mes docs list | head -1`): what is still buffered, or written later, goes
    to the null device, so that neither the command nor Python's flush at exit fails on it again."""
    import os

    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (a test's StringIO): nothing to release
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


class StreamedResults:
    """Per-file results on stdout: with jsonl, one line as each file finishes (what was done is never lost,
    even to a Ctrl-C); in the other formats, the whole list at the end."""

    def __init__(self, app, fmt: str | None, columns: list[str]) -> None:
        self.app, self.columns = app, columns
        self.fmt = app.output_format(fmt)
        self._printed: set[int] = set()

    def done(self, item) -> None:
        if self.fmt == "jsonl" and id(item) not in self._printed:
            self._printed.add(id(item))
            try:
                self.app.emit(item.result(), "jsonl")
                self.app.env.stdout.flush()
            except BrokenPipeError:  # the reader left (`| head -3`): the transfer goes on, the lines go nowhere
                release_closed_stdout(self.app.env.stdout)

    def finish(self, items) -> None:
        if self.fmt == "jsonl":
            for item in items:
                self.done(item)
        else:
            self.app.emit([item.result() for item in items], self.fmt, columns=self.columns)
