"""NIR rules: normalisation, the three distinct errors, key computation, construction."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mes_cli.contract.errors import MesError
from mes_cli.domain.nir import make_nir, nir_key, normalize_nir, validate_nir

VALID = "295109912611193"  # stdnum's documented example
CORSICA_2A = "253072A07300443"
CORSICA_2B = "253072B07300470"


def nir_error(raw: str) -> MesError:
    with pytest.raises(MesError) as caught:
        validate_nir(raw)
    assert caught.value.code == "INVALID_NIR"
    assert caught.value.details == {"field": "nir"}
    return caught.value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (VALID, VALID),
        ("2 95 10 99 126 111 93", VALID),
        ("2\u00a095\u00a010 99 126 111 93", VALID),
        ("  295109912611193\n", VALID),
        ("2.95.10.99.126.111.93", VALID),  # stdnum accepts dots
        (CORSICA_2A, CORSICA_2A),
        ("2 53 07 2a 073 004 43", CORSICA_2A),
        (CORSICA_2B, CORSICA_2B),
    ],
)
def test_valid_nirs_are_normalised(raw: str, expected: str) -> None:
    assert validate_nir(raw) == expected


def test_normalize_removes_spaces_and_uppercases() -> None:
    assert normalize_nir(" 2 53 07 2a\u00a0073\u202f004 43 ") == CORSICA_2A


@pytest.mark.parametrize("raw", ["", "2951099126111", "2951099126111930", "2 95 10 99 126"])
def test_wrong_length_says_how_many_characters(raw: str) -> None:
    error = nir_error(raw)
    typed = len(normalize_nir(raw))
    assert "15 characters" in error.message
    assert f"you typed {typed}" in error.message


@pytest.mark.parametrize("raw", ["29510991261119X", "2951099126111-3", "2951O9912611193"])
def test_wrong_characters(raw: str) -> None:
    assert "only digits" in nir_error(raw).message


def test_letters_outside_the_department_are_rejected() -> None:
    # A and B are possible characters, but only as 2A/2B in positions 6-7.
    assert "positions 6-7" in nir_error("2A3072A07300443").message


def test_wrong_key() -> None:
    error = nir_error("295109912611199")
    assert "key" in error.message
    assert "Carte Vitale" in error.message


def test_nir_key_matches_known_numbers() -> None:
    assert nir_key(VALID[:13]) == "93"
    assert nir_key(CORSICA_2A[:13]) == "43"
    assert nir_key(CORSICA_2B[:13]) == "70"


def test_nir_key_pads_to_two_digits() -> None:
    # 97 - n mod 97 is below 10 for some bodies; the key is still 2 characters.
    keys = {nir_key(f"1850575123{order:03d}") for order in range(200)}
    assert all(len(key) == 2 for key in keys)
    assert any(key.startswith("0") for key in keys)


@settings(max_examples=60, deadline=None)
@given(st.from_regex(r"[12][0-9]{4}(2A|2B|[0-9]{2})[0-9]{6}", fullmatch=True))
def test_nir_key_agrees_with_stdnum(body: str) -> None:
    from stdnum.fr.nir import calc_check_digits

    assert nir_key(body) == calc_check_digits(body)


@pytest.mark.parametrize("body", ["123", "2530X2A073004", "25307AA073004"])
def test_nir_key_rejects_malformed_bodies(body: str) -> None:
    with pytest.raises(ValueError):
        nir_key(body)


def test_make_nir_builds_the_documented_example() -> None:
    assert make_nir(2, 1995, 10, "99", "126", 111) == VALID
    assert make_nir(2, 1953, 7, "2A", "073", 4) == CORSICA_2A
    assert make_nir(1, 1980, 1, "971", "05", 12)[5:10] == "97105"


@pytest.mark.parametrize(
    "args",
    [(3, 1990, 1, "75", "056", 1), (1, 1990, 0, "75", "056", 1), (1, 1990, 1, "75", "56", 1),
     (1, 1990, 1, "75", "056", 1000)],
)
def test_make_nir_rejects_out_of_range_parts(args: tuple) -> None:
    with pytest.raises(ValueError):
        make_nir(*args)


departments = st.one_of(
    st.integers(1, 95).map(lambda n: f"{n:02d}").filter(lambda d: d != "20"),
    st.sampled_from(["2A", "2B", "99"]),
)
nir_parts = st.tuples(
    st.sampled_from([1, 2]),
    st.integers(1900, 2025),
    st.one_of(st.integers(1, 12), st.integers(20, 42), st.integers(50, 99)),
    departments,
    st.integers(1, 999).map(lambda n: f"{n:03d}"),
    st.integers(1, 999),
)


@settings(max_examples=60, deadline=None)
@given(nir_parts)
def test_make_nir_always_validates(parts: tuple) -> None:
    nir = make_nir(*parts)
    assert len(nir) == 15
    assert validate_nir(nir) == nir


@settings(max_examples=60, deadline=None)
@given(nir_parts, st.sampled_from([13, 14]), st.integers(1, 9))
def test_changing_one_key_digit_fails(parts: tuple, position: int, shift: int) -> None:
    nir = make_nir(*parts)
    changed = str((int(nir[position]) + shift) % 10)
    with pytest.raises(MesError) as caught:
        validate_nir(nir[:position] + changed + nir[position + 1 :])
    assert "key" in caught.value.message


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="0123456789aAbB \u00a0\t"))
def test_normalize_is_idempotent(raw: str) -> None:
    once = normalize_nir(raw)
    assert normalize_nir(once) == once
    assert " " not in once and once == once.upper()
