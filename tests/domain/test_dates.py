"""Strict day-first date parsing, birth dates and ages."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mes_cli.contract.errors import MesError
from mes_cli.domain.dates import age_on, parse_birth_date, parse_date

TODAY = date(2025, 6, 15)
FRENCH_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)


def date_error(raw: str, field: str = "date", **options) -> MesError:
    with pytest.raises(MesError) as caught:
        parse_date(raw, field, today=TODAY, **options)
    assert caught.value.code == "INVALID_DATE"
    assert caught.value.details == {"field": field}
    return caught.value


@pytest.mark.parametrize(
    "raw",
    [
        "12/03/2021",
        "12-03-2021",
        "12.03.2021",
        "2021-03-12",
        "2021/03/12",
        "12 mars 2021",
        "12 Mars 2021",
        "12 March 2021",
        "12 mar. 2021",
        " 12 / 03 / 2021 ",
        "12\u00a0mars\u00a02021",
    ],
)
def test_accepted_forms(raw: str) -> None:
    assert parse_date(raw, today=TODAY) == date(2021, 3, 12)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1er mars 2021", date(2021, 3, 1)),
        ("1st March 2021", date(2021, 3, 1)),
        ("3/4/2021", date(2021, 4, 3)),  # day first, never US order
        ("5 févr. 2020", date(2020, 2, 5)),
        ("5 fevrier 2020", date(2020, 2, 5)),
        ("5 FÉVRIER 2020", date(2020, 2, 5)),
        ("15 août 2020", date(2020, 8, 15)),
        ("15 aout 2020", date(2020, 8, 15)),
        ("2 janv. 2020", date(2020, 1, 2)),
        ("2 sept. 2020", date(2020, 9, 2)),
        ("24 déc 2020", date(2020, 12, 24)),
        ("29/02/2024", date(2024, 2, 29)),
    ],
)
def test_day_first_and_month_names(raw: str, expected: date) -> None:
    assert parse_date(raw, today=TODAY) == expected


@pytest.mark.parametrize(
    "raw", ["31/02/2021", "29/02/2023", "31/04/2021", "00/03/2021", "31 juin 2021"]
)
def test_impossible_dates(raw: str) -> None:
    assert "does not exist in" in date_error(raw).message


def test_impossible_date_message_names_the_month_length() -> None:
    assert "February 2021 (28 days)" in date_error("31/02/2021").message


def test_month_out_of_range_reminds_day_first() -> None:
    message = date_error("03/13/2021").message
    assert "month 13" in message and "day comes first" in message


@pytest.mark.parametrize("raw", ["12/03/21", "12 mars 21", "12/03/021", "12/03/20211"])
def test_year_needs_four_digits(raw: str) -> None:
    assert "4-digit year" in date_error(raw).message


def test_year_zero() -> None:
    assert "year 0000" in date_error("01/01/0000", allow_future=True).message


@pytest.mark.parametrize(
    "raw",
    [
        "abc", "12/03", "2021", "12/03-2021", "12 03 2021", "tomorrow", "12//03/2021",
        "1 2 mars 2021",
    ],
)
def test_unreadable_dates(raw: str) -> None:
    assert "dd/mm/yyyy" in date_error(raw).message


def test_empty_date() -> None:
    assert "is empty" in date_error("   ").message


def test_unknown_month_name() -> None:
    assert "month name" in date_error("12 brumaire 2021").message


def test_future_dates_are_refused_unless_allowed() -> None:
    message = date_error("16/06/2025").message
    assert "in the future" in message and "15/06/2025" in message
    assert parse_date("16/06/2025", today=TODAY, allow_future=True) == date(2025, 6, 16)
    assert parse_date("15/06/2025", today=TODAY) == TODAY


def test_not_before_uses_its_label_and_the_field_label() -> None:
    birth = date(2020, 5, 1)
    message = date_error(
        "30/04/2020", "vaccination_date", not_before=birth, not_before_label="the date of birth"
    ).message
    assert message.startswith(
        "The vaccination date cannot be before the date of birth (01/05/2020)"
    )
    assert parse_date("01/05/2020", today=TODAY, not_before=birth) == birth


def test_not_before_without_label_shows_the_date() -> None:
    assert "before 01/05/2020;" in date_error("30/04/2020", not_before=date(2020, 5, 1)).message


def test_default_today_is_the_real_today() -> None:
    assert parse_date(date.today().strftime("%d/%m/%Y")) == date.today()
    with pytest.raises(MesError):
        parse_date("01/01/9999")


def test_birth_date() -> None:
    assert parse_birth_date("12/03/1990", today=TODAY) == date(1990, 3, 12)
    assert parse_birth_date("01/01/1900", today=TODAY) == date(1900, 1, 1)
    for raw, words in (("31/12/1899", "before 01/01/1900"), ("16/06/2025", "in the future")):
        with pytest.raises(MesError) as caught:
            parse_birth_date(raw, today=TODAY)
        assert caught.value.details == {"field": "birth_date"}
        assert caught.value.message.startswith("The date of birth")
        assert words in caught.value.message


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(1990, 3, 12), date(2025, 3, 11), 34),
        (date(1990, 3, 12), date(2025, 3, 12), 35),
        (date(2025, 6, 15), date(2025, 6, 15), 0),
        # Born on 29 February: one year older on 1 March in non-leap years.
        (date(2004, 2, 29), date(2022, 2, 28), 17),
        (date(2004, 2, 29), date(2022, 3, 1), 18),
        (date(2004, 2, 29), date(2024, 2, 29), 20),
    ],
)
def test_age_on(birth: date, on: date, age: int) -> None:
    assert age_on(birth, on) == age


def test_age_before_birth_is_an_error() -> None:
    with pytest.raises(ValueError):
        age_on(date(2020, 1, 2), date(2020, 1, 1))


@settings(max_examples=80, deadline=None)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date.today()))
def test_round_trip_of_every_written_form(value: date) -> None:
    forms = (
        value.strftime("%d/%m/%Y"),
        value.isoformat(),
        f"{value.day} {FRENCH_MONTHS[value.month - 1]} {value.year}",
    )
    for raw in forms:
        assert parse_date(raw) == value
        assert parse_birth_date(raw) == value


@settings(max_examples=60, deadline=None)
@given(st.dates(), st.dates())
def test_age_is_never_negative_and_grows_by_birthdays(birth: date, on: date) -> None:
    if on < birth:
        birth, on = on, birth
    age = age_on(birth, on)
    assert age >= 0
    assert age in (on.year - birth.year, on.year - birth.year - 1)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=20))
def test_garbage_never_crashes(raw: str) -> None:
    try:
        parse_date(raw, allow_future=True)
    except MesError as error:
        assert error.code == "INVALID_DATE"
