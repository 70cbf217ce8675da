"""Fair under concurrency: many threads racing to route 700 leads to 7 weighted reps, two routers per lead.

Each thread has its own database connection; there is no select_for_update. Runs on a file
SQLite database, or on a fresh PostgreSQL database when the suite runs on PostgreSQL. The full
10,000-lead run is bench/routing_concurrency_bench.py (figures in bench/RESULTS.md).
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

from tests.routing.fresh_database import fresh_database, run_script

SCRIPT = Path(__file__).with_name("route_concurrently.py")
LEADS, THREADS = 700, 16


def test_concurrent_routing_ends_within_one_lead_of_each_weighted_share_and_never_assigns_a_lead_twice():
    with fresh_database() as env:
        result = run_script(env, SCRIPT, str(LEADS), str(THREADS))
    assert result["error_count"] == 0, result["errors"]
    # no lead routed twice: one decision and one assignment per lead, every lead owned
    assert result["decisions"] == result["assignments"] == result["assigned_leads"] == LEADS
    assert result["unowned"] == 0
    total = sum(Fraction(w) for w in result["weights"].values())
    for rep, weight in result["weights"].items():
        share = LEADS * Fraction(weight) / total
        assert math.floor(share) <= result["counts"][rep] <= math.ceil(share), (rep, share, result["counts"])
    assert {k: v for k, v in result["rotation"].items()} == result["counts"]
