"""Statistics the report needs: the Mann-Whitney U test (normal approximation, ties)."""

import math


def mann_whitney(a: list[float], b: list[float]) -> tuple[float, float, float]:
    """Return U of `a`, the z score and the two-sided p value for "a and b differ"."""
    n1, n2 = len(a), len(b)
    pooled = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    ranks = [0.0] * len(pooled)
    ties = 0.0
    i = 0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        t = j - i + 1
        ties += t**3 - t
        i = j + 1
    r1 = sum(r for r, (_, group) in zip(ranks, pooled, strict=True) if group == 0)
    u = r1 - n1 * (n1 + 1) / 2
    n = n1 + n2
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))))
    mean = n1 * n2 / 2
    z = 0.0 if sigma == 0 else (abs(u - mean) - 0.5) / sigma
    return u, z, math.erfc(max(z, 0.0) / math.sqrt(2))


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
