"""The one serializer: a report's dataclasses as JSON-ready data, as JSON text and as CSV text.

The API, the CLI, the dashboard and the packs all print what these functions return, so the same
report gives the same bytes everywhere. Decimals become strings ("12000.50"), floats are rounded
to 6 decimals, instants are ISO-8601 UTC with "Z", days ISO dates.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any


def to_data(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_data(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def as_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _scalar(value: Any) -> bool:
    return not isinstance(value, list | dict)


def tables(data: dict) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The report's tables: a one-row summary of its plain figures, then each list of rows.

    Nested lists (a goal's steps) become their own table, each row keyed by its parent's first column.
    """
    result: list[tuple[str, list[str], list[list[Any]]]] = []
    summary = {k: v for k, v in data.items() if k != "meta" and _scalar(v)}
    if summary:
        result.append(("summary", list(summary), [list(summary.values())]))
    for name, value in data.items():
        if name == "meta" or not isinstance(value, list) or not value or not isinstance(value[0], dict):
            continue
        header = [k for k, v in value[0].items() if _scalar(v)]
        result.append((name, header, [[row[k] for k in header] for row in value]))
        for key, nested in value[0].items():
            if isinstance(nested, list) and nested and isinstance(nested[0], dict):
                parent = header[0]
                inner = [k for k, v in nested[0].items() if _scalar(v)]
                rows = [[row[parent], *[item[k] for k in inner]] for row in value for item in row[key]]
                result.append((f"{name}.{key}", [f"{name[:-1] if name.endswith('s') else name}_{parent}", *inner],
                               rows))
    return result


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def table_csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    return out.getvalue()


def as_csv(data: dict) -> str:
    """One CSV; with several tables, each starts with a line `# name` and they are separated by a blank line."""
    found = tables(data)
    if len(found) == 1:
        return table_csv(found[0][1], found[0][2])
    return "\n".join(f"# {name}\n{table_csv(header, rows)}" for name, header, rows in found)
