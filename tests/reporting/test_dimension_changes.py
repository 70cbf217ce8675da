"""Finding the leads whose dimension values changed: the vectorised comparison equals the lead-by-lead one."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tandem.reporting.choices import DIMENSIONS
from tandem.reporting.dimensions import LeadDims, _encode, differing_leads


def _dims(rows: list[tuple]) -> LeadDims:
    rows = sorted(rows)
    codes, labels = {}, {}
    for i, dim in enumerate(DIMENSIONS, start=1):
        codes[dim], labels[dim] = _encode([r[i] for r in rows])
    return LeadDims(np.array([r[0] for r in rows], dtype=np.int64), codes, labels)


_value = st.sampled_from(["", "mid", "enterprise"])
_row = st.tuples(st.integers(1, 40), *[_value for _ in DIMENSIONS])


@given(st.lists(_row, unique_by=lambda r: r[0]), st.lists(_row, unique_by=lambda r: r[0]))
def test_the_changed_leads_are_those_whose_values_differ_one_by_one(stored_rows, current_rows):
    stored, current = _dims(stored_rows), _dims(current_rows)
    one_by_one = [lead for lead in stored.lead_ids.tolist() if stored.values_of(lead) != current.values_of(lead)]
    assert differing_leads(stored, current) == one_by_one
