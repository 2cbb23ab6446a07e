"""The type code → MES category table: its source, its categories, and the ANS examples it must cover."""

from __future__ import annotations

import pytest

from mes_cli.domain import doctypes
from mes_cli.domain.categories import CATEGORIES, DEFAULT_CATEGORY
from mes_cli.domain.doctypes import category_for, class_code_for, label_for
from mes_cli.domain.xdm import XdmArchive
from support.ans import ans_archives

# The category each class code of TRE_A03-ClasseDocument leads to when nothing more specific is said.
CLASS_DEFAULT = {"10": "CPT_REND", "11": "SYNTHESE", "31": "RADIO_SC", "42": "ORD_SOIN", "43": "ORD_SOIN",
                 "44": "ORD_SOIN", "45": "ORD_SOIN", "52": "CERT_MED", "60": "DOC_ADM", "95": "DOC_ADM",
                 "90": "AUTR_DOC", "99": "AUTR_DOC"}


def _fixture_type_codes() -> dict[str, str]:
    codes = {}
    for path in ans_archives():
        with XdmArchive(path) as archive:
            for document in archive.documents():
                codes[document.entry.type_code.code] = path.stem
    return codes


FIXTURE_CODES = _fixture_type_codes()


def test_the_table_says_where_it_comes_from() -> None:
    table = doctypes.table()
    assert "JDV_J07-XdsTypeCode-CISIS" in table["source"]["name"]
    assert table["source"]["url"].startswith("https://mos.esante.gouv.fr/NOS/JDV_J07-XdsTypeCode-CISIS")
    assert table["source"]["version"] and table["edition"]
    assert "ASS_X04" in table["source"]["class_codes"]["name"]
    assert len(table["types"]) > 100


def test_every_category_in_the_table_is_a_mes_category() -> None:
    for code, entry in doctypes.table()["types"].items():
        assert entry["category"] in CATEGORIES, code
        assert entry["label"].strip(), code


def test_every_judgement_call_is_explained() -> None:
    """A category that does not follow from the ANS class code, or a type without one, carries a note."""
    for code, entry in doctypes.table()["types"].items():
        klass = entry.get("class_code")
        if klass is None or CLASS_DEFAULT[klass] != entry["category"]:
            assert entry.get("note"), code


@pytest.mark.parametrize("code", sorted(FIXTURE_CODES))
def test_every_type_of_the_ans_examples_has_a_real_category(code) -> None:
    assert len(FIXTURE_CODES) >= 15
    assert category_for(code) != DEFAULT_CATEGORY, FIXTURE_CODES[code]
    assert label_for(code)


@pytest.mark.parametrize(("code", "category"), [
    ("11502-2", "BIOLOGIE"), ("18748-4", "RADIO_SC"), ("57833-6", "ORD_SOIN"), ("89601-9", "CERT_MED"),
    ("CERT_DECL", "CERT_MED"), ("11488-4", "CPT_REND"), ("11490-0", "CPT_REND"), ("34133-9", "CPT_REND"),
    ("60591-5", "SYNTHESE"), ("11369-6", "DEPISTAG"), ("87273-9", "DEPISTAG"), ("75492-9", "DEPISTAG"),
    ("EXPPAT_3", "DIR_ANT"), ("74465-6", "QUEST_SANTE"), ("51851-4", "DOC_ADM"), ("REMB", "DOC_ADM"),
    ("DOCPAT08", "SYNTH_PML"), ("96173-0", "BIOLOGIE"), ("60593-1", "ORD_SOIN"),
])
def test_known_categories(code, category) -> None:
    assert category_for(code) == category


@pytest.mark.parametrize("code", [None, "", "   ", "00000-0", "not a code", "cert_decl-x"])
def test_unknown_types_are_other_documents(code) -> None:
    assert category_for(code) == "AUTR_DOC"
    assert label_for(code) is None


def test_labels_and_class_codes() -> None:
    assert label_for("11502-2") == "CR d'examens biologiques"
    assert label_for(" 11502-2 ") == "CR d'examens biologiques"
    assert label_for("cert_decl") == "Certificat, déclaration"  # the ANS' own codes are upper case
    assert class_code_for("11502-2") == "10"
    assert class_code_for("60280-5") is None
    assert "11502-2" in doctypes.known_types()


def test_the_file_is_read_once() -> None:
    assert doctypes.table() is doctypes.table()
