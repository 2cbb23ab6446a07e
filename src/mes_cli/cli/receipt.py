"""The proof of opposition saved by `mes oppose --receipt FILE`: a PDF or a text file, by the name's extension.

People keep this receipt with their papers or send it on, where a PDF is what is
expected; it is written by the project's one PDF writer (cli/pdf.py). The receipt
is in French, like the statement the server writes.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from ..i18n import _

FORMATS = {".pdf": "pdf", ".txt": "text"}
TITLE = "Justificatif d'opposition à la création de Mon espace santé"


def check_target(path: Path) -> str:
    """The receipt's format from ``path``'s extension; refused before anything is done if unusable.

    Checked before the opposition is recorded, so that a receipt that cannot be saved
    never leaves an opposition without its proof on disk.
    """
    from ..contract.errors import MesError

    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise MesError("VALIDATION_ERROR", _("The receipt is saved as PDF (a name ending in .pdf) or as text (.txt); "
                                             "{path} has neither extension.").format(path=path), {"field": "receipt"})
    if path.exists():
        raise MesError("VALIDATION_ERROR", _("{path} already exists; choose another file name.").format(path=path),
                       {"field": "receipt"})
    if not path.parent.is_dir():
        raise MesError("VALIDATION_ERROR", _("The folder of {path} does not exist.").format(path=path),
                       {"field": "receipt"})
    return kind


def lines(receipt) -> list[str]:
    """The receipt's text, as lines (the same in the PDF and the text file)."""
    return [TITLE, "", *textwrap.wrap(receipt.statement, 80), "",
            f"Titulaire : {receipt.person}", f"Référence : {receipt.reference}",
            f"Date : {receipt.opposed_at:%d/%m/%Y %H:%M} (UTC)"]


def render(kind: str, receipt) -> bytes:
    text = lines(receipt)
    if kind == "pdf":
        from .pdf import Line, document

        return document([Line(text[0], "title"), *(Line(line) for line in text[1:])], title=TITLE,
                        when=receipt.opposed_at)
    return ("\n".join(text) + "\n").encode("utf-8")


def save(path: Path, kind: str, receipt) -> None:
    """Writes the receipt to a new file, private to its owner (0600); never over an existing one."""
    from ..contract.errors import MesError

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise MesError("VALIDATION_ERROR", _("{path} already exists; choose another file name.").format(path=path),
                       {"field": "receipt"}) from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(render(kind, receipt))
