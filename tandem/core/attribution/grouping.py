"""Grouping of integer keys by sorting (numpy's hash-based ``unique`` is slow on large arrays).

:func:`group_keys` returns the distinct keys in increasing order and, for every input key, the
index of its group: ``distinct[inverse] == keys`` always holds.
"""

from __future__ import annotations

import numpy as np


def group_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct keys, group index of each key) with ``distinct[inverse] == keys``."""
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.ones(len(ordered), dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = np.cumsum(starts) - 1
    return ordered[starts], inverse
