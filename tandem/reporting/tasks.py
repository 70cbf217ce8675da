"""Background work for reporting: keeping the rollups up to date, the nightly rebuild, sending packs."""

from __future__ import annotations

from django_tasks import task


@task()
def rollup_update() -> dict:
    """Bring the daily rollups up to date with the ledger (resuming an interrupted run first)."""
    from tandem.reporting.rollups import rollup_update as update

    run = update()
    return {"kind": run.kind, "days": run.days, "leads": run.leads, "rows": run.rows, "seconds": round(run.seconds, 3)}


@task()
def rollup_rebuild() -> dict:
    """Recompute every rollup row (a safety net: anything the feeds could not see is corrected overnight)."""
    from tandem.reporting.rollups import rollup_update as update

    run = update(rebuild=True)
    return {"kind": run.kind, "rows": run.rows, "seconds": round(run.seconds, 3)}


@task()
def packs_send_due() -> list[str]:
    """Send each scheduled pack whose time has come (once per period)."""
    from tandem.reporting.packs import packs_send_due as send
    from tandem.reporting.selectors import report_cache_prune

    report_cache_prune()
    return [f"{d.kind} {d.period}: {d.status}" for d in send()]


@task()
def dashboard_warm() -> list[str]:
    """Compute the dashboard for this month and this quarter, so the first person to open it reads a cache."""
    from tandem import clock
    from tandem.core.periods import Period
    from tandem.reporting.dashboard import dashboard_data
    from tandem.reporting.filters import ReportFilter

    periods = [Period.of(kind, clock.now()) for kind in ("month", "quarter")]
    for period in periods:
        dashboard_data(ReportFilter.build(period=period))
    return [p.label for p in periods]


@task()
def dashboard_refresh(query: str) -> str:
    """Recompute the dashboard for one filter (its URL query) after a page showed figures from before a change."""
    from django.http import QueryDict

    from tandem.reporting.choices import FILTERS
    from tandem.reporting.dashboard import dashboard_data
    from tandem.reporting.filters import report_filter

    params = QueryDict(query)
    f = report_filter(start=params.get("from"), end=params.get("to"), period=params.get("period"),
                      **{name: params.get(name) for name in FILTERS if name in params})
    dashboard_data(f)
    return f.describe()
