"""What a report is asked for: a UTC period and dimension filters, parsed the same way for API, CLI and pages.

The period is given as `from` and `to` (UTC days, both inclusive) or as a label (`2026-03`,
`2026-Q1`, `2026-W10`, `2026-03-05`, `2026`). A span that is exactly a whole UTC day, week,
month, quarter or year becomes that period, so its distinct-lead figures come from the rollups.
Without either, the report covers the current UTC month.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from tandem import clock
from tandem.core.periods import KINDS, Period, parse_period
from tandem.leads.errors import LeadInvalid
from tandem.reporting.choices import DIMENSIONS, FILTERS


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def whole_period(start: datetime, end: datetime) -> Period:
    """The period [start, end) as a whole UTC kind when it is one (a month, a quarter …), else a span."""
    for kind in KINDS:
        candidate = Period.of(kind, start)
        if (candidate.start, candidate.end) == (start, end):
            return candidate
    return Period.span(start, end)


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise LeadInvalid(f"{text!r} is not a date; write YYYY-MM-DD (UTC)", field=name) from None


def period_from(*, start: str | None = None, end: str | None = None, label: str | None = None,
                today: date | None = None) -> Period:
    if label:
        try:
            return parse_period(label)
        except ValueError as exc:
            raise LeadInvalid(str(exc), field="period") from None
    today = today or clock.now().date()
    if not start and not end:
        return Period.of("month", _midnight(today))
    first = _day(start, "from") if start else _day(end, "to").replace(day=1)
    last = _day(end, "to") if end else today
    if last < first:
        raise LeadInvalid("the period ends before it starts", field="to")
    return whole_period(_midnight(first), _midnight(last) + timedelta(days=1))


@dataclass(frozen=True)
class ReportFilter:
    """A period and the dimension values asked for (empty: every lead). `team` selects owners by team."""

    period: Period
    values: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @classmethod
    def build(cls, *, period: Period, **filters: str | int | None) -> ReportFilter:
        values = []
        for name in FILTERS:
            value = filters.get(name)
            if value not in (None, ""):
                values.append((name, str(value).strip()))
        unknown = set(filters) - set(FILTERS)
        if unknown:
            raise LeadInvalid(f"unknown filter {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
        return cls(period, tuple(values))

    def get(self, name: str) -> str | None:
        return dict(self.values).get(name)

    @property
    def is_filtered(self) -> bool:
        return bool(self.values)

    def dims(self) -> dict[str, list[str]]:
        """Stored dimension -> accepted values; a team becomes the owners in it (none: matches nobody)."""
        from tandem.people.models import User

        result: dict[str, list[str]] = {}
        for name, value in self.values:
            if name == "team":
                owners = [str(pk) for pk in User.objects.filter(team=value).values_list("pk", flat=True)]
                result["owner"] = [o for o in result.get("owner", owners) if o in owners]
            elif name == "owner":
                result["owner"] = [o for o in result.get("owner", [value]) if o == value]
            else:
                result[name] = [value]
        return result

    def rollup_key(self) -> tuple[str, list[str]] | None:
        """(dimension, values) when the rollups can answer (one dimension at most); None needs the ledger."""
        dims = self.dims()
        if not dims:
            return "", [""]
        if len(dims) == 1:
            name, values = next(iter(dims.items()))
            return name, values
        return None

    def with_period(self, period: Period) -> ReportFilter:
        return replace(self, period=period)

    def query(self, **extra: str) -> str:
        """The URL query that gives this filter back (for links to drill-downs and other reports)."""
        params = {**self.period_params(), **dict(self.values), **{k: v for k, v in extra.items() if v != ""}}
        return urlencode(params)

    def period_params(self) -> dict[str, str]:
        if self.period.kind in KINDS:
            return {"period": self.period.label}
        return {"from": self.period.start.date().isoformat(), "to": self.period.last_day.isoformat()}

    def describe(self) -> str:
        parts = [self.period.title]
        parts += [f"{name} {value}" for name, value in self.values]
        return " · ".join(parts)


def report_filter(*, start: str | None = None, end: str | None = None, period: str | None = None,
                  **filters: str | int | None) -> ReportFilter:
    """Parse what the API, the CLI and the pages receive into a ReportFilter (LeadInvalid names the field)."""
    for name in DIMENSIONS + ("team",):
        filters.setdefault(name, None)
    if filters.get("owner") not in (None, "") and not str(filters["owner"]).isdigit():
        from tandem.people.models import User

        owner = User.objects.filter(username=str(filters["owner"])).values_list("pk", flat=True).first()
        if owner is None:
            raise LeadInvalid(f"no user {filters['owner']!r}", field="owner")
        filters["owner"] = owner
    return ReportFilter.build(period=period_from(start=start, end=end, label=period), **filters)
