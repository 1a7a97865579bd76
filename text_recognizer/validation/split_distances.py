"""Distances between the distributions of two splits, and how large they may be before a
split differs by more than sampling noise: two-sample Kolmogorov-Smirnov for numbers,
total variation for character frequencies."""

from __future__ import annotations

import math
from collections import Counter
from typing import Sequence

import numpy as np

#: Critical value c(alpha) of the two-sample Kolmogorov-Smirnov test at alpha = 0.001.
KS_C_ALPHA = 1.949
#: How many standard errors of sampling noise a total-variation distance may reach.
TVD_NOISE_FACTOR = 3.0


def ks_statistic(first: Sequence[float], second: Sequence[float]) -> float:
    """Two-sample Kolmogorov-Smirnov distance: the largest gap between the empirical CDFs.

    >>> ks_statistic([1, 2, 3], [1, 2, 3]), ks_statistic([0, 0], [1, 1])
    (0.0, 1.0)
    """
    a, b = np.sort(np.asarray(first, float)), np.sort(np.asarray(second, float))
    values = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, values, side="right") / len(a)
    cdf_b = np.searchsorted(b, values, side="right") / len(b)
    return float(np.abs(cdf_a - cdf_b).max())


def ks_limit(n: int, m: int, floor: float) -> float:
    """Largest KS distance accepted between samples of sizes ``n`` and ``m``.

    >>> round(ks_limit(4, 32, 0.1), 2), ks_limit(100_000, 100_000, 0.1)
    (1.03, 0.1)
    """
    return max(floor, KS_C_ALPHA * math.sqrt((n + m) / (n * m)))


def total_variation(first: Counter, second: Counter) -> float:
    """Total-variation distance between two frequency tables (0 = equal, 1 = disjoint).

    >>> total_variation(Counter("aab"), Counter("abb"))
    0.3333333333333333
    """
    n, m = sum(first.values()), sum(second.values())
    keys = set(first) | set(second)
    return 0.5 * sum(abs(first[k] / n - second[k] / m) for k in keys)


def tvd_limit(first: Counter, second: Counter, floor: float) -> float:
    """Largest accepted TVD: ``TVD_NOISE_FACTOR`` times its expectation under pure sampling
    noise (each frequency's normal approximation, pooled proportions), or ``floor``."""
    n, m = sum(first.values()), sum(second.values())
    pooled = first + second
    total = n + m
    spread = sum(math.sqrt(c / total * (1 - c / total) * (1 / n + 1 / m)) for c in pooled.values())
    return max(floor, TVD_NOISE_FACTOR * 0.5 * math.sqrt(2 / math.pi) * spread)
