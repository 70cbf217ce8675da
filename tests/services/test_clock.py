"""The one clock: fixed or shifted through the environment where allowed, refused where not."""

from datetime import UTC, datetime, timedelta

import pytest

from tandem import clock


@pytest.fixture
def allowed(settings):
    settings.TANDEM_ALLOW_TIME_TRAVEL = True


def test_tandem_now_fixes_the_time_for_every_reader(monkeypatch, allowed):
    monkeypatch.setenv("TANDEM_NOW", "2026-03-27T09:00:00Z")
    assert clock.now() == datetime(2026, 3, 27, 9, tzinfo=UTC)
    assert clock.now() == clock.now()


def test_a_shift_moves_the_real_clock(monkeypatch, allowed):
    monkeypatch.setenv("TANDEM_NOW_SHIFT", "-30d")
    assert abs(clock.real_now() - timedelta(days=30) - clock.now()) < timedelta(seconds=2)


def test_an_explicit_instant_wins_inside_its_block(monkeypatch, allowed):
    monkeypatch.setenv("TANDEM_NOW", "2026-03-27T09:00:00Z")
    with clock.at_instant(datetime(2026, 1, 1, tzinfo=UTC)):
        assert clock.now() == datetime(2026, 1, 1, tzinfo=UTC)
    assert clock.now().month == 3


def test_time_travel_is_refused_where_the_instance_does_not_allow_it(monkeypatch, settings):
    settings.TANDEM_ALLOW_TIME_TRAVEL = False
    monkeypatch.setenv("TANDEM_NOW", "2026-03-27T09:00:00Z")
    with pytest.raises(clock.ClockRefused, match="does not allow time travel"):
        clock.now()


@pytest.mark.parametrize("text", ["2026-03-27T09:00:00", "yesterday", "2026-13-01T00:00:00Z"])
def test_instants_must_be_iso_8601_with_an_offset(text):
    with pytest.raises(ValueError):
        clock.parse_instant(text)


def test_every_reading_is_timezone_aware_utc():
    assert clock.now().tzinfo is UTC
