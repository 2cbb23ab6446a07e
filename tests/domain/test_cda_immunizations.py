"""The vaccinations a CDA records (IHE PCC Immunizations entries), and the doses the booklet keeps
of them: products mapped to the catalogue only by an exact ATC code, impossible dates left out."""

from __future__ import annotations

import datetime as dt

from mes_cli.domain.cda import Code, parse_cda
from mes_cli.domain.cda.immunizations import Immunization
from mes_cli.domain.vaccination import doses_from, vaccine_for_atc
from support.ans import ans_cda

BIRTH, TODAY = dt.date(1979, 3, 28), dt.date(2026, 12, 6)


def test_the_ans_vaccination_history_records_four_administrations_as_given():
    found = parse_cda(ans_cda("VAC_2023")).immunizations
    assert [(i.raw_date[:8], i.product.code, i.lot, i.dose_rank) for i in found] == [
        ("1975", "61077869", "235421176", 1), ("20090928", "68747507", "4456668", 1),
        ("20090928", "68747507", "4456672", 2), ("20210409", "61920725", "357904636", 1)]
    bcg, tetanus, *_ = found
    assert bcg.date is None and tetanus.date == dt.date(2009, 9, 28)
    assert tetanus.atc == "J07AM" and tetanus.performer.startswith("Dr Charles MULLER")
    assert "TETANIQUE" in tetanus.product_name


def test_the_vaccination_note_records_one_and_other_documents_none():
    (note,) = parse_cda(ans_cda("VAC-NOTE")).immunizations
    assert note.date == dt.date(2009, 9, 28) and note.dose_rank == 2 and note.lot == "4456672"
    assert parse_cda(ans_cda("TSH")).immunizations == ()


def _given(day: dt.date | None, atc: str | None = "J07BD52", raw: str | None = None) -> Immunization:
    return Immunization(date=day, raw_date=raw or (day.strftime("%Y%m%d") if day else None),
                        product=Code("123", "1.2.250.1.213.2.3.1", "Produit", "CIS"), product_name="Produit",
                        atc=atc, lot="L1", performer="Dr X", dose_rank=1, booster=False)


def test_doses_keep_what_can_be_placed_and_say_why_the_others_are_left_out():
    doses, notes = doses_from([_given(dt.date(2000, 1, 1)), _given(dt.date(1970, 1, 1)),
                               _given(dt.date(2027, 1, 1)), _given(None, raw="1975")], BIRTH, TODAY)
    assert [d.date for d in doses] == [dt.date(2000, 1, 1)] and doses[0].vaccine == "ROR"
    assert len(notes) == 3
    assert "before the date of birth" in notes[0] and "future" in notes[1] and "1975" in notes[2]


def test_a_product_counts_as_a_catalogue_vaccine_only_by_an_exact_unambiguous_atc_code():
    assert vaccine_for_atc("J07BD52").code == "ROR"
    assert vaccine_for_atc("J07AM") is None, "a group of vaccines names none of them"
    assert vaccine_for_atc("J07CA02") is None, "two catalogue entries share it"
    assert vaccine_for_atc(None) is None
    (dose,), _ = doses_from([_given(dt.date(2009, 9, 28), atc="J07AM")], BIRTH, TODAY)
    assert dose.vaccine == "" and dose.product_code == "123" and dose.product_name == "Produit"
