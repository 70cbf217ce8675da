"""Benchmark the scoring and SLA cores: bulk rescoring with decay, and the SLA timer sweep.

Usage (from the repository root)::

    .venv/bin/python bench/core_bench.py              # 1M leads, 1M timers
    .venv/bin/python bench/core_bench.py --leads 100000 --timers 100000

Goals: rescoring >= 200,000 leads/s for 1M leads with ~10 touches each (decay included);
sweeping 1M open timers well inside the 10 s limit (the core aims for under 1 s). Each
figure is the best of `--repeat` runs on seeded synthetic data, excluding data generation,
and is printed with its ratio to the goal (> 1 is better than the goal). Also times
`due_at` (timer start) and `choose_rep` for scale. Single process; numpy as installed.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np

from tandem.core.business_time import Calendar, due_at, to_us
from tandem.core.routing import Rep, choose_rep
from tandem.core.scoring import NumberColumn, TextColumn, TouchArrays, parse_rules, score_bulk
from tandem.core.sla import NEVER, TimerArrays, sweep

NOW = datetime(2026, 3, 24, 12, tzinfo=UTC)
RULES = parse_rules({
    "half_life_days": 14,
    "fit": [
        {"id": "vp", "field": "title", "op": "contains", "value": "VP", "points": 15},
        {"id": "chief", "field": "title", "op": "contains", "value": "Chief", "points": 15},
        {"id": "student", "field": "title", "op": "contains", "value": "student", "points": -20},
        {"id": "large", "field": "employees", "op": "gte", "value": 200, "points": 10},
        {"id": "tiny", "field": "employees", "op": "lte", "value": 5, "points": -5},
        {"id": "dach", "field": "country", "op": "in", "value": ["DE", "AT", "CH"], "points": 5},
        {"id": "software", "field": "industry", "op": "equals", "value": "Software", "points": 5},
        {"id": "phone", "field": "phone", "op": "present", "points": 3},
    ],
    "engagement": [
        {"id": "webinar", "channel": "webinar", "points": 10},
        {"id": "demo", "channel": "demo_request", "points": 25, "half_life_days": 7},
        {"id": "pricing", "channel": "pricing_page", "points": 8},
        {"id": "email", "channel": "email_click", "points": 2},
        {"id": "event", "channel": "event", "points": 12, "half_life_days": 30},
        {"id": "spring", "campaign": "spring-2026", "points": 5},
        {"id": "launch", "campaign": "launch", "points": 7},
    ],
})
CHANNELS = (
    "webinar", "demo_request", "pricing_page", "email_click", "event", "web_visit", "ad_click", "call",
)
CAMPAIGNS = tuple(f"campaign-{i}" for i in range(48)) + ("spring-2026", "launch")


def best_of(repeat: int, run: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return min(timings)


def scoring_inputs(n: int, seed: int = 1) -> tuple[dict, TouchArrays]:
    rng = np.random.default_rng(seed)
    roles = ("VP", "Head of", "Chief", "Manager", "Working student", "Analyst")
    areas = ("Sales", "Marketing", "IT", "Finance", "Operations")
    titles = tuple(f"{role} {area}" for role in roles for area in areas)
    columns = {
        "title": TextColumn(rng.integers(-1, len(titles), n), titles),
        "employees": NumberColumn(np.where(rng.random(n) < 0.1, np.nan, rng.lognormal(4, 1.5, n))),
        "country": TextColumn(rng.integers(-1, 6, n), ("DE", "AT", "CH", "FR", "US", "GB")),
        "industry": TextColumn(rng.integers(-1, 4, n), ("Software", "Retail", "Manufacturing", "Banking")),
        "phone": TextColumn(rng.integers(-1, 1, n), ("+49 30 000000",)),
    }
    counts = rng.integers(5, 16, n)  # ~10 touches per lead
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    total = int(offsets[-1])
    touches = TouchArrays(
        offsets=offsets,
        channel_codes=rng.integers(0, len(CHANNELS), total),
        campaign_codes=rng.integers(-1, len(CAMPAIGNS), total),
        at_s=int(NOW.timestamp()) - rng.integers(0, 365 * 86_400, total),
        channels=CHANNELS, campaigns=CAMPAIGNS,
    )
    return columns, touches


def timer_inputs(n: int, seed: int = 2) -> TimerArrays:
    rng = np.random.default_rng(seed)
    base = to_us(NOW)
    due = base + rng.integers(-4 * 3600, 20 * 3600, n) * 1_000_000
    warn = due - rng.integers(1800, 4 * 3600, n) * 1_000_000
    return TimerArrays(np.arange(n, dtype=np.int64), due, warn, np.full(n, NEVER, dtype=np.int64),
                       rng.random(n) < 0.2, np.zeros(n, dtype=bool))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--timers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
          f"{platform.machine()}")

    columns, touches = scoring_inputs(args.leads)
    seconds = best_of(args.repeat, lambda: score_bulk(columns, touches, RULES, NOW))
    rate = args.leads / seconds
    print(f"bulk rescoring: {args.leads:,} leads, {len(touches.at_s):,} touches, {len(RULES.fit)} fit + "
          f"{len(RULES.engagement)} engagement rules: {seconds:.3f} s = {rate:,.0f} leads/s "
          f"-> {rate / 200_000:.1f}x the 200,000 leads/s goal")

    timers = timer_inputs(args.timers)
    seconds = best_of(args.repeat, lambda: sweep(timers, NOW))
    warn, breach = sweep(timers, NOW)
    print(f"timer sweep: {args.timers:,} open timers ({len(warn):,} to warn, {len(breach):,} to breach): "
          f"{seconds * 1000:.1f} ms -> {10 / seconds:,.0f}x inside the 10 s limit, "
          f"{1 / seconds:,.1f}x inside the 1 s core aim")

    calendar = Calendar.build("Europe/Berlin", {d: ["09:00-12:00", "13:00-17:30"] for d in range(5)})
    starts = [NOW + timedelta(minutes=17 * i) for i in range(10_000)]
    seconds = best_of(1, lambda: [due_at(s, timedelta(hours=4), calendar) for s in starts])
    print(f"due_at (4 business hours, Europe/Berlin): {len(starts) / seconds:,.0f} timers started/s")

    reps = [Rep(i, w) for i, w in enumerate([5, 3, 2, 2, 1, 1, 0.5], start=1)]
    counts: dict[int, int] = {}

    def route() -> None:
        for _ in range(10_000):
            chosen = choose_rep(reps, counts).rep_id
            counts[chosen] = counts.get(chosen, 0) + 1

    seconds = best_of(1, route)
    print(f"choose_rep (7 weighted reps): {10_000 / seconds:,.0f} assignments/s")


if __name__ == "__main__":
    main()
