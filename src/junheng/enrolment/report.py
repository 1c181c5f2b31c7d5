"""The draw report: who got which choice, the worst-off, and fairness figures (pure Python).

Inputs are plain data from a draw, so this is testable without a database:

- ``rank counts``: how many students got their 1st, 2nd, … choice as their best seat, and how
  many got nothing;
- ``worst off``: students with nothing, or whose best seat is their ``low_rank``-th choice or
  worse (pseudonymous codes only);
- ``envy``: pairs (i, j) where i would take j's seat — i ranked j's offering, does not hold it,
  and could take it (holds fewer than K, or ranked it above the worst seat i holds) — and i comes
  earlier in the service order than j (justified envy). Zero for ``da`` and for serial
  dictatorship in general; ``draft``'s later rounds can create some.
- ``egalitarian``: the mean outcome rank of the worst-off decile (ceil(n/10) students with the
  worst outcome); a student with nothing counts as rank R + 1, R the longest list.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def outcome_ranks(
    choices: Mapping[str, Sequence[tuple[int, str]]],
    held: Mapping[str, Sequence[tuple[int, str]]],
) -> dict[str, int]:
    """Each student's best held rank, or R + 1 when they hold nothing."""
    longest = max((r for cs in choices.values() for r, _o in cs), default=0)
    return {s: min((r for r, _o in held.get(s, ())), default=longest + 1) for s in choices}


def envy_pairs(
    choices: Mapping[str, Sequence[tuple[int, str]]],
    held: Mapping[str, Sequence[tuple[int, str]]],
    position: Mapping[str, int],
    max_courses: int,
) -> int:
    """The number of justified-envy pairs (see the module docstring)."""
    holders: dict[str, list[int]] = defaultdict(list)
    for s, seats in held.items():
        for _r, o in seats:
            holders[o].append(position[s])
    for lst in holders.values():
        lst.sort()
    total = 0
    for s, cs in choices.items():
        mine = held.get(s, ())
        have = {o for _r, o in mine}
        worst = max((r for r, _o in mine), default=0)
        p = position[s]
        for r, o in cs:
            if o in have:
                continue
            if len(mine) >= max_courses and r >= worst:
                continue
            above = holders.get(o)
            if above:
                total += len(above) - bisect.bisect_right(above, p)
    return total


def egalitarian(ranks: Iterable[int]) -> float | None:
    values = sorted(ranks, reverse=True)
    if not values:
        return None
    k = math.ceil(len(values) / 10)
    return sum(values[:k]) / k


def draw_report(
    choices: Mapping[str, Sequence[tuple[int, str]]],
    held: Mapping[str, Sequence[tuple[int, str]]],
    position: Mapping[str, int],
    max_courses: int,
    low_rank: int = 3,
) -> dict[str, Any]:
    """The report stored on a draw (JSON-ready)."""
    ranks = outcome_ranks(choices, held)
    longest = max((r for cs in choices.values() for r, _o in cs), default=0)
    got = Counter(r for r in ranks.values() if r <= longest)
    low = sorted(
        ((s, r) for s, r in ranks.items() if r > longest or r >= low_rank),
        key=lambda sr: (-sr[1], position[sr[0]]),
    )
    worst = [{"student": s, "rank": (r if r <= longest else None)} for s, r in low]
    return {
        "students": len(choices),
        "longest": longest,
        "by_rank": {str(r): got.get(r, 0) for r in range(1, longest + 1)},
        "nothing": sum(1 for r in ranks.values() if r > longest),
        "worst_off": worst,
        "envy": envy_pairs(choices, held, position, max_courses),
        "egalitarian": egalitarian(ranks.values()),
        "outcome_ranks": sorted(ranks.values()),
    }


def combine(reports: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Several draws' reports as one (e.g. all rural schools of a term)."""
    by_rank: Counter[str] = Counter()
    students = nothing = envy = 0
    ranks: list[int] = []
    for rep in reports:
        students += int(rep.get("students", 0))
        nothing += int(rep.get("nothing", 0))
        envy += int(rep.get("envy", 0))
        by_rank.update({k: int(v) for k, v in rep.get("by_rank", {}).items()})
        ranks.extend(int(x) for x in rep.get("outcome_ranks", []))
    first = by_rank.get("1", 0)
    return {
        "students": students,
        "first": first,
        "first_share": (first / students) if students else None,
        "nothing": nothing,
        "envy": envy,
        "egalitarian": egalitarian(ranks),
        "by_rank": dict(sorted(by_rank.items(), key=lambda kv: int(kv[0]))),
    }
