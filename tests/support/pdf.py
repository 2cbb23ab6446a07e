"""Reading back the PDFs that mes writes (cli/pdf.py), without a PDF library: their structure, their text."""

from __future__ import annotations

import re


def check_structure(data: bytes) -> int:
    """Fails unless ``data`` is a well-formed PDF as cli/pdf.py writes it; returns its number of pages.

    Header and end marker; every object where the cross-reference table says; a trailer naming the
    catalogue; each stream as long as its /Length; as many page objects as the page tree counts.
    """
    assert data.startswith(b"%PDF-1.4\n") and data.endswith(b"%%EOF\n")
    start = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert data[start:].startswith(b"xref\n")
    offsets = re.findall(rb"(\d{10}) 00000 n \n", data[start:])
    assert offsets
    for number, offset in enumerate(offsets, start=1):
        assert data[int(offset):].startswith(b"%d 0 obj\n" % number), number
    trailer = data[start:].split(b"trailer\n", 1)[1]
    assert b"/Root 1 0 R" in trailer and b"/Size %d " % (len(offsets) + 1) in trailer
    assert data[int(offsets[0]):].startswith(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>")
    for stream in re.finditer(rb"<< /Length (\d+) >>\nstream\n", data):
        end = stream.end() + int(stream.group(1))
        assert data[end:end + len(b"\nendstream")] == b"\nendstream"
    pages = len(re.findall(rb"<< /Type /Page /Parent 2 0 R ", data))
    assert int(re.search(rb"/Type /Pages /Kids \[[^\]]*\] /Count (\d+)", data).group(1)) == pages
    return pages


def text(data: bytes) -> str:
    """The lines a PDF of cli/pdf.py shows, in order: its string literals, unescaped and decoded."""
    lines = []
    for stream in re.findall(rb"\nstream\n(.*?)\nendstream", data, re.S):
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", stream):
            lines.append(re.sub(rb"\\(.)", rb"\1", literal).decode("cp1252"))
    return "\n".join(lines)
