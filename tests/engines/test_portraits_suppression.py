"""Complementary suppression: no figure under the group size, nor one that gives such a cell
away by difference from the figures shown."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from junheng.engines.portraits.suppression import protect


def test_one_hidden_grade_hides_the_next_smallest_so_the_school_less_the_rest_says_nothing():
    counts = {"school": 40, "g1": 12, "g2": 20, "g3": 8}
    assert protect(counts, [("school", ["g1", "g2", "g3"])], 10) == {"g1", "g3"}


def test_two_small_hidden_cells_are_not_enough_when_together_they_are_under_the_size():
    counts = {"school": 27, "g1": 3, "g2": 4, "g3": 20}
    # 3 + 4 = 7 children could be worked out together: hide g3 as well
    assert protect(counts, [("school", ["g1", "g2", "g3"])], 10) == {"g1", "g2", "g3"}
    counts = {"school": 26, "g1": 6, "g2": 8, "g3": 12}
    assert protect(counts, [("school", ["g1", "g2", "g3"])], 10) == {"g1", "g2"}


def test_when_no_child_is_left_to_hide_the_total_is_hidden():
    counts = {"grade": 15, "c1": 15}  # 15 in class 1, 0 elsewhere: nothing hidden
    assert protect(counts, [("grade", ["c1"])], 10) == set()
    counts = {"grade": 18, "c1": 12}  # 6 children in no class: hide class 1
    assert protect(counts, [("grade", ["c1"])], 10) == {"c1"}
    counts = {"grade": 14, "c1": 9}  # the class is hidden and 5 in no class: 9 + 5 = 14 ≥ 10
    assert protect(counts, [("grade", ["c1"])], 10) == {"c1"}
    counts = {"grade": 12, "c1": 5, "c2": 3}  # 5 + 3 + 4 in no class = 12: the grade shows
    assert protect(counts, [("grade", ["c1", "c2"])], 10) == {"c1", "c2"}
    counts = {"school": 30, "g1": 25, "g2": 3, "grade_x": 2}
    got = protect(counts, [("school", ["g1", "g2"])], 10)
    assert got == {"g1", "g2", "grade_x"}


def test_hiding_spreads_to_the_partitions_a_hidden_cell_belongs_to():
    # school s1 is hidden as the county's complement; then the urban total less s2 gives s1
    counts = {"county": 40, "urban": 25, "rural": 15, "s1": 13, "s2": 12, "s3": 9, "s4": 6}
    parts = [
        ("county", ["urban", "rural"]),
        ("county", ["s1", "s2", "s3", "s4"]),
        ("urban", ["s1", "s2"]),
        ("rural", ["s3", "s4"]),
    ]
    hidden = protect(counts, parts, 10)
    assert {"s3", "s4"} <= hidden
    _check(counts, parts, 10, hidden)


def _check(counts, parts, size, hidden):
    for k, n in counts.items():
        assert n >= size or k in hidden
    for parent, children in parts:
        if parent in hidden:
            continue
        left_out = counts[parent] - sum(counts[c] for c in children)
        exposed = max(left_out, 0) + sum(counts[c] for c in children if c in hidden)
        assert exposed == 0 or exposed >= size, (parent, exposed)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 30), min_size=1, max_size=4), min_size=1, max_size=5),
    st.integers(1, 12),
)
def test_nothing_shown_gives_a_small_group_away_by_difference(tree, size):
    """A county of schools of grades (some children in no grade): whatever the sizes, every
    partition whose total shows hides 0 or at least `size` children."""
    counts: dict[str, int] = {}
    parts = []
    for s, grades in enumerate(tree):
        names = [f"s{s}g{g}" for g in range(len(grades))]
        counts |= dict(zip(names, grades, strict=True))
        counts[f"s{s}"] = sum(grades) + s % 2  # an odd school has one child in no grade
        parts.append((f"s{s}", names))
    counts["county"] = sum(counts[f"s{s}"] for s in range(len(tree)))
    parts.append(("county", [f"s{s}" for s in range(len(tree))]))
    hidden = protect(counts, parts, size)
    _check(counts, parts, size, hidden)
    assert protect(counts, parts, size) == hidden  # same input, same cells
