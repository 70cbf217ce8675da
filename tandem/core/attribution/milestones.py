"""Milestone models: W-shaped and full path (Z-shaped).

A milestone is a touch that moved the journey to a funnel stage:

* W-shaped: first touch, lead-creation touch, opportunity-creation touch get 30% each; the
  remaining 10% is spread evenly over the other touches.
* Full path (Z-shaped): first touch, lead creation, opportunity creation and closed/won (the last
  touch before the deal closed) get 22.5% each; the remaining 10% is spread evenly over the
  other touches.

Rules shared by both, which keep each path's weights summing to 1 (so credit summed over channels
equals total conversions and total value):

* milestones on the same touch add up (a lead created on the first touch gives it 60% in W);
* when every touch is a milestone, the remaining 10% is spread evenly over all touches;
* a milestone the journey does not record (index -1, or a path file without milestone columns)
  falls on the last touch: the conversion follows the last touch, so a milestone not recorded
  earlier is taken to be reached there. A path file thus gives W = 30% first, 60% last, 10% middle.
"""

from __future__ import annotations

import numpy as np

from tandem.core.attribution.credit import Attribution, from_touch_weights
from tandem.core.attribution.journeys import JourneySet, converting

W_MILESTONE_SHARE = 0.3
FULL_PATH_MILESTONE_SHARE = 0.225


def milestone_positions(js: JourneySet, closed_won: bool) -> list[np.ndarray]:
    """Per path, the positions of the milestone touches (unknown ones on the last touch)."""
    last = js.lengths - 1
    positions = [np.zeros(js.n_paths, dtype=np.int64)]
    for index in (js.lead_index, js.opportunity_index):
        positions.append(last.copy() if index is None else np.where(index >= 0, index, last))
    if closed_won:
        positions.append(last)
    return positions


def milestone_weights(js: JourneySet, positions: list[np.ndarray], share: float) -> np.ndarray:
    """Per-touch weights: ``share`` per milestone, the rest evenly over the non-milestone touches."""
    weights = np.zeros(len(js.touches))
    for pos in positions:
        np.add.at(weights, js.offsets[:-1] + pos, share)
    rest = 1.0 - share * len(positions)
    is_other = weights == 0
    others = np.bincount(js.path_of_touch, is_other.astype(np.float64), minlength=js.n_paths)
    path = js.path_of_touch
    spread_over_others = others[path] > 0
    receives = np.where(spread_over_others, is_other, True)
    count = np.where(spread_over_others, others[path], js.lengths[path])
    return weights + np.where(receives, rest / count, 0.0)


def w_shaped(js: JourneySet) -> Attribution:
    """30% first touch, 30% lead creation, 30% opportunity creation, 10% over the others."""
    js = converting(js)
    weights = milestone_weights(js, milestone_positions(js, closed_won=False), W_MILESTONE_SHARE)
    return from_touch_weights(js, "w_shaped", weights, note=_note(js))


def full_path(js: JourneySet) -> Attribution:
    """22.5% each to first touch, lead creation, opportunity creation, closed/won; 10% over the others."""
    js = converting(js)
    weights = milestone_weights(js, milestone_positions(js, closed_won=True), FULL_PATH_MILESTONE_SHARE)
    return from_touch_weights(js, "full_path", weights, note=_note(js))


def _note(js: JourneySet) -> str:
    if js.lead_index is None and js.opportunity_index is None:
        return "no milestone data: lead and opportunity creation taken at the last touch"
    return ""
