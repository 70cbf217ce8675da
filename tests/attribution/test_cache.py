"""Cached reports are served while the ledger under them is unchanged, and computed again when it changes."""

from __future__ import annotations

from datetime import date

from tests.attribution.conftest import at, credit


def _query(**options):
    from tandem.attribution.query import attribution_query

    options.setdefault("period", "2026-Q1")
    return attribution_query(level=options.pop("level", "pipeline"), models="first_touch,linear,markov", **options)


def _result(**options):
    from tandem.attribution.services import attribution_result

    return attribution_result(query=_query(**options))


def test_a_second_read_comes_from_the_cache_with_the_same_bytes(ledger):
    first, second = _result(), _result()
    assert (first.cached, second.cached) == (False, True)
    assert second.text == first.text


def test_a_back_dated_touchpoint_in_a_cached_period_changes_the_result(ledger, django_capture_on_commit_callbacks):
    from tandem.attribution.models import AttributionCache
    from tandem.touchpoints.services import touchpoint_record

    before = _result()
    assert credit(before.payload, "first_touch") == {"paid_click": 1, "event": 1}
    with django_capture_on_commit_callbacks(execute=True):
        touchpoint_record(lead=ledger["b"], channel="referral", occurred_at=at(1, 3))  # before B's event
    assert not AttributionCache.objects.filter(key=_query().key).exists()  # the hook forgot it at once
    after = _result()
    assert not after.cached
    assert credit(after.payload, "first_touch") == {"paid_click": 1, "referral": 1}


def test_a_touchpoint_written_past_the_hook_is_seen_on_the_next_read(ledger):
    from tandem.touchpoints.models import Touchpoint

    _result()
    Touchpoint.objects.create(lead=ledger["b"], channel="webinar", occurred_at=at(1, 2))  # no hook called
    after = _result()
    assert not after.cached
    assert credit(after.payload, "first_touch") == {"paid_click": 1, "webinar": 1}


def test_a_merge_moves_the_losers_touches_onto_the_survivors_journeys(ledger, make_user):
    from tandem.identity.services import lead_merge
    from tandem.leads.models import Lead

    _result()
    lead_merge(survivor=Lead.objects.get(pk=ledger["b"].pk), loser=Lead.objects.get(pk=ledger["c"].pk),
               by=make_user("manager"))
    after = _result()
    assert not after.cached
    # B1 (1 Mar) now starts with C's email_click of 15 Jan; C no longer has a journey of its own
    assert credit(after.payload, "first_touch") == {"paid_click": 1, "email_click": 1}
    assert after.payload["totals"]["non_converting_journeys"] == 0


def test_invalidation_forgets_only_the_reports_whose_window_covers_the_day(ledger):
    from tandem.attribution.models import AttributionCache
    from tandem.attribution.services import attribution_invalidate

    q1 = _query()
    old = _query(period="2024-Q1")  # window 1 Jan 2023 – 31 Mar 2024
    _result(), _result(period="2024-Q1")
    assert attribution_invalidate({date(2026, 5, 1)}) == 0  # after Q1 2026: no journey of it can hold it
    assert attribution_invalidate({date(2025, 2, 1), date(2025, 2, 2)}) == 1  # in Q1 2026's look-back
    assert set(AttributionCache.objects.values_list("key", flat=True)) == {old.key}
    assert q1.key != old.key


def test_an_import_of_touchpoints_invalidates_through_the_ledger_hook(ledger):
    from tandem.attribution.models import AttributionCache
    from tandem.imports.services import ledger_changed

    _result()
    ledger_changed({date(2026, 2, 14)})
    assert AttributionCache.objects.count() == 0


def test_different_parameters_are_different_cache_entries(ledger):
    assert _query().key != _query(include_rep_activity=True).key != _query(segment="mid").key
    assert _result().text != _result(include_rep_activity=True).text


def test_a_touchpoint_outside_the_window_leaves_the_cached_report_alone(ledger):
    from tandem.touchpoints.models import Touchpoint

    _result()
    Touchpoint.objects.create(lead=ledger["b"], channel="webinar", occurred_at=at(5, 2))  # after Q1
    assert _result().cached


def test_only_the_most_recently_computed_reports_are_kept(ledger, monkeypatch):
    from tandem.attribution import services
    from tandem.attribution.models import AttributionCache

    monkeypatch.setattr(services, "CACHE_ROWS", 2)
    for level in ("sourced", "pipeline", "revenue"):
        _result(level=level)
    assert set(AttributionCache.objects.values_list("level", flat=True)) == {"pipeline", "revenue"}
