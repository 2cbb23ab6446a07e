"""The human-readable part of a CDA section: its narrative block (``section/text``).

CDA R2 obliges every section to carry its content as narrative, a small XHTML-like
language (paragraphs, lists, tables, inline ``content``, ``br`` line breaks...), because
that is what a clinician reads and signs; coded entries are optional and only mirror it.
So showing a document means showing its narrative, and this module reduces it to three
kinds of blocks a terminal can print: paragraphs, lists and tables.

Text is whitespace-normalised (the XML is indented for people editing it, not for
display); ``br`` keeps a line break; blank lines are dropped.  ``renderMultiMedia``
(a pointer to an image or a PDF copy held elsewhere in the document) and footnote
references are skipped: they have no text.  Table cells spanning rows or columns are
padded with empty cells so that columns stay aligned; rows may still have different
lengths when the source table is ragged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Union

from lxml import etree

HL7 = "urn:hl7-org:v3"

# A line break inside collected text; XML 1.0 cannot contain NUL, so it never clashes.
_BREAK = "\x00"
# Elements that start a new line when they appear inside inline text (a list in a cell...).
_BLOCKISH = frozenset({"paragraph", "list", "item", "table", "thead", "tbody", "tfoot", "tr", "caption"})
_SILENT = frozenset({"renderMultiMedia", "footnoteRef"})
_CELLS = frozenset({"td", "th"})
# Spans only pad up to this many columns: a hostile colspan="1000000000" costs nothing.
_MAX_SPAN_COLUMNS = 64
_MAX_ROWSPAN = 1000


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str


@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[tuple[str, ...], ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class ListBlock:
    items: tuple[str, ...]
    ordered: bool = False


Block = Union[Paragraph, Table, ListBlock]


def local_name(element: etree._Element) -> str | None:
    """The name of an HL7 element without its namespace; None for anything else."""
    tag = element.tag
    if not isinstance(tag, str):  # comment, processing instruction, entity
        return None
    if tag.startswith("{" + HL7 + "}"):
        return tag[len(HL7) + 2:]
    return None


def parse_narrative(text: etree._Element) -> tuple[Block, ...]:
    """The blocks of a ``section/text`` element, in document order.

    Text between blocks (inline ``content`` or bare text outside any paragraph) becomes a
    paragraph of its own, as a browser would show it.
    """
    blocks: list[Block] = []
    pending: list[str] = [text.text or ""]

    def flush() -> None:
        paragraph = clean(pending)
        pending.clear()
        if paragraph:
            blocks.append(Paragraph(paragraph))

    for child in text:
        name = local_name(child)
        if name in ("paragraph", "list", "table"):
            flush()
            blocks.extend(_block(child, name))
        elif isinstance(child.tag, str):
            _collect(child, pending)
        pending.append(child.tail or "")
    flush()
    return tuple(blocks)


def _block(element: etree._Element, name: str) -> Iterable[Block]:
    if name == "paragraph":
        paragraph = inline_text(element)
        return [Paragraph(paragraph)] if paragraph else []
    if name == "list":
        return _list(element)
    return _table(element)


def inline_text(element: etree._Element) -> str:
    """Everything ``element`` says, as one normalised string (not its tail)."""
    parts: list[str] = []
    _collect_children(element, parts)
    return clean(parts)


def clean(parts: list[str]) -> str:
    """Join collected text: whitespace runs become one space, breaks become newlines."""
    lines = (" ".join(line.split()) for line in "".join(parts).split(_BREAK))
    return "\n".join(line for line in lines if line)


def _collect(element: etree._Element, parts: list[str]) -> None:
    name = local_name(element)
    if name == "br":
        parts.append(_BREAK)
        return
    if name in _SILENT:
        return
    if name in _BLOCKISH:
        parts.append(_BREAK)
    elif name in _CELLS:
        parts.append(" ")
    _collect_children(element, parts)
    if name in _BLOCKISH:
        parts.append(_BREAK)


def _collect_children(element: etree._Element, parts: list[str]) -> None:
    # Recursion is bounded: safexml refuses trees deeper than MAX_DEPTH.
    parts.append(element.text or "")
    for child in element:
        if isinstance(child.tag, str):
            _collect(child, parts)
        parts.append(child.tail or "")


def _children(element: etree._Element, *names: str) -> list[etree._Element]:
    return [child for child in element if local_name(child) in names]


def _list(element: etree._Element) -> list[Block]:
    blocks: list[Block] = []
    for caption in _children(element, "caption"):
        text = inline_text(caption)
        if text:
            blocks.append(Paragraph(text))
    items = tuple(text for text in (inline_text(item) for item in _children(element, "item")) if text)
    if items:
        ordered = (element.get("listType") or "").strip().lower() == "ordered"
        blocks.append(ListBlock(items, ordered))
    return blocks


def _table(element: etree._Element) -> list[Block]:
    captions = [text for text in (inline_text(c) for c in _children(element, "caption")) if text]
    header_rows: list[etree._Element] = []
    body_rows: list[etree._Element] = []
    footer_rows: list[etree._Element] = []
    for child in element:
        name = local_name(child)
        if name == "thead":
            header_rows += _children(child, "tr")
        elif name == "tbody":
            body_rows += _children(child, "tr")
        elif name == "tfoot":
            footer_rows += _children(child, "tr")
        elif name == "tr":
            body_rows.append(child)
    if not header_rows and body_rows and _all_header_cells(body_rows[0]):
        header_rows, body_rows = body_rows[:1], body_rows[1:]
    grid = _grid(header_rows + body_rows + footer_rows)
    header = tuple(row for row in grid[:len(header_rows)] if any(row))
    rows = tuple(row for row in grid[len(header_rows):] if any(row))
    if not header and not rows:
        return [Paragraph(text) for text in captions]
    return [Table(header, rows, "\n".join(captions) or None)]


def _all_header_cells(row: etree._Element) -> bool:
    cells = _children(row, "td", "th")
    return bool(cells) and all(local_name(cell) == "th" for cell in cells)


def _span(cell: etree._Element, attribute: str, limit: int) -> int:
    try:
        return max(1, min(int(cell.get(attribute) or 1), limit))
    except ValueError:
        return 1


def _grid(rows: list[etree._Element]) -> list[tuple[str, ...]]:
    """Cell texts row by row, with the places covered by colspan/rowspan left empty."""
    grid: list[tuple[str, ...]] = []
    carried: dict[int, int] = {}  # column → rows it is still covered by a rowspan from above
    for row in rows:
        cells: list[str] = []
        spanning: dict[int, int] = {}
        for cell in _children(row, "td", "th"):
            while len(cells) in carried:
                cells.append("")
            column = len(cells)
            cells.append(inline_text(cell))
            width = _span(cell, "colspan", _MAX_SPAN_COLUMNS)
            cells.extend("" for _ in range(min(width - 1, max(0, _MAX_SPAN_COLUMNS - len(cells)))))
            height = _span(cell, "rowspan", _MAX_ROWSPAN)
            if height > 1:
                for covered in range(column, min(len(cells), _MAX_SPAN_COLUMNS)):
                    spanning[covered] = height - 1
        for column in sorted(c for c in carried if c >= len(cells)):
            cells.extend("" for _ in range(column - len(cells) + 1))
        carried = {c: left - 1 for c, left in carried.items() if left > 1}
        carried.update(spanning)
        grid.append(tuple(cells))
    return grid
