"""Statistics shared by the engines: the enrolment-weighted coefficient of variation (差异系数).

As in the national evaluation of county balanced compulsory education (2017) and
CONTRACTS.md: with P_i the students of school i and P their sum,
mean = Σ P_i·X_i / P, S = sqrt(Σ P_i·(X_i − mean)² / P), CV = S / mean.

>>> round(weighted_cv([279/45, 137/37, 935/89, 160/76, 402/55], [45, 37, 89, 76, 55]), 3)
0.515
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

ArrayLike = Sequence[float] | npt.NDArray[np.floating] | npt.NDArray[np.integer]


def weighted_cv(values: ArrayLike, weights: ArrayLike) -> float:
    """Enrolment-weighted CV of per-school values; 0.0 when the weighted mean is 0 or no weight."""
    x = np.asarray(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    total = float(w.sum())
    if x.size == 0 or total <= 0:
        return 0.0
    mean = float((w * x).sum() / total)
    if mean == 0:
        return 0.0
    s = float(np.sqrt((w * (x - mean) ** 2).sum() / total))
    return s / mean
