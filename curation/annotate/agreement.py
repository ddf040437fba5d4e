"""Inter-annotator agreement: Krippendorff's alpha with a nominal distance for single choices and the
MASI distance (Passonneau 2006) for multi-select sets, over items with at least two annotations.

alpha = 1 - D_o / D_e, where D_o averages the distance between the values given to the same item
(each item weighted by 1 / (m_u - 1), m_u its number of values) and D_e the distance between any two
values given anywhere (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable

Distance = Callable[[Hashable, Hashable], float]


def nominal(a: Hashable, b: Hashable) -> float:
    return 0.0 if a == b else 1.0


def masi(a: frozenset, b: frozenset) -> float:
    """1 - Jaccard × monotonicity (1 equal, 2/3 subset, 1/3 overlap, 0 disjoint); two empty sets agree."""
    if a == b:
        return 0.0
    union = a | b
    jaccard = len(a & b) / len(union)
    monotonicity = 2 / 3 if (a <= b or b <= a) else (1 / 3 if a & b else 0.0)
    return 1.0 - jaccard * monotonicity


def alpha(units: Iterable[list[Hashable]], distance: Distance = nominal) -> float | None:
    """Krippendorff's alpha over units (the values annotators gave one item). Units with fewer than two
    values are not pairable and are left out. None when there is nothing to compare, or no variation."""
    pairable = [list(u) for u in units if len(u) >= 2]
    n = sum(len(u) for u in pairable)
    if n < 2:
        return None
    observed = 0.0
    for unit in pairable:
        within = sum(distance(a, b) for i, a in enumerate(unit) for j, b in enumerate(unit) if i != j)
        observed += within / (len(unit) - 1)
    observed /= n
    counts = Counter(v for unit in pairable for v in unit)
    expected = sum(ca * cb * distance(a, b) for a, ca in counts.items() for b, cb in counts.items() if a != b)
    expected /= n * (n - 1)
    if expected == 0:
        return None  # every value is the same: agreement is undefined, not perfect
    return 1.0 - observed / expected
