"""The one PDF writer of mes: A4 pages of text lines in the standard Helvetica fonts.

Used for the proof of opposition (`mes oppose --receipt FILE.pdf`) and the medical profile
(`mes profile export --format pdf`, `mes messages reply --attach-profile`): documents people
print, keep with their papers or send to a professional, where a PDF is what is expected.
Text in the 14 standard fonts needs no font file and no library, so the PDF is written here
by hand (PDF 1.4, WinAnsiEncoding: every character of French text). Lines are wrapped to the
page from Helvetica's published character widths, pages are cut as they fill, and the
content streams stay uncompressed, so the text can be searched in the file itself.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4, in points
MARGIN = 56
FOOTER_Y = 30


@dataclass(frozen=True)
class Style:
    font: str  # F1 Helvetica, F2 Helvetica-Bold (the page resources below)
    size: float
    leading: float  # from this line's baseline to the next one's


STYLES = {
    "title": Style("F2", 13, 20),
    "heading": Style("F2", 11, 18),
    "body": Style("F1", 11, 15),
    "small": Style("F1", 9, 12),
}


@dataclass(frozen=True)
class Line:
    """One paragraph of the document: wrapped to the page by the writer; an empty text is a blank line."""

    text: str
    style: str = "body"
    indent: float = 0  # points to the right of the margin, for this paragraph and its wrapped lines
    hang: float = 0  # points more for its wrapped lines (under the text of a bulleted line, not its bullet)


# Helvetica's advance widths (thousandths of the font size) for ASCII 32–126, from Adobe's AFM file.
_ASCII_WIDTHS = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)
_OTHER_WIDTHS = {"œ": 944, "Œ": 1000, "æ": 889, "Æ": 1000, "ß": 611, "«": 556, "»": 556, "–": 556,
                 "—": 1000, "‘": 222, "’": 222, "“": 333, "”": 333, "•": 350, "…": 1000, "€": 556, "°": 400,
                 "·": 278}
_BOLD_FACTOR = 1.1  # Helvetica-Bold is at most about a tenth wider: measured as Helvetica, with that margin


def _char_width(char: str) -> int:
    """An accented letter is as wide as its letter (é as e); anything unknown as a digit."""
    if char in _OTHER_WIDTHS:
        return _OTHER_WIDTHS[char]
    base = unicodedata.normalize("NFKD", char)[:1] or char
    code = ord(base)
    return _ASCII_WIDTHS[code - 32] if 32 <= code <= 126 else 556


def text_width(text: str, style: Style) -> float:
    """The width of ``text`` in points, set in ``style``."""
    factor = _BOLD_FACTOR if style.font == "F2" else 1.0
    return sum(_char_width(char) for char in text) * style.size / 1000 * factor


def wrap(text: str, style: Style, width: float) -> list[str]:
    """``text`` cut at spaces into lines no wider than ``width`` (a longer word is cut where it must);
    a no-break space (U+00A0) keeps its neighbours on one line."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        current = ""
        for word in filter(None, paragraph.split(" ")):
            candidate = f"{current} {word}" if current else word
            if text_width(candidate, style) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            while text_width(word, style) > width:  # a word wider than the page: cut it
                cut = max(1, next(n for n in range(len(word), 0, -1) if text_width(word[:n], style) <= width))
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        lines.append(current)
    return lines


@dataclass(frozen=True)
class _Placed:
    text: str
    style: Style
    x: float
    y: float


def _pages(lines: list[Line]) -> list[list[_Placed]]:
    """The lines wrapped and placed on pages, a new page when the next line would reach the bottom margin."""
    pages: list[list[_Placed]] = [[]]
    y = PAGE_HEIGHT - MARGIN
    for line in lines:
        style = STYLES[line.style]
        parts = wrap(line.text, style, PAGE_WIDTH - 2 * MARGIN - line.indent - line.hang)
        for index, part in enumerate(parts):
            if y - style.leading < MARGIN and pages[-1]:
                pages.append([])
                y = PAGE_HEIGHT - MARGIN
            y -= style.leading
            if part:
                pages[-1].append(_Placed(part, style, MARGIN + line.indent + (line.hang if index else 0), y))
    return pages


def _literal(text: str) -> bytes:
    """A PDF string literal in WinAnsiEncoding (a character it lacks becomes '?', a control character a space)."""
    clean = "".join(" " if unicodedata.category(char) == "Cc" else char for char in text)
    raw = clean.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _content(placed: list[_Placed]) -> bytes:
    body, font = [b"BT"], None
    for item in placed:
        if (item.style.font, item.style.size) != font:
            font = (item.style.font, item.style.size)
            body.append(b"/%s %g Tf" % (item.style.font.encode(), item.style.size))
        body.append(b"1 0 0 1 %g %g Tm " % (item.x, item.y) + _literal(item.text) + b" Tj")
    body.append(b"ET")
    return b"\n".join(body)


def _footer(title: str, number: int, count: int) -> _Placed:
    """Page numbers, on documents of several pages only."""
    return _Placed(f"{title} — {number}/{count}", STYLES["small"], MARGIN, FOOTER_Y)


def document(lines: list[Line], *, title: str, when: dt.datetime) -> bytes:
    """The PDF of ``lines``, with ``title`` and ``when`` (its creation date) in its properties."""
    pages = _pages(lines)
    if len(pages) > 1:
        for number, page in enumerate(pages, start=1):
            page.append(_footer(title, number, len(pages)))
    stamp = f"D:{when:%Y%m%d%H%M%S}Z"
    first_page = 6  # objects 1–5 below, then a page and its content for each page
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * index) for index in range(len(pages)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        b"<< /Title " + _literal(title) + b" /Producer (mes-cli) /CreationDate (" + stamp.encode() + b") >>",
    ]
    for index, page in enumerate(pages):
        stream = _content(page)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R"
                       b" /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>"
                       % (PAGE_WIDTH, PAGE_HEIGHT, first_page + 2 * index + 1))
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    return _assemble(objects, info=5)


def _assemble(objects: list[bytes], info: int) -> bytes:
    """The file: header, the numbered objects, the cross-reference table of their offsets, the trailer."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, info, xref)
    return bytes(out)
