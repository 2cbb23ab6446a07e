"""Parsing XML that comes from outside without letting it reach anything else.

Health documents arrive as HL7 CDA R2 files written by other people's software, so the
XML parser is the first thing an attacker talks to.  The classic XML attacks all go
through a document type declaration: external entities read local files or call URLs
(XXE), nested internal entities expand a few hundred bytes into gigabytes ("billion
laughs").  A CDA document never needs a DTD (its structure is defined by an XML schema),
so any ``<!DOCTYPE`` is refused outright rather than parsed and ignored: an error says
clearly that the file was refused, where silently dropping the declaration would leave
unexpanded entity references in the text.

Three layers, each enough on its own for the entity attacks:

- the prolog is scanned before parsing, so a declaration is refused before libxml2 reads
  a single entity definition;
- the parser itself never resolves entities, never loads a DTD and never touches the
  network (``resolve_entities=False``, ``load_dtd=False``, ``no_network=True``), and
  keeps libxml2's own limits on (``huge_tree=False``: text nodes up to 10 MB, depth 256);
- after parsing, a document that still has a DTD (a UTF-16 prolog the scan could not
  read, say) is refused.

Size is bounded before parsing and element depth after it, since a deeply nested tree
makes every recursive walk over it slow or impossible.
"""

from __future__ import annotations

import re

from lxml import etree

from ...contract.errors import MesError
from ...i18n import _

# A level-1 CDA wrapping a 5 MB PDF is about 7 MB (base64 adds a third); 32 MB leaves room
# for large structured documents while keeping a hostile upload's memory cost bounded.
MAX_XML_BYTES = 32 * 1024 * 1024
# The ANS examples nest at most 21 levels deep; libxml2 stops at 256 on its own.
MAX_DEPTH = 200

_UTF8_BOM = b"\xef\xbb\xbf"
_XML_SPACE = b" \t\r\n"
# libxml2's error for "a text node or attribute value is over 10 MB": a size problem, not an attack.
_HUGE_VALUE = ("Text node too long", "Buffer size limit")
_POSITION_SUFFIX = re.compile(r",\s*line \d+, column \d+\s*$")


def _error(code: str, message: str, **details) -> MesError:
    return MesError(code, message, {"field": "content", **details})


def _unsafe_declaration() -> MesError:
    return _error("UNSAFE_XML", _(
        "This XML document declares a DTD or entities (<!DOCTYPE ...>), which is refused for safety: "
        "health documents never need one. Ask the sender for the document without it."
    ), reason="doctype")


def parse_xml(data: bytes, *, max_bytes: int = MAX_XML_BYTES, max_depth: int = MAX_DEPTH) -> etree._Element:
    """The root element of ``data``, parsed with entities, DTDs and the network all off.

    Raises ``MesError``: ``DOCUMENT_TOO_LARGE`` over ``max_bytes``; ``UNSAFE_XML`` for any
    DOCTYPE (hence any entity declaration), for nesting deeper than ``max_depth`` and for
    anything that trips libxml2's own resource limits; ``NOT_XML`` when the bytes are not
    well-formed XML (the message says the parser's reason and the line).

    Comments and processing instructions (``<?xml-stylesheet?>``) are dropped: nothing
    reads them, and dropping them keeps the text of an element in one piece.
    """
    data = bytes(data)
    if len(data) > max_bytes:
        raise _error("DOCUMENT_TOO_LARGE", _(
            "This XML document is {size} bytes, more than the {limit} bytes accepted."
        ).format(size="{:,}".format(len(data)), limit="{:,}".format(max_bytes)), size=len(data), limit=max_bytes)
    if _declares_doctype(_ascii_compatible(data)):
        raise _unsafe_declaration()
    root = _parse(data)
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _unsafe_declaration()
    _check_depth(root, max_depth)
    return root


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not safe to share between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )


def _parse(data: bytes) -> etree._Element:
    try:
        return etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc) from None


def _syntax_error(exc: etree.XMLSyntaxError) -> MesError:
    reason = _POSITION_SUFFIX.sub("", (exc.msg or str(exc)).strip())
    line, column = exc.position if exc.position else (exc.lineno, None)
    if exc.code == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
        if any(marker in reason for marker in _HUGE_VALUE):
            return _error("DOCUMENT_TOO_LARGE", _(
                "This XML document holds a single value over 10 MB (an embedded file larger than about "
                "7 MB), more than is accepted."
            ), reason=reason)
        return _error("UNSAFE_XML", _(
            "This XML document exceeds the parser's safety limits ({reason}) and is refused for safety."
        ).format(reason=reason), reason=reason, line=line)
    return _error("NOT_XML", _(
        "This file is not well-formed XML: {reason} (line {line})."
    ).format(reason=reason, line=line), reason=reason, line=line, column=column)


def _ascii_compatible(data: bytes) -> bytes:
    """``data`` in an encoding where markup characters are single ASCII bytes, for the prolog scan.

    UTF-8 and the 8-bit encodings already are; UTF-16 and UTF-32 (rare, but legal XML) are
    transcoded so that a declaration cannot hide behind NUL bytes.  Undecodable input is
    returned unchanged: the parser will refuse it anyway.
    """
    head = data[:4]
    for marker, codec in ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                          (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
                          (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
                          (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be")):
        if head.startswith(marker):
            try:
                return data.decode(codec).encode("utf-8")
            except UnicodeDecodeError:
                return data
    return data


def _declares_doctype(data: bytes) -> bool:
    """Whether the prolog (what precedes the root element) holds a ``<!DOCTYPE`` declaration.

    Only the prolog is scanned: a DOCTYPE can appear nowhere else, and the words may
    legitimately appear later inside a comment or a CDATA section of the body.
    """
    position = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    while True:
        while position < len(data) and data[position] in _XML_SPACE:
            position += 1
        if data.startswith(b"<?", position):
            opening, closing = b"<?", b"?>"
        elif data.startswith(b"<!--", position):
            opening, closing = b"<!--", b"-->"
        else:
            return data[position:position + 9].upper() == b"<!DOCTYPE"
        end = data.find(closing, position + len(opening))
        if end < 0:
            return False  # unterminated: not well-formed, the parser says so
        position = end + len(closing)


def _check_depth(root: etree._Element, max_depth: int) -> None:
    """Refuse trees nested deeper than ``max_depth`` elements, without recursion."""
    depth = 0
    for event, _element in etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            depth += 1
            if depth > max_depth:
                raise _error("UNSAFE_XML", _(
                    "This XML document nests elements more than {limit} levels deep, which is refused for safety."
                ).format(limit=max_depth), reason="depth", limit=max_depth)
        else:
            depth -= 1
