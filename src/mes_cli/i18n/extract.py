"""Finds every message of mes and keeps the French catalogue in step with them.

    python -m mes_cli.i18n.extract            # add new messages to fr.po, drop the ones gone
    python -m mes_cli.i18n.extract --check    # exit 1 listing messages without a French translation

Messages are the literal arguments of ``_()``, ``N_()`` and ``ngettext()`` anywhere in the
package, every help text of the command tree (typer reads those at import time, so they
are written as plain English and translated by ``cli/localize.py``), and the vaccination
calendar's wording of doses and recommended ages and the vaccines' short labels (data, shown
in reminder sentences; the official French names are shown as they are in both languages).  A development tool:
it needs babel (the ``test`` extra), which the installed package does not.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
CATALOGUE = PACKAGE / "locale" / "fr" / "LC_MESSAGES" / "mes.po"
MARKERS = {"_": 1, "N_": 1, "ngettext": 2}  # function → how many leading literal arguments are messages


@dataclass
class Message:
    id: str
    plural: str | None = None
    places: list[tuple[str, int]] = field(default_factory=list)


def source_messages(root: Path = PACKAGE) -> dict[str, Message]:
    """The marked messages of every module under ``root``, in file order."""
    found: dict[str, Message] = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKERS):
                continue
            texts = [arg.value for arg in node.args[:MARKERS[node.func.id]]
                     if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
            if len(texts) != MARKERS[node.func.id]:
                continue  # _(variable): the literal was marked where it was written
            message = found.setdefault(texts[0], Message(texts[0], texts[1] if len(texts) > 1 else None))
            message.places.append((str(path.relative_to(root.parent)), node.lineno))
    return found


def help_messages() -> dict[str, Message]:
    """Every help text, option help and epilog of the ``mes`` command tree."""
    import typer

    from ..cli.app import app
    from ..cli.localize import help_texts

    found: dict[str, Message] = {}
    for text in help_texts(typer.main.get_command(app)):
        found.setdefault(text, Message(text)).places.append(("mes_cli/cli (help)", 0))
    return found


# the data fields that reminder sentences show: calendars' wording, the catalogue's short labels
SENTENCE_WORDING = {"calendar-*.json": ("dose", "recommended"), "vaccines.json": ("label",)}


def data_messages(root: Path = PACKAGE) -> dict[str, Message]:
    """The wording of doses, recommended ages and vaccines' short labels in the vaccination data."""
    import json

    found: dict[str, Message] = {}

    def walk(node, fields: tuple[str, ...], place: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in fields and isinstance(value, str) and value:
                    found.setdefault(value, Message(value)).places.append((place, 0))
                walk(value, fields, place)
        elif isinstance(node, list):
            for item in node:
                walk(item, fields, place)

    for pattern, fields in SENTENCE_WORDING.items():
        for path in sorted((root / "domain" / "vaccination" / "data").glob(pattern)):
            walk(json.loads(path.read_text(encoding="utf-8")), fields, str(path.relative_to(root.parent)))
    return found


def all_messages() -> dict[str, Message]:
    messages = source_messages()
    for extra in (help_messages(), data_messages()):
        for text, message in extra.items():
            messages.setdefault(text, message)
    return messages


def untranslated(catalogue_path: Path = CATALOGUE) -> list[str]:
    """Messages with no French translation (missing, empty or fuzzy) — what the test refuses."""
    catalogue = read(catalogue_path)
    missing = []
    for text, message in all_messages().items():
        entry = catalogue.get(text)
        strings = entry.string if entry is not None else None
        strings = strings if isinstance(strings, tuple) else (strings,)
        if entry is None or entry.fuzzy or not all(strings):
            missing.append(text)
    return missing


def read(path: Path = CATALOGUE):
    from babel.messages.pofile import read_po

    with path.open("rb") as stream:
        return read_po(stream, locale="fr")


def update(path: Path = CATALOGUE) -> tuple[int, int]:
    """Adds new messages (untranslated) and drops vanished ones; returns (added, dropped)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from .. import __version__

    old = read(path) if path.exists() else Catalog(locale="fr")
    new = Catalog(locale="fr", domain="mes", project="mes-cli", version=__version__, charset="utf-8", fuzzy=False,
                  copyright_holder="the mes-cli authors", last_translator="the mes-cli authors",
                  language_team="French", creation_date=old.creation_date, revision_date=old.revision_date)
    added = 0
    for text, message in all_messages().items():
        key = (text, message.plural) if message.plural else text
        previous = old.get(text)
        translation = previous.string if previous is not None else ("", "") if message.plural else ""
        added += previous is None
        new.add(key, translation, locations=[place for place in message.places if place[1]],
                flags=previous.flags if previous is not None else ())
    dropped = sum(1 for entry in old if entry.id and new.get(entry.id if isinstance(entry.id, str) else entry.id[0]) is None)
    partial = path.with_suffix(".po.tmp")
    with partial.open("wb") as stream:
        write_po(stream, new, width=100, include_previous=False, omit_header=False, sort_output=False)
    partial.replace(path)
    return added, dropped


def main(argv: list[str]) -> int:
    if "--check" in argv:
        missing = untranslated()
        for text in missing:
            print(f"untranslated: {text!r}")
        return 1 if missing else 0
    added, dropped = update()
    print(f"{CATALOGUE}: {added} new, {dropped} dropped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
