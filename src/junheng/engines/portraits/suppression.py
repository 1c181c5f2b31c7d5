"""Small-group suppression of cohort figures, primary and complementary (小样本保护).

A cell of fewer than ``min_group`` students never shows a figure (primary suppression). That
alone is not enough: a school's mean and the means of all its grades but one give the last
grade's mean away by difference (``n·mean`` of the school minus the visible grades' ``n·mean``).
So for every *partition* — a parent cell shown with the child cells that split it (a school and
its grades, a grade and its classes, the region and its schools…) — the students whose figure
is hidden (the hidden children, plus any of the parent's students in no child at all) must
number 0 or at least ``min_group``: then what a difference gives away is a figure of a group
at least as large as any figure shown. Until that holds, the shown child with the fewest
students (then the smallest key) is hidden too; when no child is left to hide, the parent is.
Hiding a cell can break a partition it belongs to elsewhere, so this repeats until nothing
changes (it ends: the hidden set only grows).

>>> counts = {"school": 40, "g1": 12, "g2": 20, "g3": 8}
>>> sorted(protect(counts, [("school", ["g1", "g2", "g3"])], 10))
['g1', 'g3']
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def protect(
    counts: Mapping[K, int],
    partitions: Iterable[tuple[K, Sequence[K]]],
    min_group: int,
) -> set[K]:
    """The cells (keys of `counts`, each cell's number of students) whose figure must not be
    shown. A partition is (parent, children); a child missing from `counts` has no students."""
    parts = [(parent, [c for c in children if c in counts]) for parent, children in partitions]
    hidden = {k for k, n in counts.items() if n < min_group}
    changed = True
    while changed:
        changed = False
        for parent, children in parts:
            if parent in hidden or parent not in counts:
                continue
            while True:
                left_out = counts[parent] - sum(counts[c] for c in children)
                exposed = max(left_out, 0) + sum(counts[c] for c in children if c in hidden)
                if exposed == 0 or exposed >= min_group:
                    break
                shown = [c for c in children if c not in hidden]
                if not shown:
                    hidden.add(parent)
                    changed = True
                    break
                hidden.add(min(shown, key=lambda c: (counts[c], str(c))))
                changed = True
    return hidden
