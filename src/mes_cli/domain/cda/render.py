"""A CDA document as plain text for a terminal.

A person reading a document in a shell wants what a browser would show them with the
ANS stylesheet: the header (what, when, by whom, for whom) then each section's narrative,
tables as tables.  Plain text only, wrapped to the terminal's width, so it can also be
piped to ``less`` or a file.  Control characters from the document are removed from the
output: a document must not be able to drive the reader's terminal with escape sequences.
"""

from __future__ import annotations

import textwrap
from datetime import datetime

from ...i18n import _
from .document import Author, CdaDocument, Code, Embedded, Patient, Section
from .narrative import Block, ListBlock, Paragraph, Table

MIN_WIDTH = 40
_MIN_COLUMN = 6
_GRID_OVERHEAD = 3  # "| " before and " " after each cell in tabulate's grid format
_HEADING_PADDING = 2
_LONG_WORD = 20  # longer words (URLs, identifiers) may be cut rather than widen their column
# Names of the code systems a reader recognises, for codes that do not name their system.
_SYSTEM_NAMES = {"2.16.840.1.113883.6.1": "LOINC", "2.16.840.1.113883.6.96": "SNOMED CT"}

# C0 and C1 controls (except newline) and the bidirectional overrides that reorder a line.
_UNPRINTABLE = {code: None for code in (*range(0x00, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F),
                                         *range(0x2066, 0x206A))}
_UNPRINTABLE[ord("\n")] = "\n"
_UNPRINTABLE[ord("\t")] = " "


def render_text(doc: CdaDocument, width: int = 100, *, document_id: str | None = None) -> str:
    """The document as readable text, lines at most ``width`` characters (tables may exceed
    it only when they have too many columns to fit).  ``document_id`` fills the download
    hint of a level-1 document."""
    width = max(width, MIN_WIDTH)
    out: list[str] = []
    _header(doc, out, width)
    for number, section in enumerate(doc.sections, 1):
        out.append("")
        _section(section, str(number), 0, out, width)
    if doc.embedded is not None:
        out.append("")
        out.extend(_wrap(_embedded_line(doc.embedded, document_id), width))
    return "\n".join(out).rstrip("\n").translate(_UNPRINTABLE) + "\n"


# -- header -------------------------------------------------------------------------------------

def _header(doc: CdaDocument, out: list[str], width: int) -> None:
    title = doc.title or _("(untitled document)")
    out.extend(_wrap(title, width))
    out.append("=" * min(len(title), width))
    lines: list[str] = []
    if doc.effective_time is not None:
        lines.append(_("Date: {date}").format(date=_moment(doc.effective_time)))
    if doc.type is not None:
        lines.append(_("Type: {type}").format(type=_describe_code(doc.type)))
    for author in doc.authors:
        lines.append(_("Author: {author}").format(author=_describe_author(author)))
    lines.extend(_patient_lines(doc.patient))
    if doc.custodian:
        lines.append(_("Kept by: {organisation}").format(organisation=doc.custodian))
    if doc.version is not None:
        lines.append(_("Version: {version}").format(version=doc.version))
    if doc.replaces:
        lines.append(_("Replaces document: {id}").format(id=doc.replaces))
    if doc.confidentiality:
        lines.append(_("Confidentiality: {code}").format(code=doc.confidentiality))
    for line in lines:
        out.extend(_wrap(line, width, "", "    "))


def _moment(moment: datetime) -> str:
    if moment.tzinfo is None:
        if (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0):
            return moment.strftime("%Y-%m-%d")
        return moment.strftime("%Y-%m-%d %H:%M")
    offset = moment.strftime("%z")
    return moment.strftime("%Y-%m-%d %H:%M ") + offset[:3] + ":" + offset[3:5]


def _describe_code(code: Code) -> str:
    system = code.system_name or _SYSTEM_NAMES.get(code.system or "")
    reference = " ".join(part for part in (system, code.code) if part)
    return "{display} ({reference})".format(display=code.display, reference=reference) if code.display \
        else reference


def _describe_author(author: Author) -> str:
    name = author.name or _("unnamed author")
    if author.is_device:
        name = _("{name} (software)").format(name=name)
    parts = [name]
    if author.profession is not None:
        parts.append(author.profession.display or author.profession.code)
    if author.function is not None and author.function.display:
        parts.append(author.function.display)
    if author.organisation:
        parts.append(author.organisation)
    return ", ".join(parts)


def _patient_lines(patient: Patient) -> list[str]:
    details = [patient.name or _("no name given")]
    if patient.sex == "F":
        details.append(_("female"))
    elif patient.sex == "M":
        details.append(_("male"))
    elif patient.sex == "U":
        details.append(_("sex unknown"))
    if patient.birth_date is not None:
        details.append(_("born {date}").format(date=patient.birth_date.isoformat()))
    lines = [_("Patient: {details}").format(details=", ".join(details))]
    ins = patient.ins
    if ins is not None:
        if ins.key_valid is False:
            lines.append(_("INS: {value} ({kind}); its key does not check out").format(value=ins.extension,
                                                                                    kind=ins.kind))
        else:
            lines.append(_("INS: {value} ({kind})").format(value=ins.extension, kind=ins.kind))
    return lines


def _embedded_line(embedded: Embedded, document_id: str | None) -> str:
    if embedded.reference is not None:
        return _("Embedded document: {media_type}, not included in this file: it is referenced as "
                 "{reference}.").format(media_type=embedded.media_type, reference=embedded.reference)
    size = "{:,}".format(len(embedded.data))
    if embedded.media_type == "application/pdf":
        return _("Embedded document: {media_type}, {size} bytes; `mes docs download {id} --pdf` writes "
                 "it.").format(media_type=embedded.media_type, size=size, id=document_id or "ID")
    return _("Embedded document: {media_type}, {size} bytes.").format(media_type=embedded.media_type, size=size)


# -- body ---------------------------------------------------------------------------------------

def _section(section: Section, number: str, depth: int, out: list[str], width: int) -> None:
    indent = "  " * depth
    heading = number + ". " + (section.title or _("(untitled section)"))
    out.extend(_wrap(heading, width, indent))
    if depth == 0:
        out.append("-" * min(len(heading), width))
    for block in section.blocks:
        out.append("")
        out.extend(_block(block, indent, width))
    for sub_number, sub in enumerate(section.sections, 1):
        out.append("")
        _section(sub, f"{number}.{sub_number}", depth + 1, out, width)


def _block(block: Block, indent: str, width: int) -> list[str]:
    if isinstance(block, Paragraph):
        return [line for text in block.text.split("\n") for line in _wrap(text, width, indent)]
    if isinstance(block, ListBlock):
        return _list(block, indent, width)
    return _table(block, indent, width)


def _list(block: ListBlock, indent: str, width: int) -> list[str]:
    lines: list[str] = []
    for number, item in enumerate(block.items, 1):
        bullet = f"{number}. " if block.ordered else "- "
        hanging = indent + " " * len(bullet)
        for index, text in enumerate(item.split("\n")):
            lines.extend(_wrap(text, width, indent + bullet if index == 0 else hanging, hanging))
    return lines


def _table(table: Table, indent: str, width: int) -> list[str]:
    from tabulate import tabulate  # lazy: only documents with tables need it

    lines: list[str] = []
    if table.caption:
        for text in table.caption.split("\n"):
            lines.extend(_wrap(text, width, indent))
    width_of_rows = max(len(row) for row in table.header + table.rows)
    padded = [list(row) + [""] * (width_of_rows - len(row)) for row in table.header + table.rows]
    # columns that are empty everywhere (left by colspans) only take room
    kept = [i for i in range(width_of_rows) if any(row[i] for row in padded)]
    columns = len(kept)
    header = [[row[i] for i in kept] for row in padded[:len(table.header)]]
    rows = [[row[i] for i in kept] for row in padded[len(table.header):]]
    headings = ["\n".join(cell for cell in column if cell) for column in zip(*header)]
    needs = _needs(headings, rows, columns)
    budget = width - len(indent) - _GRID_OVERHEAD * columns - 1
    if headings and sum(max(min(word, n), 1) for n, word in needs) > budget:
        return lines + _records(headings, rows, indent, width)
    widths = _fit(needs, budget)
    body = [[_wrap_cell(cell, widths[i]) for i, cell in enumerate(row)] for row in rows]
    # tabulate pads headings by 2 (MIN_PADDING): wrap them 2 narrower so they fit the same width
    heads = [_wrap_cell(cell, widths[i] - _HEADING_PADDING) for i, cell in enumerate(headings)]
    text = tabulate(body, headers=heads, tablefmt="grid", disable_numparse=True)
    lines.extend(indent + line for line in text.splitlines())
    return lines


def _records(headings: list[str], rows: list[list[str]], indent: str, width: int) -> list[str]:
    """A table too wide for the terminal, one row at a time as "heading: value" lines."""
    lines: list[str] = []
    for row in rows:
        if lines:
            lines.append("")
        for heading, cell in zip(headings, row):
            if not cell:
                continue
            label = heading.replace("\n", " ")
            first, *others = cell.split("\n")
            lines.extend(_wrap(label + ": " + first if label else first, width, indent, indent + "    "))
            for text in others:
                lines.extend(_wrap(text, width, indent + "    "))
    return lines


def _needs(headings: list[str], rows: list[list[str]], columns: int) -> list[tuple[int, int]]:
    """For each column, (its natural width, the width under which words must be cut)."""
    needs = []
    for i in range(columns):
        cells = [(cell, 0) for cell in (row[i] for row in rows)]
        if headings:
            cells.append((headings[i], _HEADING_PADDING))
        natural = max((len(line) + pad for cell, pad in cells for line in cell.split("\n")), default=0)
        longest_word = max((len(word) + pad for cell, pad in cells for word in cell.split()), default=0)
        floor = _HEADING_PADDING + 1 if headings else 1  # tabulate's narrowest column under a heading
        needs.append((max(natural, floor), max(min(longest_word, _LONG_WORD), floor)))
    return needs


def _fit(needs: list[tuple[int, int]], budget: int) -> list[int]:
    """Column widths within ``budget``: natural if they fit; else every column at least as
    wide as its longest word (when that fits), the rest shared in proportion to what each
    column still lacks; else the widest columns narrowed to a common cap."""
    natural = [max(n, 1) for n, _word in needs]
    if sum(natural) <= budget:
        return natural
    minimal = [max(min(word, n), 1) for n, word in needs]
    if sum(minimal) <= budget:
        lacking = [n - m for n, m in zip(natural, minimal)]
        spare, total = budget - sum(minimal), sum(lacking)
        return [m + lack * spare // total for m, lack in zip(minimal, lacking)]
    low, high = 1, max(minimal)
    while low < high:  # the largest cap that fits the budget
        middle = (low + high + 1) // 2
        if sum(min(m, middle) for m in minimal) <= budget:
            low = middle
        else:
            high = middle - 1
    cap = max(low, _MIN_COLUMN)
    return [min(m, cap) for m in minimal]


def _wrap_cell(cell: str, width: int) -> str:
    width = max(width, 1)
    return "\n".join(line for text in cell.split("\n")
                     for line in (textwrap.wrap(text, width, break_on_hyphens=False) or [""]))


def _wrap(text: str, width: int, indent: str = "", subsequent: str | None = None) -> list[str]:
    return textwrap.wrap(text, width, initial_indent=indent,
                         subsequent_indent=indent if subsequent is None else subsequent,
                         break_on_hyphens=False) or ([] if not text else [indent + text])
