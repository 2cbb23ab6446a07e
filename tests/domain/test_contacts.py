"""Channels, e-mail addresses, French mobile numbers and their masking."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mes_cli.contract.errors import MesError
from mes_cli.domain.contacts import (
    CHANNELS,
    mask_email,
    mask_mobile,
    validate_channel,
    validate_email,
    validate_mobile,
)


def error_of(validator, raw: str, code: str, field: str) -> MesError:
    with pytest.raises(MesError) as caught:
        validator(raw)
    assert caught.value.code == code
    assert caught.value.details == {"field": field}
    return caught.value


# --- channel -----------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [("email", "email"), (" SMS ", "sms")])
def test_valid_channels(raw: str, expected: str) -> None:
    assert validate_channel(raw) == expected


@pytest.mark.parametrize("raw", ["letter", "", "e-mail"])
def test_invalid_channels_list_the_choices(raw: str) -> None:
    message = error_of(validate_channel, raw, "INVALID_CHANNEL", "channel").message
    assert "email, sms" in message


def test_allowed_channels_can_be_narrowed_or_extended() -> None:
    assert CHANNELS == ("email", "sms")
    assert validate_channel("totp", allowed=(*CHANNELS, "totp")) == "totp"
    with pytest.raises(MesError):
        validate_channel("sms", allowed=("email",))


# --- e-mail ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("jeanne.dupont@example.fr", "jeanne.dupont@example.fr"),
        ("  Jeanne.Dupont@Example.FR ", "Jeanne.Dupont@example.fr"),
        ("j+mes@mail.sub.example.org", "j+mes@mail.sub.example.org"),
        ("a" * 64 + "@example.fr", "a" * 64 + "@example.fr"),
    ],
)
def test_valid_emails(raw: str, expected: str) -> None:
    assert validate_email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", "is empty"),
        ("jeanne dupont@example.fr", "spaces"),
        ("jeanne.example.fr", "exactly one @"),
        ("jeanne@@example.fr", "exactly one @"),
        ("@example.fr", "nothing before the @"),
        ("a" * 65 + "@example.fr", "at most 64 characters before the @"),
        ("jeanne@example", "domain name"),
        ("jeanne@example.", "domain name"),
        ("jeanne@.fr", "domain name"),
        ("jeanne@example..fr", "domain name"),
        ("a@" + "b" * 250 + ".fr", "at most 254 characters"),
    ],
)
def test_invalid_emails(raw: str, problem: str) -> None:
    message = error_of(validate_email, raw, "INVALID_EMAIL", "email").message
    assert problem in message
    assert "name@example.fr" in message


# --- mobile ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "06 12 34 56 78",
        "0612345678",
        "+33 6 12 34 56 78",
        "+33612345678",
        "0033612345678",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "+33 (0)6 12 34 56 78",
        "\u00a006\u00a012 34 56 78 ",
    ],
)
def test_mobile_forms_normalise_to_e164(raw: str) -> None:
    assert validate_mobile(raw) == "+33612345678"


def test_07_mobiles() -> None:
    assert validate_mobile("07 81 23 45 67") == "+33781234567"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0692 12 34 56", "+262692123456"),  # Réunion, typed nationally
        ("+262 692 12 34 56", "+262692123456"),
        ("+262 639 12 34 56", "+262639123456"),  # Mayotte
        ("+590 690 12 34 56", "+590690123456"),  # Guadeloupe
        ("+594 694 12 34 56", "+594694123456"),  # French Guiana
        ("+596 696 12 34 56", "+596696123456"),  # Martinique
    ],
)
def test_overseas_mobiles_get_their_country_code(raw: str, expected: str) -> None:
    assert validate_mobile(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "01 23 45 67 89",  # landline
        "09 12 34 56 78",  # VoIP, cannot receive SMS reliably
        "06 12 34 56 7",  # too short
        "06 12 34 56 789",  # too long
        "+44 7700 900123",  # not French
        "+262 612 34 56 78",  # overseas code with a metropolitan number
        "+594 692 12 34 56",  # Réunion prefix under French Guiana's code
        "06 12 34 56 7a",
        "",
    ],
)
def test_invalid_mobiles(raw: str) -> None:
    message = error_of(validate_mobile, raw, "INVALID_MOBILE", "mobile").message
    assert "06 12 34 56 78" in message


@settings(max_examples=50, deadline=None)
@given(
    st.sampled_from("67"),
    st.from_regex(r"[0-9]{8}", fullmatch=True),
    st.sampled_from(["0", "+33", "0033"]),
)
def test_validate_mobile_is_idempotent(first: str, rest: str, prefix: str) -> None:
    number = validate_mobile(prefix + first + rest)
    assert validate_mobile(number) == number
    assert number.startswith("+") and number[1:].isdigit()


# --- masking -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("jeanne.dupont@example.fr", "j***t@example.fr"),
        ("jd@example.fr", "j***@example.fr"),
        ("j@example.fr", "j***@example.fr"),
        ("not-an-address", "***"),
    ],
)
def test_mask_email(email: str, masked: str) -> None:
    assert mask_email(email) == masked


@pytest.mark.parametrize(
    ("mobile", "masked"),
    [
        ("+33612345678", "+33 6 ** ** ** 78"),
        ("06 12 34 56 78", "+33 6 ** ** ** 78"),
        ("+262692123456", "+262 6 ** ** ** 56"),
        ("12345", "***45"),
    ],
)
def test_mask_mobile(mobile: str, masked: str) -> None:
    assert mask_mobile(mobile) == masked


@settings(max_examples=50, deadline=None)
@given(st.from_regex(r"[67][0-9]{8}", fullmatch=True))
def test_masked_mobile_hides_the_middle_digits(digits: str) -> None:
    masked = mask_mobile("+33" + digits)
    assert masked.endswith(digits[-2:])
    assert digits[1:7] not in masked.replace(" ", "")
