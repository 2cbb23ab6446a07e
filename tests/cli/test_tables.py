"""Tables are for people (fitted to the terminal, few columns, their language); CSV and JSON for programs
(every field, English keys and codes); global options are read wherever they are typed."""

from __future__ import annotations

import csv
import io

import pytest

from mes_cli import i18n
from mes_cli.cli.output import TableChoice, render
from support import files
from support.flows import active_person

DOCUMENT = {"id": "d_0123456789abcdef", "title": "Compte rendu de consultation de cardiologie pédiatrique",
            "category": "CPT_REND", "document_date": "2024-03-12", "hidden": False, "size": 1234,
            "created_at": "2024-03-12T08:30:00Z", "author": {"name": "Dr Claire Dubois", "rpps": "10101234567"},
            "diseases": ["diphtérie", "tétanos"], "sha256": "ab" * 32}
COLUMNS = ["id", "title", "category", "document_date", "hidden"]


def _render(value, fmt="table", defaults=COLUMNS, **choice) -> str:
    out = io.StringIO()
    render(value, fmt, out, defaults, TableChoice(**choice))
    return out.getvalue()


@pytest.fixture
def in_french():
    token = i18n.use("fr")
    yield
    i18n.restore(token)


def test_a_table_fits_the_width_and_never_cuts_ids_or_dates():
    wide = _render([DOCUMENT] * 2, width=None)
    assert "Compte rendu de consultation de cardiologie pédiatrique" in wide  # no terminal: nothing cut
    narrow = _render([DOCUMENT] * 2, width=60).splitlines()
    assert all(len(line) <= 60 for line in narrow), narrow
    assert "d_0123456789abcdef" in narrow[2] and "2024-03-12" in narrow[2] and "…" in narrow[2]


def test_a_table_shows_the_few_columns_by_default_and_more_on_request():
    default = _render([DOCUMENT]).splitlines()[0].split()
    assert default == COLUMNS
    assert "sha256" in _render([DOCUMENT], wide=True).splitlines()[0]
    assert _render([DOCUMENT], columns=("title", "size")).splitlines()[0].split() == \
        ["title", "size"]


def test_values_read_as_text_in_a_table():
    table = _render([DOCUMENT], wide=True)
    assert "diphtérie, tétanos" in table and '["' not in table  # a list is words, not JSON
    assert "Dr Claire Dubois" in table and " no " in f" {table} "
    sheet = _render(DOCUMENT, defaults=None)  # one record: a sheet of label and value
    assert "author.name  " in sheet and "Dr Claire Dubois" in sheet


def test_table_headers_and_known_codes_speak_french(in_french):
    table = _render([{"status": "overdue", "vaccine": "ROR", "hidden": True, "severity": "severe"}], defaults=None)
    header, _rule, row = table.splitlines()
    assert header.split() == ["statut", "vaccin", "masqué", "gravité"]
    assert row.split() == ["en", "retard", "ROR", "oui", "sévère"]


def test_csv_carries_every_field_with_booleans_as_true_false():
    rows = list(csv.DictReader(io.StringIO(_render([DOCUMENT], "csv"))))
    assert set(DOCUMENT) - {"author"} <= set(rows[0]) and rows[0]["author.rpps"] == "10101234567"
    assert rows[0]["hidden"] == "false" and rows[0]["diseases"] == '["diphtérie", "tétanos"]'
    assert rows[0]["created_at"] == "2024-03-12T08:30:00Z"  # programs get the wire value
    chosen = list(csv.reader(io.StringIO(_render([DOCUMENT], "csv", columns=("id", "hidden")))))
    assert chosen == [["id", "hidden"], ["d_0123456789abcdef", "false"]]


def test_csv_and_json_stay_english_in_french(in_french):
    assert _render([{"status": "overdue", "hidden": True}], "csv", defaults=None) == "status,hidden\noverdue,true\n"


def test_global_options_are_read_after_the_command_too(local_mes, tmp_path):
    active_person(local_mes)
    local_mes.ok("docs", "upload", str(files.write(tmp_path / "in", "bilan.pdf", files.pdf("bilan"))))
    before = local_mes("--format", "csv", "docs", "list")
    assert before.exit_code == 0 and before.stdout.startswith("id,title,category,document_date,uploaded_by,hidden,")
    after = local_mes("docs", "list", "--columns", "id,title", "--quiet", "--format", "csv")
    assert after.exit_code == 0 and after.stdout.splitlines()[0] == "id,title"
    nested = local_mes("docs", "--columns=title", "list", "--format", "csv")
    assert nested.stdout.splitlines() == ["title", "bilan"]


def test_an_unknown_column_is_a_usage_error_naming_those_there_are(local_mes, tmp_path):
    active_person(local_mes)
    local_mes.ok("docs", "upload", str(files.write(tmp_path / "in", "bilan.pdf", files.pdf("bilan"))))
    result = local_mes("docs", "list", "--columns", "id,nope", "--format", "table")
    assert result.exit_code == 2 and "nope" in result.stderr and "document_date" in result.stderr


def test_a_command_keeps_its_own_option_of_a_global_name(local_mes):
    """`mes api` has no --for, but `mes children link` has --code; a global option is moved only when the
    command does not declare it: `--format` of `docs list` is the command's own and wins over the root's."""
    from mes_cli.cli.app import app
    from mes_cli.cli.placement import hoist_global_options
    import typer

    root = typer.main.get_command(app)
    assert hoist_global_options(root, ["docs", "list", "--for", "Léo", "-f", "csv"]) == \
        ["--for", "Léo", "docs", "list", "-f", "csv"]
    assert hoist_global_options(root, ["api", "GET", "/v1/me", "--", "--for", "x"]) == \
        ["api", "GET", "/v1/me", "--", "--for", "x"]
    assert hoist_global_options(root, ["--quiet", "docs", "upload", "--title", "--wide", "a.pdf", "--wide"]) == \
        ["--wide", "--quiet", "docs", "upload", "--title", "--wide", "a.pdf"]
