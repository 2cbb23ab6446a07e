"""The one PDF writer (cli/pdf.py): lines wrapped within the margins, pages cut as they fill, any text safe."""

from __future__ import annotations

import datetime as dt

from mes_cli.cli.pdf import MARGIN, PAGE_WIDTH, STYLES, Line, document, text_width, wrap
from support import pdf

WHEN = dt.datetime(2025, 3, 12, 9, 30)


def test_long_paragraphs_wrap_within_the_margins():
    words = "Pénicilline urticaire œdème WWWWWW 0123456789 " * 20
    for style in STYLES.values():
        lines = wrap(words, style, PAGE_WIDTH - 2 * MARGIN)
        assert len(lines) > 1 and " ".join(lines) == " ".join(words.split())
        assert all(text_width(line, style) <= PAGE_WIDTH - 2 * MARGIN for line in lines)


def test_a_word_wider_than_the_page_is_cut_and_a_no_break_space_holds():
    style = STYLES["body"]
    lines = wrap("x" * 400, style, 200)
    assert "".join(lines) == "x" * 400 and all(text_width(line, style) <= 200 for line in lines)
    assert all(not line.startswith("—") for line in wrap("mot\u00a0— " * 60, style, 200))


def test_a_long_document_runs_over_numbered_pages():
    data = document([Line("Titre", "title"), *(Line(f"entrée {n}") for n in range(120))], title="Profil", when=WHEN)
    pages = pdf.check_structure(data)
    shown = pdf.text(data)
    assert pages == 3 and f"Profil — 1/{pages}" in shown and f"Profil — {pages}/{pages}" in shown
    assert [line for line in shown.splitlines() if line.startswith("entrée")] == [f"entrée {n}" for n in range(120)]


def test_one_page_has_no_page_number_and_any_text_is_safe():
    data = document([Line("Dose (rappel) \\ lot: AB(12", "heading"), Line("日本 ok\tfin")], title="T", when=WHEN)
    assert pdf.check_structure(data) == 1
    assert pdf.text(data).splitlines() == ["Dose (rappel) \\ lot: AB(12", "?? ok fin"]
    assert b"/CreationDate (D:20250312093000Z)" in data
