"""Provisional codes, one-time codes and tokens."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mes_cli.contract.errors import MesError
from mes_cli.domain.codes import (
    PROVISIONAL_ALPHABET,
    generate_otp,
    generate_provisional_code,
    generate_token,
    normalize_provisional_code,
    validate_otp,
)


def code_error(validator, raw: str, field: str = "code") -> MesError:
    with pytest.raises(MesError) as caught:
        validator(raw)
    assert caught.value.code == "INVALID_CODE_FORMAT"
    assert caught.value.details == {"field": field}
    return caught.value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("AbCd3fGh9kLm", "AbCd3fGh9kLm"),
        ("AbCd 3fGh 9kLm", "AbCd3fGh9kLm"),
        (" abcd\t3fgh\n9klm ", "abcd3fgh9klm"),
        ("000000000000", "000000000000"),  # typed codes may hold any ASCII letter or digit
    ],
)
def test_valid_provisional_codes_keep_their_case(raw: str, expected: str) -> None:
    assert normalize_provisional_code(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["AbCd3fGh9kL", "AbCd3fGh9kLmN", "AbCd-3fGh-9kLm", "AbCd3fGh9kLé", "", "ＡbCd3fGh9kLm"],
)
def test_invalid_provisional_codes(raw: str) -> None:
    message = code_error(normalize_provisional_code, raw).message
    assert "exactly 12 letters or digits" in message
    assert "upper and lower case" in message


def test_provisional_code_message_does_not_repeat_the_code() -> None:
    message = code_error(normalize_provisional_code, "SecretCode12X").message
    assert "SecretCode12X" not in message


@pytest.mark.parametrize(
    ("raw", "expected"), [("123456", "123456"), (" 123 456 ", "123456"), ("000042", "000042")]
)
def test_valid_otps(raw: str, expected: str) -> None:
    assert validate_otp(raw) == expected


@pytest.mark.parametrize(("raw", "typed"), [("12345", 5), ("1234567", 7), ("", 0)])
def test_otps_of_the_wrong_length_say_how_many_digits_were_typed(raw: str, typed: int) -> None:
    message = code_error(validate_otp, raw).message
    assert f"exactly 6 digits (you typed {typed})" in message
    assert raw.strip() == "" or raw not in message


@pytest.mark.parametrize("raw", ["abcdef", "12345a", "１２３４５６", "12-34-56"])
def test_otps_with_other_characters_say_digits_only(raw: str) -> None:
    """`--code abcdef` has the right length: counting its characters would not tell what is wrong."""
    message = code_error(validate_otp, raw).message
    assert "digits only" in message and "you typed" not in message and "characters" not in message
    assert raw not in message


def test_otp_field_can_be_named() -> None:
    with pytest.raises(MesError) as caught:
        validate_otp("12", field="email_code")
    assert caught.value.details == {"field": "email_code"}


def test_alphabet_has_no_ambiguous_characters() -> None:
    assert not set("0Oo1lI") & set(PROVISIONAL_ALPHABET)
    assert len(PROVISIONAL_ALPHABET) == 62 - 6


@settings(max_examples=100, deadline=None)
@given(st.integers())
def test_generated_codes_pass_their_validators(_: int) -> None:
    code = generate_provisional_code()
    assert normalize_provisional_code(code) == code
    assert set(code) <= set(PROVISIONAL_ALPHABET)
    otp = generate_otp()
    assert validate_otp(otp) == otp


def test_generated_values_vary() -> None:
    assert len({generate_provisional_code() for _ in range(50)}) == 50
    assert len({generate_otp() for _ in range(50)}) > 40
    assert len({generate_token() for _ in range(50)}) == 50


def test_token_length_follows_nbytes() -> None:
    assert len(generate_token()) == 43  # 32 bytes, base64url without padding
    assert len(generate_token(16)) == 22
