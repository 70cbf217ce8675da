"""The attribution report as JSON values: one serializer for the page, the API and the CLI.

Money is Decimal at the edges: amounts are summed as Decimal, the engine splits them as floats,
and each model's value credit comes back as a decimal string in cents, rounded by the largest
remainder so that the rows plus the untouched conversions add up *exactly* to the total value.
Conversion credit is rounded to hundredths the same way, so it adds up exactly to the count.
"""

from __future__ import annotations

import json
from decimal import Decimal

import numpy as np

from tandem.attribution.query import DIMENSIONS, LEVELS
from tandem.core.attribution import Attribution
from tandem.core.attribution.ledger import round_to_total
from tandem.core.attribution.self_reported import BUCKETS, bucket_of

CENT = Decimal("0.01")

MODEL_TEXT: dict[str, tuple[str, str]] = {
    "first_touch": ("First touch", "All the credit to the journey's first touch."),
    "last_touch": ("Last touch", "All the credit to the last touch before the conversion."),
    "linear": ("Linear", "Equal credit to every touch of the journey."),
    "position_based": ("Position-based (U)", "40% to the first touch, 40% to the last, 20% shared by the middle."),
    "time_decay": ("Time decay", "More credit the closer a touch was to the conversion: half as much every 7 days."),
    "w_shaped": ("W-shaped", "30% each to the first touch, the lead-creation touch and the opportunity-creation "
                 "touch; 10% over the rest."),
    "full_path": ("Full path (Z)", "22.5% each to first touch, lead creation, opportunity creation and the last "
                  "touch before close; 10% over the rest."),
    "markov": ("Markov chain", "Credit in proportion to how many conversions would be lost without the channel "
               "(removal effect), from converting and non-converting journeys."),
    "markov_per_journey": ("Markov per journey", "Each journey's conversion split over its touches by their "
                           "channels' removal effects."),
    "shapley": ("Shapley value", "Each channel's average extra conversions when it joins the others (a fair split "
                "from game theory)."),
    "shapley_per_set": ("Shapley per channel set", "Each converting set of channels plays its own Shapley game."),
}


def _cents(value: Decimal) -> int:
    return int((value.quantize(CENT) * 100).to_integral_value())


def _money(cents: int) -> str:
    return str((Decimal(cents) / 100).quantize(CENT))


def _model_entry(name: str, result: Attribution | str, half_life: float) -> dict:
    label, text = MODEL_TEXT.get(name, (name, ""))
    if name == "time_decay":
        every = f"{half_life / 24:g} days" if half_life % 24 == 0 else f"{half_life:g} hours"
        text = f"More credit the closer a touch was to the conversion: half as much every {every}."
    entry = {"key": name, "label": label, "explanation": text, "note": "", "skipped": None}
    if isinstance(result, str):
        entry["skipped"] = result
    else:
        entry["note"] = result.note
    return entry


def _credit(result: Attribution, labels_index: dict[str, int], n_rows: int, touched_conversions: int,
            touched_cents: int) -> list[dict]:
    """Per row: conversions (hundredths) and value (cents) rounded to add up to the touched totals."""
    conversions = np.zeros(n_rows)
    value = np.zeros(n_rows)
    extra = np.full(n_rows, np.nan)
    for channel, k, v in zip(result.channels, result.conversions, result.value, strict=True):
        conversions[labels_index[channel]] = k
        value[labels_index[channel]] = v
    effects = result.removal_effects if result.removal_effects is not None else result.standard_error
    if effects is not None:
        for channel, x in zip(result.channels, effects, strict=True):
            extra[labels_index[channel]] = x
    hundredths = round_to_total(conversions, touched_conversions * 100)
    cents = round_to_total(value, touched_cents)
    total = touched_conversions or 1
    out = []
    for i in range(n_rows):
        cell = {"conversions": hundredths[i] / 100, "share": round(hundredths[i] / 100 / total, 6),
                "value": _money(cents[i])}
        if not np.isnan(extra[i]):
            cell["removal_effect" if result.removal_effects is not None else "standard_error"] = round(float(extra[i]), 6)
        out.append(cell)
    return out


def _self_reported(loaded, row_keys: list[str]) -> dict:
    """Answers of the converting leads, bucketed: counts and value, and per channel row where one maps."""
    counts: dict[str, int] = {}
    values: dict[str, Decimal] = {}
    for answer, amount in zip(loaded.ends.answers, loaded.ends.amounts, strict=True):
        key = bucket_of(answer).key
        counts[key] = counts.get(key, 0) + 1
        values[key] = values.get(key, Decimal("0")) + amount
    total = sum(counts.values()) or 1
    rows = [{"key": b.key, "label": b.label, "channel": b.channel, "conversions": counts[b.key],
             "share": round(counts[b.key] / total, 6), "value": str(values[b.key].quantize(CENT))}
            for b in BUCKETS if counts.get(b.key)]
    by_row = {}
    if loaded.query.dimension == "channel":
        for r in rows:
            if r["channel"] in row_keys:
                by_row[r["channel"]] = {"conversions": r["conversions"], "value": r["value"]}
    return {"rows": rows, "by_row": by_row}


def report_payload(loaded, results: dict[str, Attribution | str]) -> dict:
    """The report of one query (see the module docstring for the rounding)."""
    query, ledger = loaded.query, loaded.journeys
    done = {k: v for k, v in results.items() if isinstance(v, Attribution)}
    row_keys = list(ledger.journeys.channels)
    index = {key: i for i, key in enumerate(row_keys)}
    label_of = dict(zip(loaded.keys, loaded.labels, strict=True))
    total_cents, untouched_cents = _cents(loaded.total_value), _cents(loaded.untouched_value)
    touched_conversions = int(round(ledger.journeys.total_conversions))
    credit = {name: _credit(r, index, len(row_keys), touched_conversions, total_cents - untouched_cents)
              for name, r in done.items()}
    rows = [{"key": key, "label": label_of[key], "credit": {name: credit[name][i] for name in done}}
            for i, key in enumerate(row_keys)]
    rows.sort(key=lambda r: (-sum(c["conversions"] for c in r["credit"].values()), r["label"]))
    untouched = int(round(ledger.untouched_conversions))
    return {
        "level": {"key": query.level, "label": LEVELS[query.level]},
        "dimension": {"key": query.dimension, "label": DIMENSIONS[query.dimension]},
        "period": {"from": query.period.start.date().isoformat(), "to": query.period.last_day.isoformat(),
                   "title": query.period.title},
        "segment": query.segment or None,
        "options": {"include_rep_activity": query.include_rep_activity, "lookback_days": query.lookback_days,
                    "half_life_hours": query.half_life_hours, "order": query.order},
        "currency": loaded.currency,
        "other_currencies": loaded.other_currencies,
        "totals": {"conversions": touched_conversions + untouched, "value": _money(total_cents),
                   "journeys": ledger.journeys.n_paths - ledger.non_converting,
                   "non_converting_journeys": ledger.non_converting, "touches": ledger.touches},
        "untouched": {"conversions": untouched, "value": _money(untouched_cents)},
        "models": [_model_entry(name, results[name], query.half_life_hours) for name in query.models],
        "rows": rows,
        "self_reported": _self_reported(loaded, row_keys),
    }


def payload_text(payload: dict) -> str:
    """The one JSON text of a report: the API body, the CLI's --json output and the cached value."""
    return json.dumps(payload, indent=2, ensure_ascii=False)
