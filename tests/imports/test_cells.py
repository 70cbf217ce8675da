"""Reading CSV cells: every refusal names the field; timestamps end up aware UTC; exports' quotes come off."""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.imports.cells import (
    FieldError,
    country_code,
    guard,
    parse_date,
    parse_decimal,
    parse_instant,
    unguard,
)

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("text", ["=1+1", "+49 30 123", "-5", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_a_spreadsheet_would_run_is_quoted_and_the_quote_comes_off_on_import(text):
    assert guard(text) == "'" + text
    assert unguard(guard(text)) == text


@given(st.text())
def test_guard_then_unguard_gives_back_any_text(text):
    assert unguard(guard(text)) == text


def test_a_quote_that_does_not_guard_a_formula_stays():
    assert unguard("'quoted'") == "'quoted'"


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-03-27T09:00:00Z", datetime(2024, 3, 27, 9, tzinfo=UTC)),
    ("2024-03-27T10:00:00+01:00", datetime(2024, 3, 27, 9, tzinfo=UTC)),
    ("2024-03-27 09:00:00.250000+00:00", datetime(2024, 3, 27, 9, 0, 0, 250000, tzinfo=UTC)),
])
def test_a_timestamp_with_an_offset_becomes_utc(text, expected):
    parsed = parse_instant(text, "at", tz=None)
    assert parsed == expected and parsed.tzinfo == UTC


def test_a_naive_timestamp_is_refused_without_the_files_time_zone():
    with pytest.raises(FieldError) as error:
        parse_instant("2024-03-27 09:00", "created_at", tz=None)
    assert error.value.field == "created_at"
    assert "time zone" in error.value.message


@pytest.mark.parametrize(("text", "utc_hour"), [
    ("2024-03-30 12:00", 11),  # CET, the day before the clocks change
    ("2024-03-31 12:00", 10),  # CEST, the day they changed
    ("2024-10-27 12:00", 11),  # CET again
])
def test_a_naive_timestamp_is_read_in_the_files_time_zone_across_daylight_saving(text, utc_hour):
    assert parse_instant(text, "at", tz=BERLIN).hour == utc_hour


def test_a_us_style_salesforce_timestamp_is_read_with_its_format():
    formats = ("%m/%d/%Y %I:%M %p", "%m/%d/%Y")
    assert parse_instant("5/4/2024 2:45 PM", "at", tz=ZoneInfo("America/New_York"), formats=formats) == datetime(
        2024, 5, 4, 18, 45, tzinfo=UTC)
    assert parse_date("5/4/2024", "expected_close_date", formats=formats) == date(2024, 5, 4)


@pytest.mark.parametrize(("text", "expected"), [("12000.50", Decimal("12000.50")), ("12,000.50", Decimal("12000.50")),
                                                ("0", Decimal("0"))])
def test_amounts_are_decimals(text, expected):
    assert parse_decimal(text, "amount") == expected


@pytest.mark.parametrize("text", ["-1", "1.005", "abc", "NaN", "1e13"])
def test_a_bad_amount_is_refused_with_its_field(text):
    with pytest.raises(FieldError) as error:
        parse_decimal(text, "amount")
    assert error.value.field == "amount"


@pytest.mark.parametrize(("text", "code"), [("DE", "DE"), ("de", "DE"), ("Germany", "DE"), ("Deutschland", "DE"),
                                            ("United States", "US"), ("USA", "US"), ("United Kingdom", "GB"),
                                            ("", "")])
def test_countries_are_read_by_code_or_name(text, code):
    assert country_code(text) == code


def test_an_unknown_country_is_refused():
    with pytest.raises(FieldError, match="country"):
        country_code("Atlantis")
