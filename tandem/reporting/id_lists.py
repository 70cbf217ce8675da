"""Selecting rows by long lists of ids, the way each database does it well.

PostgreSQL takes the whole list as one array parameter (`= ANY(%s)`); SQLite takes chunks of an
`IN (…)` list, below its limit on parameters. Thousands of ids then cost one query (PostgreSQL) or
a few (SQLite), not thousands of placeholders to convert.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

SQLITE_CHUNK = 5000


def id_chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    """The ids (sorted, distinct) in the chunks one query takes."""
    values = sorted({int(i) for i in ids})
    size = (len(values) or 1) if connection.vendor == "postgresql" else SQLITE_CHUNK
    for start in range(0, len(values), size):
        yield values[start:start + size]


def in_sql(column: str, chunk: list[int]) -> tuple[str, list]:
    """SQL `column` in the chunk, and its parameters."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [chunk]
    return f"{column} IN ({', '.join(['%s'] * len(chunk))})", list(chunk)


def in_q(field: str, chunk: list[int]) -> Q:
    """A Q of `field` in the chunk."""
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__in": RawSQL("SELECT unnest(%s::bigint[])", (chunk,))})  # noqa: S611 - a parameter
    return Q(**{f"{field}__in": chunk})
