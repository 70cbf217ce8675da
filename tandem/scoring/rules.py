"""The scoring rulebook as versioned data: load, dump, validate, publish and read the version in force.

Every change, however made (API, CLI, migration), goes through `rules_publish`, which validates the
whole document (each problem named by its path) and stores the next version with a readable diff.
"""

from __future__ import annotations

import difflib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import Max

from tandem.audit.services import audit_record
from tandem.core.documents import document_format, document_parse
from tandem.core.scoring import (
    NumberColumn,
    Rulebook,
    RulesInvalid,
    TextColumn,
    encode_touches,
    parse_rules,
    score_bulk,
)
from tandem.scoring.facts import FIELDS, unknown_fields
from tandem.scoring.models import RulesVersion

DEFAULT_RULES_FILE = Path(__file__).with_name("default_rules.yaml")
_EPOCH_NOW = datetime(2000, 1, 1, tzinfo=UTC)
_parsed: dict[tuple[int, datetime], Rulebook] = {}


class RulesUnchanged(ValueError):
    pass


def rules_document_load(text: str, *, filename: str = "") -> dict[str, Any]:
    """Parse YAML or JSON text into a document; syntax errors name the line."""
    return document_parse(text, filename=filename, invalid=RulesInvalid)


def rules_document_dump(document: dict[str, Any], *, fmt: str = "yaml") -> str:
    return document_format(document, fmt=fmt, width=110)


def rules_default_document() -> dict[str, Any]:
    return rules_document_load(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))


def rules_validate(document: Any) -> Rulebook:
    """Parse with the core, then check every field is one Tandem loads and has the right type."""
    rules = parse_rules(document)
    problems = unknown_fields(rules)
    if problems:
        raise RulesInvalid(problems)
    columns = {name: NumberColumn(np.full(1, np.nan)) if FIELDS[name][1] else TextColumn(np.full(1, -1), ())
               for name in {r.field for r in rules.fit}}
    try:
        score_bulk(columns, encode_touches([[]]), rules, _EPOCH_NOW)
    except ValueError as exc:  # a numeric rule on a text field, or the reverse
        raise RulesInvalid([str(exc)]) from exc
    return rules


def _rule_map(document: dict[str, Any], section: str) -> dict[str, Any]:
    return {r.get("id"): r for r in document.get(section) or [] if isinstance(r, dict)}


def rules_change_summary(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """One plain line per change: "fit rule title_vp: points changed", "engagement rule webinar: added"."""
    if not old:
        return ["first version"]
    lines = []
    for section, noun in (("fit", "fit rule"), ("engagement", "engagement rule")):
        before, after = _rule_map(old, section), _rule_map(new, section)
        lines += [f"{noun} {k}: added" for k in after if k not in before]
        lines += [f"{noun} {k}: removed" for k in before if k not in after]
        for key in [k for k in after if k in before and after[k] != before[k]]:
            changed = sorted(f for f in set(after[key]) | set(before[key]) if after[key].get(f) != before[key].get(f))
            lines.append(f"{noun} {key}: {', '.join(changed)} changed")
    if old.get("half_life_days") != new.get("half_life_days"):
        lines.append("half_life_days changed")
    return lines or ["no change"]


def _diff(old: dict[str, Any] | None, new: dict[str, Any]) -> str:
    def text(doc: dict[str, Any] | None) -> list[str]:
        return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False).splitlines() if doc else []

    return "\n".join(difflib.unified_diff(text(old), text(new), "previous", "new", lineterm="", n=2))


def rules_publish(*, document: dict[str, Any], by: Any = None, note: str = "") -> RulesVersion:
    """Validate `document` and store it as the next version. Audited. Scores follow on the next rescore."""
    rules_validate(document)
    previous = RulesVersion.objects.order_by("-number").first()
    if previous is not None and previous.document == document:
        raise RulesUnchanged(f"the rules are identical to version {previous.number}; nothing published")
    try:
        with transaction.atomic():
            number = (RulesVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
            version = RulesVersion.objects.create(
                number=number, document=document, created_by=by if getattr(by, "pk", None) else None,
                note=note[:300], summary=rules_change_summary(previous.document if previous else None, document),
                diff=_diff(previous.document if previous else None, document))
            audit_record(actor=by, action="scoring.rules_publish", obj=version,
                         changes={"number": [previous.number if previous else None, number]})
    except IntegrityError as exc:
        raise RulesUnchanged("another version was published at the same moment; reload and try again") from exc
    return version


def rules_import(*, text: str, filename: str = "", by: Any = None, note: str = "") -> RulesVersion:
    document = rules_document_load(text, filename=filename)
    return rules_publish(document=document, by=by, note=note or f"imported {Path(filename).name}".strip())


def _seed_default() -> None:
    try:
        with transaction.atomic():
            RulesVersion.objects.create(number=1, document=rules_default_document(), note="the rulebook Tandem ships",
                                        summary=["first version"])
    except IntegrityError:
        pass  # seeded meanwhile by another request


def rules_version_current() -> RulesVersion:
    version = RulesVersion.objects.order_by("-number").first()
    if version is None:
        _seed_default()
        version = RulesVersion.objects.order_by("-number").first()
    return version


def rules_current() -> tuple[int, Rulebook]:
    """The number and parsed rulebook in force now (parsed versions are cached: versions never change)."""
    latest = RulesVersion.objects.order_by("-number").values_list("number", "created_at").first()
    if latest is None:  # a flushed database (tests) or a deleted history: start again from the shipped rulebook
        _seed_default()
        latest = RulesVersion.objects.order_by("-number").values_list("number", "created_at").get()
    if latest not in _parsed:
        _parsed[latest] = parse_rules(RulesVersion.objects.values_list("document", flat=True).get(number=latest[0]))
    return latest[0], _parsed[latest]


def rules_parsed(number: int) -> Rulebook:
    """Version `number` parsed; cached by number and creation instant (a version never changes)."""
    key = RulesVersion.objects.filter(number=number).values_list("number", "created_at").get()
    if key not in _parsed:
        _parsed[key] = parse_rules(RulesVersion.objects.values_list("document", flat=True).get(number=number))
    return _parsed[key]


def rules_versions():
    return RulesVersion.objects.select_related("created_by").order_by("-number")


