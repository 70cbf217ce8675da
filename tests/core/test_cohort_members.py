"""The records behind a cohort figure: `cohort_members` lists exactly what cohort conversion counts."""

from datetime import UTC, datetime

import numpy as np
from hypothesis import given, settings

from tandem.core.conversion import cohort_conversion, cohort_members, window_conversion
from tandem.core.funnel import Ledger
from tandem.core.periods import Period, parse_period
from tests.core.funnel_data import event_lists


@settings(max_examples=40, deadline=None)
@given(event_lists())
def test_the_members_of_a_cohort_are_exactly_the_entries_and_conversions_it_counts(evs):
    full = Ledger.from_events(evs)
    for cohort in (parse_period("2026-02"), parse_period("2026-Q2"),
                   Period.span(datetime(2026, 1, 10, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))):
        counted = (window_conversion(full, "mql", "sal", cohort) if cohort.kind == "span"
                   else cohort_conversion(full, "mql", "sal", [cohort])[0])
        leads, days = cohort_members(full, "mql", "sal", cohort)
        assert len(leads) == counted.entered == len(set(leads.tolist()))
        assert int((~np.isnan(days)).sum()) == counted.reached
