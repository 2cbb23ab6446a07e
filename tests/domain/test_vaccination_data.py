"""The vaccination reference data: catalogue, calendar file, look-up, search, dose dates."""

from __future__ import annotations

import copy
import json
import unicodedata
from datetime import date
from importlib.resources import files

import pytest

from mes_cli.contract.errors import MesError
from mes_cli.domain.vaccination import (
    Calendar,
    Vaccine,
    calendar,
    catalogue,
    editions,
    find_vaccine,
    search_vaccines,
    validate_dose_date,
)
from mes_cli.domain.vaccination.ages import Age

CODES = {v.code for v in catalogue()}


def raw_calendar() -> dict:
    return json.loads((files("mes_cli.domain.vaccination") / "data" / "calendar-2025.json").read_text("utf-8"))


# --- the calendar file ---------------------------------------------------------------


def test_source_and_edition() -> None:
    cal = calendar()
    assert cal.source == "Calendrier des vaccinations et recommandations vaccinales 2025, Ministère de la Santé"
    assert cal.edition == "2025"
    assert editions() == ["2025"]


def test_every_rule_refers_to_a_known_vaccine() -> None:
    cal = calendar()
    assert cal.rules
    for rule in cal.rules:
        assert rule.vaccine in CODES, rule.id
        assert rule.after_catch_up is None or rule.after_catch_up in CODES, rule.id
    assert all(track.counts in CODES for track in cal.tracks.values())
    assert len({rule.id for rule in cal.rules}) == len(cal.rules)


def test_the_domain_table_is_in_the_data() -> None:
    """Each line of DOMAIN.md §4's table is a rule (vaccine, age) of the 2025 edition."""
    rules = {(r.vaccine, r.due, r.due_until) for r in calendar().rules}
    months, years = (lambda n: Age(months=n)), (lambda n: Age(years=n))
    table = [
        ("HEXA", months(2), None), ("PCV", months(2), None),
        ("MENB", months(3), None),
        ("HEXA", months(4), None), ("PCV", months(4), None),
        ("MENB", months(5), None),
        ("MENACWY", months(6), None),
        ("HEXA", months(11), None), ("PCV", months(11), None),
        ("ROR", months(12), None), ("MENB", months(12), None), ("MENACWY", months(12), None),
        ("ROR", months(16), months(18)),
        ("DTCAPOLIO", years(6), None),
        ("DTCAPOLIO_RAPPEL", years(11), Age(years=14, days=-1)),
        ("HPV", years(11), Age(years=15, days=-1)),
        ("MENACWY", years(11), Age(years=15, days=-1)),
        ("DTCAPOLIO_RAPPEL", years(25), None), ("DTPOLIO", years(45), None), ("DTPOLIO", years(65), None),
        ("GRIPPE", years(65), None), ("COVID19", years(65), None),
        ("PNEUMO_ADULTE", years(65), None), ("ZONA", years(65), None),
    ]
    assert [line for line in table if line not in rules] == []
    by_id = {r.id: r for r in calendar().rules}
    assert by_id["dtp-65"].then_every == Age(years=10)
    assert by_id["hpv-2"].min_interval == Age(months=5)
    assert by_id["hpv-1"].catch_up_ends == Age(years=27)  # to 26 years completed
    assert by_id["dtp-25"].catch_up_ends == Age(years=40)  # pertussis to 39 years completed
    assert [r.dose for r in calendar().rules if r.series == "zona"] == ["dose 1", "dose 2"]


def test_ours_choices_are_marked_in_the_data() -> None:
    raw = raw_calendar()
    assert all("[ours]" in note for note in raw["settings"]["notes"].values())
    seasonal = [r for r in raw["rules"] if r.get("kind") == "seasonal"]
    assert {r["vaccine"] for r in seasonal} == {"GRIPPE", "COVID19"}
    assert all("[ours]" in r["note"] for r in seasonal)
    assert "rattrapage des rappels dTP" in raw["booster_tracks"][0]["note"]


def test_every_rule_names_its_source_and_the_file_says_what_it_leaves_out() -> None:
    cal = calendar()
    assert all(rule.source in cal.sources for rule in cal.rules)
    assert all(cal.citation(rule).startswith(("Calendrier", "Décret", "HAS", "ANSM", "Code")) for rule in cal.rules)
    left_out = " ".join(item["what"] for item in cal.left_out).lower()
    assert all(word in left_out for word in ("risk groups", "pregnancy", "travellers", "professional"))
    assert all(item["why"] for item in cal.left_out)


def test_cohorts_transitions_and_schemes_are_data() -> None:
    by_id = {r.id: r for r in calendar().rules}
    assert by_id["ror-1"].born_on_or_after == date(1980, 1, 1) and by_id["ror-1"].valid_from == Age(months=12)
    assert [(a.vaccine, a.given_before) for a in by_id["menacwy-1"].accepts] == [("MENC", date(2025, 1, 1))]
    assert by_id["menb-1"].catch_up_ends == Age(years=5) == by_id["menacwy-12m"].catch_up_ends
    assert by_id["menacwy-ado"].catch_up_ends == Age(years=25)  # catch-up to 24 years completed
    assert by_id["dtp-25"].after_catch_up == "DTPOLIO" and "39 years" in by_id["dtp-25"].after_catch_up_why
    schemes = calendar().schemes
    assert [s.name for s in schemes["hpv"]] == ["11-14 years", "15-26 years"]
    assert [r.dose for r in calendar().rules if r.scheme == "15-26 years"] == ["dose 1", "dose 2", "dose 3"]
    assert [s.name for s in schemes["menb"]] == ["infant", "from 6 months", "from 12 months", "from 2 years"]
    assert {"VRS", "ROTAVIRUS", "HEPB"} <= {r.vaccine for r in calendar().rules}


def test_unknown_edition() -> None:
    with pytest.raises(MesError) as caught:
        calendar("1999")
    assert caught.value.code == "VALIDATION_ERROR"
    assert caught.value.details == {"field": "edition"}
    assert "2025" in caught.value.message


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda raw: raw["rules"][0].update(vaccine="NOPE"), "unknown vaccine code"),
        (lambda raw: raw["rules"][0].update(typo=1), "unknown keys"),
        (lambda raw: raw["rules"][1].update(id=raw["rules"][0]["id"]), "appears twice"),
        (lambda raw: raw["rules"][0].update(due={"weeks": 8}), "an age is"),
        (lambda raw: raw.pop("source"), "source"),
        (lambda raw: raw["rules"][0].update(kind="sometimes"), "kind"),
        (lambda raw: raw["rules"][0].update(source="nowhere"), "source 'nowhere'"),
        (lambda raw: next(r for r in raw["rules"] if r["series"] == "hpv").update(scheme="adults"), "scheme"),
        (lambda raw: raw["rules"][0].update(accepts=[{"vaccine": "NOPE"}]), "unknown vaccine code"),
    ],
)
def test_bad_calendar_data_fails_loudly(change, complaint: str) -> None:
    raw = copy.deepcopy(raw_calendar())
    change(raw)
    with pytest.raises(ValueError, match=complaint):
        Calendar.from_dict(raw)


# --- the catalogue --------------------------------------------------------------------


def test_catalogue_entries_are_complete() -> None:
    vaccines = catalogue()
    assert all(isinstance(v, Vaccine) for v in vaccines)
    for v in vaccines:
        assert v.code.isascii() and v.code == v.code.upper(), v.code
        assert v.name and v.label and v.diseases, v.code
    assert {"HEXA", "PCV", "MENB", "MENACWY", "ROR", "DTCAPOLIO", "DTCAPOLIO_RAPPEL", "DTPOLIO", "HPV",
            "GRIPPE", "COVID19", "PNEUMO_ADULTE", "ZONA", "BCG", "HEPB", "VARICELLE", "FIEVRE_JAUNE",
            "HEPA", "TYPHOIDE", "RAGE", "ROTAVIRUS"} <= CODES
    brands = {alias for v in vaccines for alias in v.aliases}
    assert {"Infanrix Hexa", "Hexyon", "Vaxelis", "Prevenar 13", "Prevenar 20", "Bexsero", "Nimenrix",
            "MenQuadfi", "Priorix", "M-M-RvaxPro", "Gardasil 9", "Repevax", "Boostrixtetra", "Revaxis",
            "Shingrix", "Efluelda", "Comirnaty"} <= brands


def test_atc_codes_and_substitutes() -> None:
    by_code = {v.code: v for v in catalogue()}
    assert by_code["HEXA"].atc == "J07CA09" and by_code["MENACWY"].atc == "J07AH08" and by_code["HPV"].atc == "J07BM"
    assert all(v.atc.startswith("J07") for v in catalogue() if v.atc)
    assert by_code["DTPOLIO"].substitute == "DTCAPOLIO_RAPPEL"  # Revaxis withdrawn in 2024
    assert find_vaccine("Capvaxive").code == "PNEUMO_VPC21" and "PNEUMO_ADULTE" in by_code["PNEUMO_VPC21"].counts_as


def test_every_spelling_finds_its_own_vaccine() -> None:
    for v in catalogue():
        for spelling in (v.code, v.code.lower(), v.name, *v.aliases):
            assert find_vaccine(spelling) is v, spelling


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("hexa", "HEXA"),
        ("infanrix-hexa", "HEXA"),
        ("  GARDASIL 9 ", "HPV"),
        ("mmr vaxpro", "ROR"),
        ("dtcapolio_rappel", "DTCAPOLIO_RAPPEL"),
        ("dTcaPolio", "DTCAPOLIO_RAPPEL"),  # reduced doses: adults
        ("DTCaPolio", "DTCAPOLIO"),  # full doses: children
        ("dtcapolio", "DTCAPOLIO"),  # case ignored: the code wins
        ("Vaccin contre l'hepatite B", "HEPB"),  # accents ignored
        ("FIÈVRE_JAUNE", "FIEVRE_JAUNE"),
        ("Prevenar 20", "PNEUMO_ADULTE"),
    ],
)
def test_find_vaccine(query: str, code: str) -> None:
    assert find_vaccine(query).code == code


def test_find_unknown_vaccine_suggests_close_names() -> None:
    with pytest.raises(MesError) as caught:
        find_vaccine("Gardasill")
    error = caught.value
    assert error.code == "UNKNOWN_VACCINE"
    assert error.details["field"] == "vaccine"
    assert "HPV" in error.details["suggestions"]
    assert "Gardasil" in error.message and "did you mean" in error.message


def test_find_unknown_vaccine() -> None:
    with pytest.raises(MesError) as caught:
        find_vaccine("unknown")
    error = caught.value
    assert (error.code, error.details["field"]) == ("UNKNOWN_VACCINE", "vaccine")
    assert isinstance(error.details["suggestions"], list)
    assert "'unknown'" in error.message and "Search the catalogue" in error.message


def test_find_empty_vaccine() -> None:
    with pytest.raises(MesError) as caught:
        find_vaccine("  ")
    assert (caught.value.code, caught.value.details["field"]) == ("VALIDATION_ERROR", "vaccine")
    assert "empty" in caught.value.message


def test_suggestions_also_come_from_substrings() -> None:
    with pytest.raises(MesError) as caught:
        find_vaccine("rougeole")  # a disease, not a vaccine name: search proposes ROR
    assert caught.value.details["suggestions"] == ["ROR"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("gardasil", {"HPV"}),
        ("ROR", {"ROR", "RAGE"}),  # "ror" is inside "Verorab"
        ("rougeole", {"ROR"}),
        ("ROUGÉOLE", {"ROR"}),
        ("hepatite", {"HEXA", "HEPB", "HEPA", "HEPAB"}),
        ("zona", {"ZONA"}),
        ("méningocoque B", {"MENB"}),
    ],
)
def test_search_vaccines(query: str, expected: set[str]) -> None:
    assert {v.code for v in search_vaccines(query)} == expected


def test_search_puts_exact_matches_first() -> None:
    assert [v.code for v in search_vaccines("ror")] == ["ROR", "RAGE"]
    assert search_vaccines("Gardasil")[0].code == "HPV"


def test_search_pertussis() -> None:
    assert {"HEXA", "DTCAPOLIO", "DTCAPOLIO_RAPPEL"} <= {v.code for v in search_vaccines("coqueluche")}
    assert "DTPOLIO" not in {v.code for v in search_vaccines("coqueluche")}


def test_empty_search_is_everything() -> None:
    assert search_vaccines("") == catalogue() == search_vaccines("   ")


def test_search_decomposed_accents() -> None:
    assert {v.code for v in search_vaccines(unicodedata.normalize("NFD", "fièvre jaune"))} == {"FIEVRE_JAUNE"}


# --- dose dates -----------------------------------------------------------------------

BIRTH, TODAY = date(2020, 5, 5), date(2025, 6, 15)


@pytest.mark.parametrize("day", [BIRTH, date(2021, 1, 1), TODAY])
def test_dose_dates_accepted(day: date) -> None:
    assert validate_dose_date(day, BIRTH, TODAY) == day


@pytest.mark.parametrize(
    ("day", "words"),
    [(date(2020, 5, 4), "before the date of birth (05/05/2020)"), (date(2025, 6, 16), "in the future")],
)
def test_dose_dates_refused(day: date, words: str) -> None:
    with pytest.raises(MesError) as caught:
        validate_dose_date(day, BIRTH, TODAY)
    assert caught.value.code == "INVALID_DATE"
    assert caught.value.details == {"field": "date"}
    assert words in caught.value.message
