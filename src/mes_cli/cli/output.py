"""Rendering data on stdout: a table on a terminal, json/jsonl/csv for scripts.

The JSON field names are the wire format's (contract/models.py), so a script
sees the same names over every command and in the API.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from dataclasses import dataclass
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
    if fmt not in FORMATS:  # a usage error, as click's own choices say it (exit 2)
        from .errors import bad_choice

        raise bad_choice(fmt, FORMATS, "'--format' / '-f'" if requested else "MES_FORMAT")
    return fmt


@dataclass(frozen=True)
class TableChoice:
    """What a person asked of a table: ``--columns`` (named fields, also for CSV), ``--wide`` (every field)
    and the width to fit (None: no limit, as when a table goes to a file)."""

    columns: tuple[str, ...] = ()
    wide: bool = False
    width: int | None = None


def write_json_array(rows: Iterable, out) -> None:
    """The text ``render(list(rows), "json", out)`` writes (2-space indents), written row by row."""
    first = True
    for row in rows:
        # JSON strings hold no raw line break: every line of a row is indented one level more
        out.write(("[\n  " if first else ",\n  ") + json.dumps(to_data(row), ensure_ascii=False, indent=2)
                  .replace("\n", "\n  "))
        first = False
    out.write("[]\n" if first else "\n]\n")


def render(value: Any, fmt: str, out, columns: Iterable[str] | None = None,
           choice: TableChoice = TableChoice()) -> None:
    """``value`` on ``out``. ``columns`` are the few a person scans, the table's default; CSV carries every
    field (or exactly ``choice.columns``), JSON and JSONL the data as it is."""
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
    every = list(dict.fromkeys([*(columns or ()), *(k for row in flat for k in row)]))
    if fmt == "csv":
        keys = _chosen(choice.columns, every) if choice.columns else every
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(keys)
        for row in flat:
            writer.writerow([_csv_cell(row.get(k)) for k in keys])
        return
    if choice.columns:
        keys = _chosen(choice.columns, every)
    elif choice.wide or not columns:
        keys = every
    else:
        keys = list(columns)
    if isinstance(data, dict):  # one record: a two-column sheet of every field (or those asked for) reads best
        shown = keys if choice.columns else list(flat[0])
        out.write(_sheet([(k, flat[0].get(k)) for k in shown], choice.width))
    elif not flat:
        out.write(_("(nothing)") + "\n")
    else:
        out.write(_table(keys, flat, choice.width))


def _chosen(wanted: Iterable[str], available: list[str]) -> list[str]:
    """The ``--columns`` asked for, each one a field the data has (an empty list has none to check)."""
    wanted = list(wanted)
    unknown = [name for name in wanted if available and name not in available]
    if unknown:
        from ..contract.errors import MesError

        raise MesError("USAGE_ERROR", _("Unknown column {names} for --columns; this output has: {available}.").format(
            names=", ".join(unknown), available=", ".join(available)), {"field": "columns", "accepted": available})
    return wanted


def _csv_cell(value: Any) -> str:
    """CSV is for programs: empty for nothing, true/false, lists and objects as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _cell(key: str, value: Any) -> str:
    """A value as a person reads it: words for booleans and known codes, lists and objects as plain text."""
    from .labels import value_word

    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_cell(key, item) for item in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_cell(k, v)}" for k, v in value.items()) or "—"
    if isinstance(value, str):
        return _local_time(value) if _TIMESTAMP.fullmatch(value) else value_word(key, value)
    return str(value)


_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)")
_DATE_OR_TIME = re.compile(r"\d{4}-\d\d-\d\d( \d\d:\d\d)?")


def _local_time(stamp: str) -> str:
    """A wire timestamp (UTC) as a person reads it: their local time, to the minute."""
    moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


GAP = "  "
NARROWEST = 6  # a column is never cut below this (a date, an id's start, a word)


def _table(keys: list[str], rows: list[dict[str, Any]], width: int | None) -> str:
    """gh-style: headers, a rule, one line per row; cut to ``width`` by shortening the widest columns (…)."""
    from .labels import header

    heads = [header(k) for k in keys]
    cells = [[_one_line(_cell(k, row.get(k))) for k in keys] for row in rows]
    numeric = [_numbers_only([row.get(k) for row in rows]) for k in keys]
    widths = [max([len(h), *(len(line[i]) for line in cells)]) for i, h in enumerate(heads)]
    if width is not None:
        whole = [_is_id(k) or all(_DATE_OR_TIME.fullmatch(line[i]) or line[i] == "—" for line in cells)
                 for i, k in enumerate(keys)]
        widths = _fit(widths, width - len(GAP) * (len(keys) - 1), [not keep for keep in whole])

    def line(values: list[str]) -> str:
        parts = [_cut(v, w).rjust(w) if right else _cut(v, w).ljust(w)
                 for v, w, right in zip(values, widths, numeric)]
        return GAP.join(parts).rstrip()

    return "\n".join([line(heads), GAP.join("-" * w for w in widths), *(line(c) for c in cells)]) + "\n"


def _sheet(pairs: list[tuple[str, Any]], width: int | None) -> str:
    """One record: a label column and a value column, the values cut to what the width leaves."""
    from .labels import header

    labels = [header(k) for k, _value in pairs]
    label_width = max((len(label) for label in labels), default=0)
    room = None if width is None else max(width - label_width - len(GAP), NARROWEST)
    lines = [f"{label.ljust(label_width)}{GAP}{_cut(_one_line(_cell(k, v)), room)}".rstrip()
             for label, (k, v) in zip(labels, pairs)]
    return "\n".join(lines) + "\n"


def _fit(widths: list[int], budget: int, cuttable: list[bool]) -> list[int]:
    """Shortens the widest cuttable column one character at a time until the row fits, none below NARROWEST."""
    widths = list(widths)
    candidates = [i for i, can in enumerate(cuttable) if can]
    while candidates and sum(widths) > budget:
        widest = max(candidates, key=widths.__getitem__)
        if widths[widest] <= NARROWEST:
            break
        widths[widest] -= 1
    return widths


def _numbers_only(values: list[Any]) -> bool:
    """A column of numbers (nothing counts as one) is right-aligned, as numbers are read."""
    present = [v for v in values if v is not None]
    return bool(present) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present)


def _is_id(key: str) -> bool:
    """Ids are what a person copies into the next command: a table never cuts them."""
    field = key.rsplit(".", 1)[-1]
    return field in ("id", "rpps") or field.endswith("_id")


def _cut(text: str, width: int | None) -> str:
    return text if width is None or len(text) <= width else text[: max(width - 1, 0)] + "…"


def _one_line(text: str) -> str:
    return " ".join(text.split()) if "\n" in text or "\t" in text else text


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
        elif self.fmt == "json":  # item by item: thousands of results are never one list, nor one string
            write_json_array((item.result() for item in items), self.app.env.stdout)
        else:
            self.app.emit([item.result() for item in items], self.fmt, columns=self.columns)
