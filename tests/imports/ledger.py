"""A ledger to import: the deterministic demo company written as the CSV files an adopter would bring.

Independent of the importer: it writes what tandem.demo.generator simulated (legal journeys with
recycles, disqualifications, won and lost opportunities) as leads.csv and stage_history.csv.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tandem.demo.generator import GenLead, generate

UNTIL = datetime(2026, 3, 1, tzinfo=UTC)
ROLE_TEAMS = {"maria": "marketing", "sven": "tele"}


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Ledger:
    leads_csv: Path
    history_csv: Path
    leads: list[GenLead]

    @property
    def events(self) -> int:
        return sum(len(lead.events) for lead in self.leads)


def write_ledger(folder: Path, *, leads: int, seed: int = 11) -> Ledger:
    accounts, stream = generate(seed=seed, leads=leads, until=UNTIL)
    by_key = {a.key: a for a in accounts}
    generated = list(stream)
    leads_csv, history_csv = folder / "leads.csv", folder / "stage_history.csv"
    with open(leads_csv, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["email", "first_name", "last_name", "phone", "title", "company", "domain", "country", "source",
                      "origin", "score", "created_at"])
        for g in generated:
            account = by_key[g.account]
            out.writerow([g.email, g.first_name, g.last_name, g.phone, g.title, account.name, account.domain,
                          g.country, g.source, g.origin, g.score, _iso(g.created_at)])
    with open(history_csv, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["lead_email", "from_stage", "to_stage", "at", "reason_code", "by"])
        for g in generated:
            for e in g.events:
                out.writerow([g.email, e.from_stage, e.to_stage, _iso(e.at), e.reason, e.actor or ""])
    return Ledger(leads_csv, history_csv, generated)
