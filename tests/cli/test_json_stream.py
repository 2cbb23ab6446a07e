"""A bulk command's JSON results are written row by row (cli/output.py write_json_array): the same text
as the whole list rendered at once, without the list or its text in memory."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings, strategies as st

from mes_cli.cli.output import render, write_json_array

SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=12)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                                          max_size=3), max_leaves=8)


def _both(rows: list) -> tuple[str, str]:
    streamed, whole = io.StringIO(), io.StringIO()
    write_json_array(iter(rows), streamed)
    render(rows, "json", whole)
    return streamed.getvalue(), whole.getvalue()


@pytest.mark.parametrize("rows", [[], [{}], [{"path": "a/é.pdf", "notes": ["x\ny"], "document": {"id": "d_1"}}], [1, "two"]])
def test_the_streamed_array_is_the_rendered_one(rows):
    streamed, whole = _both(rows)
    assert streamed == whole


@settings(max_examples=60, deadline=None)
@given(st.lists(VALUES, max_size=4))
def test_any_rows_stream_to_the_same_text(rows):
    streamed, whole = _both(rows)
    assert streamed == whole
