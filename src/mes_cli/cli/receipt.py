"""The proof of opposition saved by `mes oppose --receipt FILE`: a PDF or a text file, by the name's extension.

People keep this receipt with their papers or send it on, where a PDF is what is
expected; a one-page PDF with the standard Helvetica font needs no library, so
it is written here by hand (PDF 1.4, WinAnsiEncoding: every character of French
text). The receipt is in French, like the statement the server writes.
"""

from __future__ import annotations

import datetime as dt
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
        return pdf(text, title=TITLE, when=receipt.opposed_at)
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


def _literal(text: str) -> bytes:
    """A PDF string literal in WinAnsiEncoding (a character it lacks becomes '?')."""
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def pdf(text: list[str], *, title: str, when: dt.datetime) -> bytes:
    """One A4 page: the first line in bold, the others in Helvetica 11 pt, 56 pt margins."""
    body = [b"BT", b"/F2 13 Tf", b"56 780 Td", _literal(text[0]) + b" Tj", b"/F1 11 Tf", b"15 TL", b"T*"]
    for line in text[1:]:
        body.append(_literal(line) + b" Tj T*")
    body.append(b"ET")
    stream = b"\n".join(body)
    stamp = f"D:{when:%Y%m%d%H%M%S}Z"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title " + _literal(title) + b" /Producer (mes-cli) /CreationDate (" + stamp.encode() + b") >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, len(objects), xref)
    return bytes(out)
