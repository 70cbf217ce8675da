"""Rescoring every lead at once (decay, or a new rulebook): chunked loading, the core's array kernel, bulk writes.

Each chunk of leads (in id order) is loaded as numpy arrays, scored with `score_bulk_detail`
(the same kernel as one lead alone), and written in one transaction: a LeadScore row is
rewritten only where its explanation (hence its parts) or rules version changed, and
`Lead.score` only where the total changed; `LeadScore.computed_at` is therefore when that
lead's score last changed. A pass that dies half-way leaves whole chunks done; running it again
finishes the job. On PostgreSQL the score rows go in with COPY and the lead scores with one
UPDATE ... FROM unnest(...) per chunk; the commit does not wait for the WAL flush (derived data:
a crash loses at most the last chunks, which the next pass recomputes).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db import connection, transaction

from tandem import clock
from tandem.core.scoring import BulkDetail, Rulebook, score_bulk_detail
from tandem.leads.models import Lead
from tandem.scoring.facts import Chunk, lead_chunks
from tandem.scoring.models import LeadScore
from tandem.scoring.rules import rules_current
from tandem.taxonomy.selectors import taxonomy_current


@dataclass(frozen=True)
class RecomputeSummary:
    leads: int
    changed: int
    advanced: int
    seconds: float
    rules_version: int

    @property
    def per_second(self) -> float:
        return self.leads / self.seconds if self.seconds else 0.0


def _explanations(detail: BulkDetail, rules: Rulebook) -> list[str]:
    """Each lead's explanation as JSON text ([[rule id, points], ...]), built from the per-rule matrices.

    Written as the database renders its JSON column back (PostgreSQL's jsonb keeps non-ASCII text
    as is; Django's JSON text on SQLite escapes it), so an unchanged record compares equal.
    """
    ascii_only = connection.vendor != "postgresql"
    fit_parts = [f'[{json.dumps(r.id, ensure_ascii=ascii_only)}, {r.points}]' for r in rules.fit]
    engagement_ids = [json.dumps(r.id, ensure_ascii=ascii_only) for r in rules.engagement]
    per_lead: list[list[str]] = [[] for _ in range(len(detail.scores.total))]
    rows, cols = np.nonzero(detail.fit_matched)
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        per_lead[i].append(fit_parts[j])
    rows, cols = np.nonzero(detail.engagement_fired)
    points = detail.engagement_points[rows, cols].tolist()
    for i, j, p in zip(rows.tolist(), cols.tolist(), points, strict=True):
        per_lead[i].append(f"[{engagement_ids[j]}, {p}]")
    return ["[" + ", ".join(parts) + "]" for parts in per_lead]


def _write_postgresql(chunk: Chunk, detail: BulkDetail, explanations: list[str], number: int, at: datetime,
                      rewrite: np.ndarray, changed: np.ndarray) -> None:
    table, leads = LeadScore._meta.db_table, Lead._meta.db_table
    first, last = int(chunk.ids[0]), int(chunk.ids[-1])
    stamp = at.isoformat()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        if rewrite.any():
            ids = chunk.ids[rewrite].tolist()
            rows = zip(ids, detail.scores.total[rewrite].tolist(), detail.scores.fit[rewrite].tolist(),
                       detail.scores.engagement[rewrite].tolist(), (explanations[i] for i in np.flatnonzero(rewrite)),
                       strict=True)
            # COPY's text format: JSON never holds a raw tab or newline, so only backslashes need escaping
            text = "".join(f"{i}\t{t}\t{f}\t{e}\t{x}\t{number}\t{stamp}\n" for i, t, f, e, x in rows)
            cursor.execute(f"DELETE FROM {table} WHERE lead_id BETWEEN %s AND %s AND lead_id = ANY(%s)",  # noqa: S608
                           [first, last, ids])
            columns = "lead_id, total, fit, engagement, explanation, rules_version, computed_at"
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(text.replace("\\", "\\\\"))
        if changed.any():
            sql = (f"UPDATE {leads} AS l SET score = v.s FROM unnest(%s::bigint[], %s::int[]) AS v(id, s) "  # noqa: S608
                   "WHERE l.id = v.id AND l.id BETWEEN %s AND %s AND l.score <> v.s")
            cursor.execute(sql, [chunk.ids[changed].tolist(), detail.scores.total[changed].tolist(), first, last])


def _write_generic(chunk: Chunk, detail: BulkDetail, explanations: list[str], number: int, at: datetime,
                   rewrite: np.ndarray, changed: np.ndarray) -> None:
    rows = [LeadScore(lead_id=int(chunk.ids[i]), total=int(detail.scores.total[i]), fit=int(detail.scores.fit[i]),
                      engagement=int(detail.scores.engagement[i]), explanation=json.loads(explanations[i]),
                      rules_version=number, computed_at=at) for i in np.flatnonzero(rewrite)]
    LeadScore.objects.bulk_create(rows, batch_size=2000, update_conflicts=True, unique_fields=["lead"],
                                  update_fields=["total", "fit", "engagement", "explanation", "rules_version",
                                                 "computed_at"])
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {Lead._meta.db_table} SET score = %s WHERE id = %s",  # noqa: S608
                           list(zip(detail.scores.total[changed].tolist(), chunk.ids[changed].tolist(),
                                    strict=True)))


def _to_rewrite(chunk: Chunk, explanations: list[str], number: int) -> np.ndarray:
    """Which leads' score records differ from what is stored (or are missing)."""
    stored = chunk.stored
    return np.fromiter((stored.get(lead) != (text, number) for lead, text in zip(chunk.ids.tolist(), explanations,
                                                                                   strict=True)),
                       bool, len(explanations))


def _auto_stages() -> set[str]:
    _, taxonomy = taxonomy_current()
    return {s.key for s in taxonomy.stages if any(t.auto for t in s.next)}


def scores_recompute(*, now: datetime | None = None, chunk_size: int = 50_000, advance: bool = True,
                     progress: Callable[[int, int], None] | None = None) -> RecomputeSummary:
    """Rescore every live lead as of `now`; leads whose score rose may then auto-advance. Returns the counts."""
    at = now or clock.now()
    started = time.perf_counter()
    number, rules = rules_current()
    total_leads = Lead.objects.filter(merged_into__isnull=True).count()
    write = _write_postgresql if connection.vendor == "postgresql" else _write_generic
    auto_stages = _auto_stages() if advance else set()
    done = changed_count = advanced = 0
    for chunk in lead_chunks(rules, size=chunk_size):
        detail = score_bulk_detail(chunk.columns, chunk.touches, rules, at)
        changed = detail.scores.total != chunk.scores
        explanations = _explanations(detail, rules)
        rewrite = _to_rewrite(chunk, explanations, number)
        with transaction.atomic():
            write(chunk, detail, explanations, number, at, rewrite, changed)
        risen = [int(i) for i, stage, up in zip(chunk.ids, chunk.stages, detail.scores.total > chunk.scores,
                                                strict=True) if up and stage in auto_stages]
        advanced += _advance(risen)
        done, changed_count = done + len(chunk.ids), changed_count + int(changed.sum())
        if progress:
            progress(done, total_leads)
    return RecomputeSummary(done, changed_count, advanced, time.perf_counter() - started, number)


def _advance(lead_ids: list[int]) -> int:
    from tandem.leads.services import lead_auto_advance

    moved = 0
    for lead in Lead.objects.filter(pk__in=lead_ids):
        with transaction.atomic():
            moved += bool(lead_auto_advance(lead=lead))
    return moved
