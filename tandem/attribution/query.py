"""What an attribution report is asked for, parsed one way for the page, the API and the CLI.

A query names the level (what counts as a conversion), the dimension (what a touch is credited
to), a UTC period, an optional account segment, the models and their parameters. Its `key` is
a digest of all of these: two queries with the same key always give the same result.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tandem import clock
from tandem.accounts.models import Segment
from tandem.core.attribution import MODELS
from tandem.core.periods import KINDS, Period, parse_period
from tandem.leads.errors import LeadInvalid

LEVELS = {
    "sourced": "Leads sourced",
    "pipeline": "Pipeline created",
    "revenue": "Revenue won",
}
DIMENSIONS = {"channel": "Channel", "campaign": "Campaign", "content": "Content item"}
DEFAULT_MODELS = ("first_touch", "last_touch", "linear", "position_based", "time_decay", "w_shaped", "full_path",
                  "markov", "shapley")
DEFAULT_LOOKBACK_DAYS = 365
MAX_LOOKBACK_DAYS = 3650
DEFAULT_HALF_LIFE_HOURS = 168.0
MAX_ORDER = 4


@dataclass(frozen=True)
class AttributionQuery:
    """One attribution report: level, dimension, period [start, end), segment ("" = all), models, options."""

    level: str
    dimension: str
    period: Period
    segment: str = ""
    models: tuple[str, ...] = DEFAULT_MODELS
    include_rep_activity: bool = False
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    half_life_hours: float = DEFAULT_HALF_LIFE_HOURS
    order: int = 1
    currency: str = ""

    @property
    def window_start(self) -> datetime:
        """The oldest instant a touch can have and still be on a journey of this period."""
        return self.period.start - timedelta(days=self.lookback_days)

    def params(self) -> dict:
        """Everything that decides the result, as plain JSON values."""
        return {
            "level": self.level, "dimension": self.dimension, "from": self.period.start.date().isoformat(),
            "to": self.period.last_day.isoformat(), "segment": self.segment or None, "models": list(self.models),
            "include_rep_activity": self.include_rep_activity, "lookback_days": self.lookback_days,
            "half_life_hours": self.half_life_hours, "order": self.order, "currency": self.currency or None,
        }

    @property
    def key(self) -> str:
        text = json.dumps(self.params(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:40]

    def url_params(self) -> dict[str, str]:
        """The query string that asks for this report again (page, API)."""
        params = {"level": self.level, "dimension": self.dimension}
        if self.period.kind in KINDS:
            params["period"] = self.period.label
        else:
            params.update({"from": self.period.start.date().isoformat(), "to": self.period.last_day.isoformat()})
        if self.segment:
            params["segment"] = self.segment
        if self.models != DEFAULT_MODELS:
            params["models"] = ",".join(self.models)
        if self.include_rep_activity:
            params["include_rep_activity"] = "true"
        return params


def _day(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise LeadInvalid(f"{text!r} is not a date; write YYYY-MM-DD (UTC)", field=name) from None


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def period_of(*, start: str | None, end: str | None, label: str | None) -> Period:
    """`from`/`to` (UTC days, both inclusive) or a label (2026-Q1, 2026-03, 2026); neither: this quarter."""
    if label:
        try:
            return parse_period(label.strip())
        except ValueError as exc:
            raise LeadInvalid(str(exc), field="period") from None
    today = clock.now().date()
    if not start and not end:
        return Period.of("quarter", _midnight(today))
    first = _day(start, "from") if start else _day(end, "to").replace(day=1)
    last = _day(end, "to") if end else today
    if last < first:
        raise LeadInvalid("the period ends before it starts", field="to")
    begin, finish = _midnight(first), _midnight(last) + timedelta(days=1)
    for kind in KINDS:  # a whole month or quarter keeps its name
        if (candidate := Period.of(kind, begin)).end == finish:
            return candidate
    return Period.span(begin, finish)


def _models(text: str | None) -> tuple[str, ...]:
    if not text or not text.strip():
        return DEFAULT_MODELS
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        raise LeadInvalid(f"unknown model {unknown[0]!r}; known: {', '.join(MODELS)}", field="models")
    return names


def _bool(value: str | bool | None, name: str) -> bool:
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = value.strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise LeadInvalid("write true or false", field=name)


def attribution_query(*, level: str | None = None, dimension: str | None = None, start: str | None = None,
                      end: str | None = None, period: str | None = None, segment: str | None = None,
                      models: str | None = None, include_rep_activity: str | bool | None = None,
                      lookback_days: int | None = None, half_life_hours: float | None = None,
                      order: int | None = None, currency: str | None = None) -> AttributionQuery:
    """Parse what the page, the API and the CLI receive; LeadInvalid names the field at fault."""
    level = (level or "sourced").strip()
    if level not in LEVELS:
        raise LeadInvalid(f"must be one of {', '.join(LEVELS)}", field="level")
    dimension = (dimension or "channel").strip()
    if dimension not in DIMENSIONS:
        raise LeadInvalid(f"must be one of {', '.join(DIMENSIONS)}", field="dimension")
    segment = (segment or "").strip()
    if segment and segment not in Segment.values:
        raise LeadInvalid(f"must be one of {', '.join(Segment.values)}", field="segment")
    lookback = DEFAULT_LOOKBACK_DAYS if lookback_days is None else int(lookback_days)
    if not 1 <= lookback <= MAX_LOOKBACK_DAYS:
        raise LeadInvalid(f"must be between 1 and {MAX_LOOKBACK_DAYS}", field="lookback_days")
    half_life = DEFAULT_HALF_LIFE_HOURS if half_life_hours is None else float(half_life_hours)
    if not 0 < half_life <= 24 * 3650:
        raise LeadInvalid("must be a positive number of hours (at most ten years)", field="half_life_hours")
    chain_order = 1 if order is None else int(order)
    if not 1 <= chain_order <= MAX_ORDER:
        raise LeadInvalid(f"must be between 1 and {MAX_ORDER}", field="order")
    money = (currency or "").strip().upper()
    if money and (len(money) != 3 or not money.isalpha()):
        raise LeadInvalid("a three-letter currency code, e.g. EUR", field="currency")
    return AttributionQuery(level=level, dimension=dimension, period=period_of(start=start, end=end, label=period),
                            segment=segment, models=_models(models),
                            include_rep_activity=_bool(include_rep_activity, "include_rep_activity"),
                            lookback_days=lookback, half_life_hours=half_life, order=chain_order, currency=money)
