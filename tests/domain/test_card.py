"""Carte Vitale serial rules: lengths by card type and the typical mistakes refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mes_cli.contract.errors import MesError
from mes_cli.domain.card import (
    CARD_TYPES,
    SERIAL_HELP,
    SPECIMEN_SERIAL,
    normalize_card_serial,
    validate_card_serial,
)

NIR = "295109912611193"


def serial_error(raw: str, nir: str | None = None, card_type: str | None = None) -> MesError:
    with pytest.raises(MesError) as caught:
        validate_card_serial(raw, nir=nir, card_type=card_type)
    assert caught.value.code == "INVALID_CARD_SERIAL"
    assert caught.value.details == {"field": "card_serial"}
    assert "3422" in caught.value.message  # every message says what to do without one
    return caught.value


def test_card_types() -> None:
    assert CARD_TYPES == ("photo", "no_photo")


def test_help_says_where_the_serial_is() -> None:
    assert "top right of the front" in SERIAL_HELP
    assert "last 11 digits" in SERIAL_HELP
    assert "back, at the top left" in SERIAL_HELP
    assert "3422" in SERIAL_HELP and "FranceConnect+" in SERIAL_HELP


@pytest.mark.parametrize(
    ("raw", "card_type", "expected"),
    [
        ("12345678901", "photo", "12345678901"),
        ("123 456 789 01", "photo", "12345678901"),
        ("12345678", "no_photo", "12345678"),
        ("1234567890123", "no_photo", "1234567890123"),
        ("12345678901", "no_photo", "12345678901"),
        ("12345678", None, "12345678"),
        ("1234567890123", None, "1234567890123"),
    ],
)
def test_valid_serials(raw: str, card_type: str | None, expected: str) -> None:
    assert validate_card_serial(raw, nir=NIR, card_type=card_type) == expected


def test_normalize_strips_all_spaces() -> None:
    assert normalize_card_serial(" 12 34\u00a056\t78 ") == "12345678"


@pytest.mark.parametrize("raw", ["5812-5058-524", "5812 - 5058 - 524", "5812\u20115058\u2013524"])
def test_hyphens_between_groups_are_accepted_like_spaces(raw: str) -> None:
    assert validate_card_serial(raw, card_type="photo") == "58125058524"
    assert validate_card_serial("5812 5058 524", card_type="photo") == "58125058524"


@pytest.mark.parametrize("raw", ["1234567890A", "12345.678901", "", "１２３４５６７８"])
def test_digits_only(raw: str) -> None:
    assert "digits only" in serial_error(raw).message


@pytest.mark.parametrize(("raw", "length"), [("1234567890", 10), ("123456789012", 12)])
def test_card_with_photo_needs_exactly_11_digits(raw: str, length: int) -> None:
    error = serial_error(raw, card_type="photo")
    assert f"exactly 11 digits but you typed {length}" in error.message
    assert "top right of the front" in error.message


@pytest.mark.parametrize("raw", ["1234567", "12345678901234"])
def test_card_without_photo_needs_8_to_13_digits(raw: str) -> None:
    error = serial_error(raw, card_type="no_photo")
    assert "8 to 13 digits" in error.message
    assert "top left of the back" in error.message


def test_unknown_card_type_accepts_either_length_and_names_both_places() -> None:
    error = serial_error("1234567")
    assert "8 to 13 digits" in error.message
    assert "front of a card with photo" in error.message
    assert "back of a card without photo" in error.message


@pytest.mark.parametrize("raw", ["12031990", "01012000", "31122099", "15 08 1975"])
def test_a_birth_date_is_not_a_serial(raw: str) -> None:
    assert "looks like a date" in serial_error(raw).message


@pytest.mark.parametrize(
    "raw",
    [
        "32031990",  # day 32
        "00031990",  # day 00
        "12131990",  # month 13
        "12031890",  # 18xx
        "120319901",  # 9 digits: the whole serial is not a date
    ],
)
def test_date_lookalike_rule_is_not_too_broad(raw: str) -> None:
    assert validate_card_serial(raw) == raw


@pytest.mark.parametrize("raw", ["29510991", "1099126111", "2951099126111"])
def test_part_of_the_nir_is_refused(raw: str) -> None:
    assert "part of your NIR" in serial_error(raw, nir="2 95 10 99 126 111 93").message


def test_nir_check_only_applies_when_the_nir_is_known() -> None:
    assert validate_card_serial("29510991") == "29510991"


@pytest.mark.parametrize("raw", ["80250000025", "80250000", "0250000025", "250000025"])
def test_specimen_number_is_refused(raw: str) -> None:
    assert "specimen" in serial_error(raw).message


def test_invalid_card_type_is_a_validation_error_on_its_own_field() -> None:
    with pytest.raises(MesError) as caught:
        validate_card_serial("12345678901", card_type="plastic")
    assert caught.value.code == "VALIDATION_ERROR"
    assert caught.value.details["field"] == "card_type"


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet="0123456789 \u00a0"))
def test_normalize_is_idempotent(raw: str) -> None:
    once = normalize_card_serial(raw)
    assert normalize_card_serial(once) == once


@settings(max_examples=50, deadline=None)
@given(st.from_regex(r"[1-9][0-9]{10}", fullmatch=True).filter(lambda s: s != SPECIMEN_SERIAL))
def test_eleven_digit_serials_pass_for_every_card_type(serial: str) -> None:
    # 11 digits can never look like a date (8 digits); only the specimen itself is out.
    for card_type in (*CARD_TYPES, None):
        assert validate_card_serial(serial, card_type=card_type) == serial
