"""Identifier and password policy."""

from __future__ import annotations

import string
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mes_cli.contract.errors import MesError
from mes_cli.domain.credentials import (
    PersonalData,
    suggest_identifiers,
    validate_identifier,
    validate_password,
    weak_password_message,
)

NIR = "295109912611193"
JEANNE = PersonalData("Jeanne", "Dupont", date(1990, 3, 12), NIR)
STRONG = "Velo!Rouge7"


def identifier_error(raw: str, nir: str | None = None) -> MesError:
    with pytest.raises(MesError) as caught:
        validate_identifier(raw, nir=nir)
    assert caught.value.code == "INVALID_IDENTIFIER"
    assert caught.value.details == {"field": "identifier"}
    return caught.value


def weak_reasons(password: str, personal: PersonalData | None = None) -> list[str]:
    with pytest.raises(MesError) as caught:
        validate_password(password, personal)
    error = caught.value
    assert error.code == "WEAK_PASSWORD"
    assert error.details["field"] == "password"
    return error.details["reasons"]


# --- identifier --------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["jeanne.dupont", "j_dupont-75", "12345678", "a" * 100, "fr76123456789", "fr76.1234567890"],
)
def test_valid_identifiers(raw: str) -> None:
    assert validate_identifier(raw, nir=NIR) == raw


def test_surrounding_whitespace_is_dropped() -> None:
    assert validate_identifier("  jeanne.dupont\n") == "jeanne.dupont"


@pytest.mark.parametrize(("raw", "length"), [("jdupont", 7), ("", 0), ("a" * 101, 101)])
def test_identifier_length(raw: str, length: int) -> None:
    message = identifier_error(raw).message
    assert "8 to 100 characters" in message and f"has {length}" in message


def test_uppercase_is_reported_not_lowered() -> None:
    assert "lowercase" in identifier_error("Jeanne.Dupont").message


@pytest.mark.parametrize("raw", ["jeanne@example.fr", "jeanne.dupont@free"])
def test_email_address_is_impossible(raw: str) -> None:
    assert "e-mail address" in identifier_error(raw).message


@pytest.mark.parametrize(
    "raw", ["jeanne dupont", "hélène.dupont", "jeanne+dupont", "jeanne/dupont"]
)
def test_forbidden_characters(raw: str) -> None:
    message = identifier_error(raw).message
    assert "lowercase letters, digits, dot (.), underscore (_) and hyphen (-)" in message


def test_identifier_must_not_be_the_nir() -> None:
    assert "NIR" in identifier_error(NIR, nir="2 95 10 99 126 111 93").message
    assert "NIR" in identifier_error("253072a07300443", nir="253072A07300443").message


def test_nir_rule_needs_the_nir() -> None:
    assert validate_identifier(NIR) == NIR


@pytest.mark.parametrize(
    "raw", ["fr761234567890", "FR7630006000011234567890189", "iban.fr7612345678901234"]
)
def test_identifier_must_not_look_like_an_iban(raw: str) -> None:
    assert "IBAN" in identifier_error(raw).message


# --- suggestions -------------------------------------------------------------------


def test_suggestions_follow_the_name() -> None:
    assert suggest_identifiers("Jeanne", "Dupont", lambda _: False) == [
        "jeanne.dupont",
        "jeanne.dupont2",
        "j.dupont",
    ]


def test_suggestions_skip_taken_identifiers_and_strip_accents() -> None:
    taken = {"helene.lefevre", "helene.lefevre2"}
    suggestions = suggest_identifiers("Hélène", "Lefèvre", taken.__contains__, count=4)
    assert suggestions == ["h.lefevre", "helene-lefevre", "helene_lefevre", "h.lefevre2"]


def test_suggestions_for_short_and_compound_names_are_valid() -> None:
    assert suggest_identifiers("Li", "Wu", lambda _: False, count=2) == ["li.wu001", "li.wu002"]
    assert suggest_identifiers("Jean-Pierre", "Le Gall", lambda _: False, count=1) == [
        "jean-pierre.le-gall"
    ]


def test_suggestions_without_a_usable_name() -> None:
    assert suggest_identifiers("", "", lambda _: False, count=2) == ["utilisateur", "utilisateur2"]


def test_suggestions_end_when_everything_is_taken() -> None:
    asked: list[str] = []
    assert suggest_identifiers("Jeanne", "Dupont", lambda c: asked.append(c) or True) == []
    assert len(asked) == len(set(asked))  # each candidate is looked up once


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=30), st.text(max_size=30), st.integers(0, 5))
def test_suggestions_always_pass_validation(first: str, last: str, count: int) -> None:
    suggestions = suggest_identifiers(first, last, lambda _: False, count=count)
    assert len(suggestions) == count
    assert len(set(suggestions)) == count
    for suggestion in suggestions:
        assert validate_identifier(suggestion) == suggestion


# --- password ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "password", [STRONG, "Tr0ub4dor&3x", "correct Horse battery staple 9", "Aé1!" * 32]
)
def test_strong_passwords_are_returned_unchanged(password: str) -> None:
    assert validate_password(password, JEANNE) == password


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Velo!Ro7", "too_short"),
        ("Velo!Rouge7" + "x" * 118, "too_long"),
        ("VELO!ROUGE7", "no_lowercase"),
        ("velo!rouge7", "no_uppercase"),
        ("Velo!Rouge", "no_digit"),
        ("VeloRouge7", "no_special"),
    ],
)
def test_each_composition_rule(password: str, reason: str) -> None:
    assert weak_reasons(password) == [reason]


def test_128_characters_are_accepted_and_never_truncated() -> None:
    password = "Velo!Rouge7" + "x" * 117
    assert len(password) == 128
    assert validate_password(password) == password


def test_all_reasons_are_collected_in_one_error() -> None:
    assert weak_reasons("abc") == ["too_short", "no_uppercase", "no_digit", "no_special", "common"]


def test_message_does_not_repeat_the_password() -> None:
    for password in ("Jeanne!Velo7", "Password123!", "velorouge", "Velo!Ro7"):
        with pytest.raises(MesError) as caught:
            validate_password(password, JEANNE)
        assert password not in caught.value.message
        assert password.lower() not in caught.value.message.lower()


def test_message_lists_the_reasons_in_words() -> None:
    with pytest.raises(MesError) as caught:
        validate_password("velorouge")
    message = caught.value.message
    assert "no uppercase letter" in message
    assert "no digit" in message
    assert "no special character" in message
    assert "9 to 128 characters" in message


@pytest.mark.parametrize(
    "password",
    [
        "Jeanne!Velo7",  # first name
        "jEANNE!velo7",  # case-insensitive
        "Velo#Dupont7",  # last name
        "Velo#12031990",  # ddmmyyyy
        "Velo#19900312a",  # yyyymmdd
        "Velo#12/03/1990",  # dd/mm/yyyy
        "Velo#1990-03-12",  # yyyy-mm-dd
        "Velo#120390a",  # ddmmyy
        "Velo#109912x",  # 6-digit run of the NIR
    ],
)
def test_personal_data_is_refused(password: str) -> None:
    assert weak_reasons(password, JEANNE) == ["personal_data"]


def test_personal_data_is_accent_insensitive() -> None:
    helene = PersonalData(first_name="Hélène", last_name="Lefèvre")
    assert weak_reasons("Helene!2024x", helene) == ["personal_data"]
    assert weak_reasons("Velo!LEFEVRE7", helene) == ["personal_data"]


def test_short_name_parts_are_not_personal_data() -> None:
    li = PersonalData(first_name="Li", last_name="Wu")
    assert validate_password("Livre!Wumpus7", li) == "Livre!Wumpus7"


def test_compound_names_are_checked_part_by_part() -> None:
    jp = PersonalData(first_name="Jean-Pierre")
    assert weak_reasons("Pierre!Velo7", jp) == ["personal_data"]


def test_personal_data_needs_personal() -> None:
    assert validate_password("Jeanne!Velo7") == "Jeanne!Velo7"


@pytest.mark.parametrize(
    "password",
    ["Password123!", "Azerty!2024", "Motdepasse1!", "!Soleil2024", "Marseille13#",
     "Mon coeur1", "P@ssw0rd2024"],
)
def test_common_passwords_are_refused(password: str) -> None:
    assert weak_reasons(password) == ["common"]


def test_common_password_list_has_french_entries() -> None:
    from mes_cli.domain.credentials import _common_passwords

    common = _common_passwords()
    assert len(common) >= 300
    french = {"azerty", "motdepasse", "soleil", "doudou", "marseille", "chouchou", "loulou"}
    assert french <= common


lowers = st.text(string.ascii_lowercase, min_size=2, max_size=10)
uppers = st.text(string.ascii_uppercase, min_size=1, max_size=5)
specials = st.sampled_from("!#$%&*+-./:;=?@_~ ")


@settings(max_examples=60, deadline=None)
@given(uppers, lowers, specials, st.integers(0, 99), lowers)
def test_generated_strong_passwords_pass(
    upper: str, head: str, special: str, number: int, tail: str
) -> None:
    # The special character and digit sit between letters, so no stripped form is common.
    password = f"{upper}{head}{special}{number}{tail}"
    if len(password) >= 9:
        assert validate_password(password) == password


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=8))
def test_fewer_than_9_characters_always_fail(password: str) -> None:
    assert "too_short" in weak_reasons(password, JEANNE)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=140))
def test_messages_never_contain_the_password(password: str) -> None:
    # The message is a function of the reason codes alone, so it cannot carry the password
    # (a plain "not in" test would fail for passwords such as "has no d").
    try:
        validate_password(password, JEANNE)
    except MesError as error:
        assert error.message == weak_password_message(error.details["reasons"])
        assert set(error.details) == {"field", "reasons"}
        if any(not c.isascii() for c in password):
            assert password not in error.message
