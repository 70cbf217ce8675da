"""Fair routing under concurrency at full size: 10,000 leads routed at once to 7 weighted reps.

    .venv/bin/python bench/routing_concurrency_bench.py --leads 10000 --threads 16 --db sqlite
    .venv/bin/python bench/routing_concurrency_bench.py --leads 10000 --threads 16 --db postgres

Runs tests/routing/route_concurrently.py in a fresh, migrated instance (a file SQLite database,
or a new PostgreSQL database beside postgres://postgres@127.0.0.1:5432/tandem): every lead is
offered to two of the racing threads, each with its own database connection and no
select_for_update. Prints each rep's count against their exact weighted share, and checks that
every rep is within one lead of it and that no lead was assigned twice.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    if args.db == "postgres":
        os.environ["DATABASE_URL"] = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/tandem")
    else:
        os.environ.pop("DATABASE_URL", None)
    from tests.routing.fresh_database import fresh_database, run_script

    with fresh_database(prefix="tandem-routing-bench-") as env:
        result = run_script(env, ROOT / "tests" / "routing" / "route_concurrently.py", str(args.leads),
                            str(args.threads), timeout=3600)
    total = sum(Fraction(w) for w in result["weights"].values())
    worst = Fraction(0)
    print(f"{args.db}: {args.leads:,} leads, {args.threads} threads, two routers per lead, "
          f"{result['seconds']:.1f} s ({args.leads / result['seconds']:,.0f} leads/s)")
    for rep, weight in result["weights"].items():
        share = args.leads * Fraction(weight) / total
        count = result["counts"][rep]
        worst = max(worst, abs(count - share))
        print(f"  rep {rep}: weight {weight:>4}, {count:>5} leads, exact share {float(share):9.3f}")
        assert math.floor(share) <= count <= math.ceil(share)
    print(f"largest distance from the exact share: {float(worst):.3f} leads; decisions {result['decisions']:,}, "
          f"assignments {result['assignments']:,} on {result['assigned_leads']:,} leads; errors {result['error_count']}")
    assert result["decisions"] == result["assignments"] == result["assigned_leads"] == args.leads


if __name__ == "__main__":
    main()
