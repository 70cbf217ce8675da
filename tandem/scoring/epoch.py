"""Database expressions that read a timestamp as whole Unix epoch seconds or microseconds (UTC).

The array maths in tandem.core takes int64 epoch instants; computing them in the query saves
building millions of datetime objects. SQLite stores Django datetimes as UTC text
('YYYY-MM-DD HH:MM:SS[.ffffff]'); PostgreSQL's EXTRACT(EPOCH ...) is exact to the microsecond.
"""

from __future__ import annotations

from django.db.models import BigIntegerField, Func


class EpochSeconds(Func):
    """Whole seconds since the epoch, floored (as `tandem.core.scoring.epoch_seconds`)."""

    output_field = BigIntegerField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)",
                           **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="FLOOR(EXTRACT(EPOCH FROM %(expressions)s))::bigint",
                           **extra)


class EpochMicros(Func):
    """Microseconds since the epoch (as `tandem.core.business_time.to_us`); NULL stays NULL."""

    output_field = BigIntegerField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra):
        template = ("(CAST(strftime('%%%%s', %(expressions)s) AS INTEGER) * 1000000 "
                    "+ CAST(substr(%(expressions)s, 21, 6) AS INTEGER))")
        return self.as_sql(compiler, connection, template=template, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint",
                           **extra)
