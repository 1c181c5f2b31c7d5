"""The draw report on plain data: rank counts, envy, egalitarian value."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from junheng.engines import allocation
from junheng.enrolment.report import combine, draw_report, egalitarian, envy_pairs


def test_envy_counts_pairs_by_hand():
    # a (first) wants x then y, holds y; b (second) holds x: a envies b -> 1 pair.
    choices = {"a": [(1, "x"), (2, "y")], "b": [(1, "x")], "c": [(1, "y")]}
    held = {"a": [(2, "y")], "b": [(1, "x")]}
    pos = {"a": 0, "b": 1, "c": 2}
    assert envy_pairs(choices, held, pos, 1) == 1
    # c (last) wants y which a holds, but a is earlier: no justified envy.
    rep = draw_report(choices, held, pos, 1)
    assert rep["by_rank"] == {"1": 1, "2": 1} and rep["nothing"] == 1
    assert rep["egalitarian"] == 3.0  # c got nothing: R + 1 = 3
    assert [w["student"] for w in rep["worst_off"]] == ["c"]


def test_egalitarian_is_the_mean_of_the_worst_decile():
    assert egalitarian([1] * 18 + [3, 5]) == 4.0
    assert egalitarian([]) is None


def test_combine_adds_counts_and_recomputes_the_decile():
    a = {"students": 2, "nothing": 0, "envy": 0, "by_rank": {"1": 2}, "outcome_ranks": [1, 1]}
    b = {"students": 1, "nothing": 1, "envy": 2, "by_rank": {"1": 0}, "outcome_ranks": [4]}
    c = combine([a, b])
    assert (c["students"], c["first"], c["nothing"], c["envy"]) == (3, 2, 1, 2)
    assert c["egalitarian"] == 4.0


@settings(max_examples=60, deadline=None)
@given(
    caps=st.lists(st.integers(0, 3), min_size=1, max_size=5),
    lists=st.lists(st.lists(st.integers(0, 4), max_size=4, unique=True), min_size=1, max_size=12),
    seed=st.text(max_size=8),
)
def test_da_never_has_justified_envy(caps, lists, seed):
    offers = [allocation.Offering(f"o{i}", c) for i, c in enumerate(caps)]
    choices = [
        allocation.Choice(f"s{s}", r, f"o{o}")
        for s, wanted in enumerate(lists)
        for r, o in enumerate((o for o in wanted if o < len(caps)), start=1)
    ]
    result = allocation.allocate(offers, choices, seed=seed, method="da")
    ch: dict[str, list[tuple[int, str]]] = {}
    for c in choices:
        ch.setdefault(c.student_id, []).append((c.rank, c.offering_id))
    held: dict[str, list[tuple[int, str]]] = {}
    for a in result.assignments:
        held.setdefault(a.student_id, []).append((a.rank, a.offering_id))
    pos = {s: i for i, s in enumerate(result.service_order_ids())}
    assert envy_pairs(ch, held, pos, 1) == 0
