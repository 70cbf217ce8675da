"""Period boundaries are UTC, half-open, and read back from their labels."""

from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.core import periods
from tandem.core.periods import NO_TIME, NaiveDatetimeError, Period, parse_period

BERLIN_SUMMER = timezone(timedelta(hours=2))
TOKYO = timezone(timedelta(hours=9))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("instant", "start", "end"), [
    (utc(2026, 3, 15, 12), utc(2026, 3, 1), utc(2026, 4, 1)),
    (utc(2026, 3, 1), utc(2026, 3, 1), utc(2026, 4, 1)),
    (utc(2026, 3, 31, 23, 59, 59), utc(2026, 3, 1), utc(2026, 4, 1)),
    (datetime(2026, 4, 1, 1, 0, tzinfo=BERLIN_SUMMER), utc(2026, 3, 1), utc(2026, 4, 1)),
    (utc(2026, 12, 31, 23), utc(2026, 12, 1), utc(2027, 1, 1)),
    (utc(2024, 2, 29), utc(2024, 2, 1), utc(2024, 3, 1)),
])
def test_a_month_runs_from_its_first_day_to_the_next_months_first_day_in_utc(instant, start, end):
    assert periods.month_start(instant) == start
    assert periods.month_end(instant) == end


def test_an_evening_in_tokyo_on_the_first_of_april_is_still_march_in_utc():
    assert Period.of("month", datetime(2026, 4, 1, 8, 0, tzinfo=TOKYO)).label == "2026-03"


@pytest.mark.parametrize(("function", "instant", "expected"), [
    (periods.quarter_start, utc(2026, 5, 20), utc(2026, 4, 1)),
    (periods.quarter_end, utc(2026, 5, 20), utc(2026, 7, 1)),
    (periods.quarter_end, utc(2026, 11, 2), utc(2027, 1, 1)),
    (periods.week_start, utc(2026, 3, 5, 10), utc(2026, 3, 2)),
    (periods.week_start, utc(2026, 3, 2), utc(2026, 3, 2)),
    (periods.week_end, utc(2026, 3, 8, 23, 59), utc(2026, 3, 9)),
    (periods.day_start, utc(2026, 3, 5, 23, 59), utc(2026, 3, 5)),
    (periods.day_end, utc(2026, 3, 5, 23, 59), utc(2026, 3, 6)),
    (periods.year_start, utc(2026, 7, 1), utc(2026, 1, 1)),
    (periods.year_end, utc(2026, 7, 1), utc(2027, 1, 1)),
])
def test_quarter_week_day_and_year_boundaries_follow_the_calendar_in_utc(function, instant, expected):
    assert function(instant) == expected


@pytest.mark.parametrize("function", [periods.month_start, periods.week_end, periods.to_epoch,
                                      periods.require_utc])
def test_a_naive_datetime_is_refused_with_a_clear_error(function):
    with pytest.raises(NaiveDatetimeError, match="no UTC offset"):
        function(datetime(2026, 3, 1))


@pytest.mark.parametrize(("text", "kind", "start", "end"), [
    ("2026-03", "month", utc(2026, 3, 1), utc(2026, 4, 1)),
    ("2026-Q1", "quarter", utc(2026, 1, 1), utc(2026, 4, 1)),
    ("2026-q4", "quarter", utc(2026, 10, 1), utc(2027, 1, 1)),
    ("2026-W10", "week", utc(2026, 3, 2), utc(2026, 3, 9)),
    ("2026-W01", "week", utc(2025, 12, 29), utc(2026, 1, 5)),
    ("2026-03-05", "day", utc(2026, 3, 5), utc(2026, 3, 6)),
    ("2026", "year", utc(2026, 1, 1), utc(2027, 1, 1)),
    ("2026-03-01T00:00:00Z/2026-03-16T12:00:00+02:00", "span", utc(2026, 3, 1), utc(2026, 3, 16, 10)),
])
def test_periods_are_parsed_from_their_usual_spellings(text, kind, start, end):
    assert parse_period(text) == Period(start, end, kind)


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "March", "2026-03-01/2026-03-02", "26-03",
                                  "2026-W54"])
def test_a_malformed_period_is_refused_with_examples_of_valid_ones(text):
    with pytest.raises(ValueError, match="2026-Q1"):
        parse_period(text)


def test_a_period_knows_its_last_day_its_length_and_a_title_for_people():
    march = parse_period("2026-03")
    assert march.last_day == date(2026, 3, 31)
    assert march.days == 31
    assert (march.title, parse_period("2026-Q1").title, parse_period("2026-W10").title) == (
        "March 2026", "Q1 2026", "Week 10 of 2026")


def test_an_instant_at_the_boundary_belongs_to_the_later_period():
    march = parse_period("2026-03")
    assert march.contains(utc(2026, 3, 1)) and not march.contains(utc(2026, 4, 1))


def test_a_period_that_is_not_a_whole_calendar_period_is_refused():
    with pytest.raises(ValueError, match="not a whole UTC month"):
        Period(utc(2026, 3, 2), utc(2026, 4, 1), "month")


def test_iterating_months_yields_every_month_overlapping_the_half_open_range():
    labels = [p.label for p in periods.iter_periods("month", utc(2025, 11, 15), utc(2026, 3, 1))]
    assert labels == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_period_edges_need_contiguous_periods():
    jan, mar = parse_period("2026-01"), parse_period("2026-03")
    edges = periods.period_edges([jan, jan.next()])
    assert edges.tolist() == [jan.start_epoch, jan.end_epoch, mar.start_epoch]
    with pytest.raises(ValueError, match="contiguous"):
        periods.period_edges([jan, mar])


def test_epoch_arrays_accept_datetimes_none_and_datetime64():
    values = periods.epoch_seconds([utc(1970, 1, 2), None])
    assert values.tolist() == [86_400, NO_TIME]
    as64 = np.array(["1970-01-02T00:00:01", "NaT"], dtype="datetime64[s]")
    assert periods.epoch_seconds(as64).tolist() == [86_401, NO_TIME]


instants = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31),
                        timezones=st.just(UTC))


@given(instants, st.sampled_from(periods.KINDS))
def test_every_period_label_reads_back_as_the_same_period(instant, kind):
    period = Period.of(kind, instant)
    assert period.contains(instant)
    assert parse_period(period.label) == period


@given(instants, st.sampled_from(periods.KINDS))
def test_the_vectorised_period_index_agrees_with_the_calendar(instant, kind):
    index = periods.period_index(kind, np.array([periods.to_epoch(instant)]))[0]
    assert periods.period_at_index(kind, int(index)) == Period.of(kind, instant)


@given(instants, st.sampled_from(periods.KINDS), st.integers(-30, 30))
def test_shifting_a_period_moves_by_whole_periods_and_back(instant, kind, n):
    period = Period.of(kind, instant)
    shifted = period.shift(n)
    assert shifted.kind == kind and shifted.shift(-n) == period
    if n == 1:
        assert shifted.start == period.end
