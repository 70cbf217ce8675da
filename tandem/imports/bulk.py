"""Fast inserts for imports: ids reserved first, rows written with executemany (SQLite) or COPY (PostgreSQL).

Call inside transaction.atomic(). On SQLite the IMMEDIATE transaction holds the database's write
lock from its first statement, so ids read as "the next free ones" cannot be taken by another
writer before commit; on PostgreSQL ids come from the table's sequence. Rows are dicts of
attribute names (``lead_id``, not ``lead``); a field left out gets its model default. Values are
Python values (aware datetimes, Decimal, dict for JSON); this module adapts them per database.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date
from typing import Any

from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` primary keys nobody else will use."""
    if count <= 0:
        return []
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT array_agg(nextval(pg_get_serial_sequence(%s, 'id')) ORDER BY n) "
                           "FROM generate_series(1, %s) AS n", [model._meta.db_table, count])
            return cursor.fetchone()[0]
        cursor.execute(f"SELECT max(id) FROM {table}")  # noqa: S608 - a table name from the model
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [model._meta.db_table])
        found = cursor.fetchone()
        start = max(highest, found[0] if found else 0) + 1
    return list(range(start, start + count))


class Encoded(str):
    """A JSON value already encoded (the same criteria for many rows are encoded once)."""


def _json(value: Any) -> str:
    return value if isinstance(value, Encoded) else json.dumps(value)


def db_datetime(value: Any) -> Any:
    """A datetime as this database takes it in a raw query parameter."""
    if connection.vendor == "sqlite" and value is not None:
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return value


def _adapter(field: models.Field) -> Any:
    """How a Python value of this field is written, per database (None stays None)."""
    sqlite = connection.vendor == "sqlite"
    if isinstance(field, models.JSONField):
        return _json
    if isinstance(field, models.DateTimeField):
        if sqlite:
            return lambda v: v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
        return None
    if isinstance(field, models.DateField) and sqlite:
        return date.isoformat
    if isinstance(field, models.DecimalField) and sqlite:
        return str
    if isinstance(field, models.BooleanField) and sqlite:
        return int
    return None


class Table:
    """One model's table, ready to take rows as dicts of attribute names."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.vendor = connection.vendor
        self.fields = [f for f in model._meta.concrete_fields]
        self.attnames = [f.attname for f in self.fields]
        self.columns = [f.column for f in self.fields]
        self.adapters = [(i, a) for i, a in ((i, _adapter(f)) for i, f in enumerate(self.fields)) if a]

    def _defaults(self) -> list[Any]:
        defaults = []
        for f in self.fields:
            if f.primary_key:
                defaults.append(None)
            elif f.default is not NOT_PROVIDED:
                value = f.get_default()
                defaults.append(Encoded(json.dumps(value)) if isinstance(f, models.JSONField) else value)
            elif f.null:
                defaults.append(None)
            elif f.blank and isinstance(f, models.CharField | models.TextField):
                defaults.append("")
            else:
                defaults.append(_MISSING)
        return defaults

    def row_maker(self) -> Callable[[dict[str, Any]], tuple]:
        """A function turning one row (a dict of attribute names) into the tuple `write` takes."""
        defaults = self._defaults()
        index = {name: i for i, name in enumerate(self.attnames)}
        required = [name for i, name in enumerate(self.attnames) if defaults[i] is _MISSING]
        adapters = self.adapters
        model = self.model.__name__

        def make(row: dict[str, Any]) -> tuple:
            values = defaults.copy()
            for name, value in row.items():
                i = index.get(name)
                if i is not None:
                    values[i] = value
            for i, adapt in adapters:
                if values[i] is not None:
                    values[i] = adapt(values[i])
            if required:
                missing = [name for name in required if name not in row]
                if missing:
                    raise ValueError(f"{model}.{missing[0]} has no value and no default")
            return tuple(values)

        return make

    def tuples(self, rows: Sequence[dict[str, Any]]) -> list[tuple]:
        make = self.row_maker()
        return [make(row) for row in rows]

    def insert(self, rows: Sequence[dict[str, Any]]) -> int:
        """Write the rows; give each an 'id' from reserve_ids, or none at all to let the database number them."""
        if not rows:
            return 0
        return self.write(self.tuples(rows), with_id="id" in rows[0])

    def write(self, data: Iterable[tuple], *, with_id: bool = True) -> int:
        """Write tuples made by `row_maker`: one executemany (SQLite) or one COPY (PostgreSQL).

        `data` may be a generator: with PostgreSQL the server stores each row while the next is made.
        """
        columns = self.columns
        if not with_id:
            skip = self.attnames.index(self.model._meta.pk.attname)
            data = (values[:skip] + values[skip + 1:] for values in data)
            columns = columns[:skip] + columns[skip + 1:]
        table = connection.ops.quote_name(self.model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        written = 0
        with connection.cursor() as cursor, connection.wrap_database_errors:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for values in data:
                        copy.write_row(values)
                        written += 1
            else:
                marks = ", ".join(["?"] * len(columns))
                cursor.cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", data)  # noqa: S608
                written = max(cursor.cursor.rowcount, 0)
        return written


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()
_TABLES: dict[type[models.Model], Table] = {}


def table(model: type[models.Model]) -> Table:
    """The cached Table of a model (fields are read once per process and database vendor)."""
    key = model
    if key not in _TABLES or _TABLES[key].vendor != connection.vendor:
        _TABLES[key] = Table(model)
    return _TABLES[key]


def insert(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> int:
    return table(model).insert(rows)



def update(model: type[models.Model], columns: Sequence[str], rows: Sequence[tuple], *,
           bump_version: bool = False) -> int:
    """UPDATE each row's `columns` by id: rows are (value, …, id); one executemany, no per-row query building."""
    if not rows:
        return 0
    fields = [model._meta.get_field(name) for name in columns]
    adapters = [_adapter(f) for f in fields]
    data = [tuple(a(v) if a and v is not None else v for a, v in zip(adapters, row[:-1], strict=True)) + (row[-1],)
            for row in rows]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    if bump_version:
        sets += f", {quote('version')} = {quote('version')} + 1"
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE id = %s", data)  # noqa: S608
    return len(data)
