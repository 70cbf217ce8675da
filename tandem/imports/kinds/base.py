"""What every kind of import shares: its fields, the column mapping, the run context, a chunk's result.

A kind processes one chunk of rows inside the transaction that also moves the job's checkpoint;
it never commits and never writes the job. Every data row ends in exactly one outcome: ok,
skipped (already there, or not a record of this kind), failed (refused; its issues name the
fields) or waiting.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from tandem.imports.cells import FieldError, unguard
from tandem.imports.choices import IssueLevel
from tandem.imports.presets import Preset

#: Columns an export writes for reference that an import ignores without a note.
IGNORED_FIELDS = frozenset({"id", "segment", "recorded_at", "stage_name", "version", "updated_at"})


@dataclass(frozen=True)
class KindSpec:
    name: str
    fields: frozenset[str]
    required: tuple[tuple[str, ...], ...]  # each group: at least one of its fields must be mapped
    prefixes: tuple[str, ...] = ()  # dynamic fields, e.g. "entered:" + a stage key

    def accepts(self, target: str, stage_keys: Sequence[str]) -> bool:
        if target in self.fields or target in IGNORED_FIELDS:
            return True
        prefix, _, rest = target.partition(":")
        if f"{prefix}:" not in self.prefixes or not rest:
            return False
        return prefix != "entered" or rest in stage_keys


def _normal(header: str) -> str:
    return re.sub(r"[\s\-/]+", "_", header.strip().lower())


def resolve_mapping(header: Sequence[str], spec: KindSpec, preset: Preset | None, requested: dict[str, Any],
                    stage_keys: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    """The mapping used (CSV header -> field) and notes on the columns it leaves out.

    Start from the preset's columns, or else from headers named like the fields (``email``,
    ``mql_at`` for ``entered:mql``); then apply the user's mapping, where a null target drops a
    column. Raises ValueError("mapping: …") if a required field has no column.
    """
    mapping: dict[str, str] = {}
    for column in header:
        if preset is not None:
            target = preset.columns.get(column.strip())
        else:
            name = _normal(column)
            stage = name[:-3] if name.endswith("_at") else ""
            target = name if spec.accepts(name, stage_keys) else (
                f"entered:{stage}" if stage in stage_keys and "entered:" in spec.prefixes else None)
        if target:
            mapping[column] = target
    for column, target in (requested or {}).items():
        if column not in header:
            raise ValueError(f"mapping: the file has no column {column!r}")
        if not target:
            mapping.pop(column, None)
        elif not spec.accepts(str(target), stage_keys):
            raise ValueError(f"mapping: {target!r} is not a field of a {spec.name} import")
        else:
            mapping[column] = str(target)
    mapped = set(mapping.values())
    for group in spec.required:
        if not mapped & set(group):
            raise ValueError(f"mapping: no column maps to {' or '.join(group)}")
    dropped = {c for c, target in (requested or {}).items() if not target}
    ignored = [c for c in header if c not in mapping and c not in dropped and _normal(c) not in IGNORED_FIELDS
               and c.strip()]
    notes = [f"columns not imported: {', '.join(ignored)}"] if ignored else []
    return mapping, notes


def row_builder(header: Sequence[str], mapping: dict[str, str]) -> Callable[[list[str]], dict[str, str]]:
    """Turn a row's cells into {field: text}; two columns for one field give the first non-empty."""
    pairs = [(i, mapping[column]) for i, column in enumerate(header) if column in mapping]

    def build(cells: list[str]) -> dict[str, str]:
        row: dict[str, str] = {}
        width = len(cells)
        for i, name in pairs:
            if i < width:
                text = cells[i]
                if text:
                    text = text.strip()
                    if text and name not in row:
                        row[name] = unguard(text) if text[0] == "'" else text
        return row

    return build


@dataclass
class Context:
    """What a chunk needs besides its rows; built once per run."""

    job_id: int
    sha256: str
    namespace: str
    file_name: str
    tz: tzinfo | None
    date_formats: tuple[str, ...]
    values: dict[str, dict[str, str]]
    stage_fields: tuple[str, ...]
    by: Any
    now: datetime
    fields: frozenset[str] = frozenset()  # the fields the file's columns map to
    retrying: bool = False  # the chunk runs again after a conflict: check natural keys that are usually free
    cache: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Issue:
    line: int
    level: str
    field: str
    message: str
    value: str = ""


@dataclass
class ChunkResult:
    outcomes: dict[int, str] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    historical: set[int] = field(default_factory=set)
    counts: Counter = field(default_factory=Counter)
    days: set[date] = field(default_factory=set)
    resume_before: int | None = None  # first line that must run again (a merge waiting for its service)

    def ok(self, line: int) -> None:
        self.outcomes[line] = "ok"

    def fail(self, line: int, errors: Sequence[FieldError]) -> None:
        self.outcomes[line] = "failed"
        self.issues += [Issue(line, IssueLevel.ERROR, e.field, e.message, e.value) for e in errors]

    def skip(self, line: int, field_name: str, message: str, *, report: bool = True) -> None:
        self.outcomes[line] = "skipped"
        if report:
            self.issues.append(Issue(line, IssueLevel.SKIPPED, field_name, message))

    def warn(self, line: int, field_name: str, message: str, value: str = "") -> None:
        self.issues.append(Issue(line, IssueLevel.WARNING, field_name, message, value[:200]))

    def flag_historical(self, line: int, field_name: str, message: str) -> None:
        self.historical.add(line)
        self.issues.append(Issue(line, IssueLevel.HISTORICAL, field_name, message))

    def wait(self, line: int, field_name: str, message: str) -> None:
        self.outcomes[line] = "waiting"
        self.issues.append(Issue(line, IssueLevel.WAITING, field_name, message))
        if self.resume_before is None or line < self.resume_before:
            self.resume_before = line


class RowParser:
    """Collects every field error of one row instead of stopping at the first."""

    def __init__(self, row: dict[str, str]):
        self.row = row
        self.errors: list[FieldError] = []
        self.warnings: list[tuple[str, str, str]] = []  # (field, message, value): the row is still imported

    def get(self, name: str, parse: Callable[[str, str], Any] | None = None, default: Any = None) -> Any:
        text = self.row.get(name)
        if not text:
            return default
        if parse is None:
            return text
        try:
            return parse(text, name)
        except FieldError as exc:
            self.errors.append(exc)
            return default

    def require(self, name: str, message: str = "required") -> None:
        if not self.row.get(name):
            self.errors.append(FieldError(name, message))

    def error(self, name: str, message: str, value: str = "") -> None:
        self.errors.append(FieldError(name, message, value))
