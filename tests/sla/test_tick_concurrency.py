"""Two ticks at once cannot double-fire: many threads ticking the same 300 due timers record each breach once.

Runs on a file SQLite database, or on a fresh PostgreSQL database when the suite runs on PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

from tests.routing.fresh_database import fresh_database, run_script

HERE = Path(__file__).parent


def test_concurrent_ticks_breach_and_notify_each_timer_exactly_once():
    with fresh_database() as env:
        run_script(env, HERE / "make_timers.py", "300", "-120", "60")
        ticks = run_script(env, HERE / "tick_concurrently.py", "8")
        outcome = run_script(env, HERE / "outcome.py")
    assert ticks["errors"] == []
    assert sum(ticks["breached_per_tick"]) == 300  # split between the ticks, never counted twice
    assert outcome["breached"] == outcome["breach_rows"] == 300
    assert outcome["duplicate_breaches"] == outcome["duplicate_notifications"] == 0
    assert outcome["breach_notifications"] == 600  # the rep and their manager, once each
