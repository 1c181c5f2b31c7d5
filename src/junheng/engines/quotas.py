"""High-school quota places apportioned to junior schools (指标到校 / 分配生).

Problem: a share of each quality high school's admission plan (national floor 50%; Zhejiang
60%, 70% from 2025) is reserved for the junior schools of the area, school by school, in
proportion to each junior school's graduates, whatever the junior school's quality
(RULES.md, "High-school quota allocation"; CONTRACTS.md, "junheng quotas").

Method: for each high school, quota = ceil(plan × share), computed exactly (the share is read
from its text as a fraction, never as a float). With ``min_seats`` M, every junior school with
graduates first gets M seats and the rest, quota − M × (juniors with graduates), is apportioned
by graduates with one of:

- ``hamilton`` (largest remainder, 最大余额法): each junior gets the whole part of its exact
  share rest × g / G, the seats left go to the largest fractional parts. Satisfies quota (never
  more than one seat from the exact share) but is not house-monotone: raising a quota by one
  can make a junior lose a seat (the Alabama paradox). The table shows that honestly.
- ``sainte-lague`` (Webster, divisors 1, 3, 5, …) and ``dhondt`` (Jefferson, divisors
  1, 2, 3, …): highest averages; seat by seat to the largest g / divisor(seats so far).
  House-monotone; D'Hondt leans to large schools, Sainte-Laguë is the least biased.

Ties (equal remainders or equal averages) go to more graduates, then to the smaller
junior_id in text order. All arithmetic is on integers and fractions.

Readings of the open points: a junior with 0 graduates gets 0 seats (and no minimum); the rest
is apportioned on its own, as a fresh apportionment of its size, then M is added; seats are not
capped by graduates; a positive quota with no graduates anywhere is an input error. The output
lists every (high school, junior) pair, 0 seats included, sorted by high_school_id then
junior_id as text.

>>> apportion(10, {"a": 6, "b": 6, "c": 2})
{'a': 4, 'b': 4, 'c': 2}
>>> apportion(11, {"a": 6, "b": 6, "c": 2})
{'a': 5, 'b': 5, 'c': 1}
>>> quota_for(101, parse_share("0.6"))
61
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from junheng.engines.io import InputError, csv_bytes, sha256_hex

METHODS = ("hamilton", "sainte-lague", "dhondt")


@dataclass(frozen=True)
class Sources:
    """Names used in error messages (file names for the CLI)."""

    high_schools: str = "high_schools"
    juniors: str = "juniors"


def parse_share(text: str | Fraction | int) -> Fraction:
    """The share as an exact fraction: "0.6", "3/5", "60%" or "1"; must be in (0, 1]."""
    if isinstance(text, Fraction | int):
        share = Fraction(text)
    else:
        raw = str(text).strip()
        try:
            share = Fraction(raw[:-1].strip()) / 100 if raw.endswith("%") else Fraction(raw)
        except (ValueError, ZeroDivisionError) as exc:
            raise InputError(None, None, "--share", f"not a number: {text!r}") from exc
    if not 0 < share <= 1:
        raise InputError(None, None, "--share", f"must be in (0, 1], got {text}")
    return share


def quota_for(plan: int, share: Fraction) -> int:
    """ceil(plan × share), exactly."""
    return -((-plan * share.numerator) // share.denominator)


def check_method(method: str) -> str:
    if method not in METHODS:
        raise InputError(
            None,
            None,
            "--method",
            f"unknown method {method!r} (expected one of {', '.join(METHODS)})",
        )
    return method


def exact_shares(seats: int, graduates: Mapping[str, int]) -> dict[str, Fraction]:
    """Each junior's exact proportional share seats × g / G (for deviation tables)."""
    total = sum(graduates.values())
    if total == 0:
        return dict.fromkeys(graduates, Fraction(0))
    return {j: Fraction(seats * g, total) for j, g in graduates.items()}


def _hamilton(seats: int, grads: list[tuple[str, int]], total: int) -> dict[str, int]:
    out = {j: seats * g // total for j, g in grads}
    left = seats - sum(out.values())
    # Remainder numerators over the common denominator `total`: integers, compared exactly.
    ranked = sorted(grads, key=lambda jg: (-(seats * jg[1] % total), -jg[1], jg[0]))
    for j, _g in ranked[:left]:
        out[j] += 1
    return out


class _Average:
    """A junior's next average g / divisor in the heap: exact comparison by cross-multiplying;
    "smaller" means served first (larger average, then more graduates, then smaller id)."""

    __slots__ = ("divisor", "g", "j")

    def __init__(self, g: int, divisor: int, j: str) -> None:
        self.g, self.divisor, self.j = g, divisor, j

    def __lt__(self, other: _Average) -> bool:
        left, right = self.g * other.divisor, other.g * self.divisor
        if left != right:
            return left > right
        if self.g != other.g:
            return self.g > other.g
        return self.j < other.j


def _divisor(seats: int, grads: list[tuple[str, int]], step: int) -> dict[str, int]:
    """Highest averages with divisors 1, 1 + step, 1 + 2·step, … (step 1 D'Hondt, 2 Sainte-Laguë)."""
    out = {j: 0 for j, _g in grads}
    heap = [_Average(g, 1, j) for j, g in grads]
    heapq.heapify(heap)
    for _ in range(seats):
        best = heapq.heappop(heap)
        out[best.j] += 1
        heapq.heappush(heap, _Average(best.g, 1 + step * out[best.j], best.j))
    return out


def apportion(
    quota: int, graduates: Mapping[str, int], method: str = "hamilton", min_seats: int = 0
) -> dict[str, int]:
    """Seats per junior for one high school's quota (every junior listed, 0 included)."""
    check_method(method)
    if quota < 0:
        raise InputError(None, None, "quota", f"must be ≥ 0, got {quota}")
    if min_seats < 0:
        raise InputError(None, None, "--min-seats", f"must be ≥ 0, got {min_seats}")
    for j, g in graduates.items():
        if g < 0:
            raise InputError(None, None, "graduates", f"junior {j!r} has {g} graduates")
    grads = [(j, g) for j, g in graduates.items() if g > 0]
    rest = quota - min_seats * len(grads)
    if rest < 0:
        raise InputError(
            None,
            None,
            "--min-seats",
            f"quota {quota} is less than {min_seats} × {len(grads)} juniors with graduates",
        )
    result = dict.fromkeys(graduates, 0)
    if rest > 0 and not grads:
        raise InputError(None, None, "graduates", f"no junior has graduates for {quota} places")
    if grads:
        total = sum(g for _j, g in grads)
        if method == "hamilton":
            shares = _hamilton(rest, grads, total)
        else:
            shares = _divisor(rest, grads, 2 if method == "sainte-lague" else 1)
        for j, s in shares.items():
            result[j] = s + min_seats
    return result


@dataclass
class QuotaResult:
    share: Fraction
    method: str
    min_seats: int
    plans: dict[str, int]
    graduates: dict[str, int]
    quotas: dict[str, int]
    seats: dict[str, dict[str, int]]

    @cached_property
    def rows(self) -> list[tuple[str, str, int]]:
        """(high_school_id, junior_id, seats), every pair, sorted by both ids as text."""
        juniors = sorted(self.graduates)
        return [(h, j, self.seats[h][j]) for h in sorted(self.plans) for j in juniors]

    def out_bytes(self) -> bytes:
        return self._out_bytes

    @cached_property
    def _out_bytes(self) -> bytes:
        return csv_bytes(("high_school_id", "junior_id", "seats"), self.rows)

    @property
    def result_sha256(self) -> str:
        return sha256_hex(self.out_bytes())

    @cached_property
    def summary(self) -> dict[str, Any]:
        return {
            "high_schools": len(self.plans),
            "juniors": len(self.graduates),
            "places": sum(self.plans.values()),
            "quota_places": sum(self.quotas.values()),
            "result_sha256": self.result_sha256,
        }


def _first_duplicate(ids: Sequence[str]) -> int | None:
    dup = pd.Index(ids).duplicated(keep="first")
    return int(np.flatnonzero(dup)[0]) if dup.any() else None


def allocate_quotas(
    high_schools: Mapping[str, int] | Sequence[tuple[str, int]],
    juniors: Mapping[str, int] | Sequence[tuple[str, int]],
    share: str | Fraction | int = "0.6",
    method: str = "hamilton",
    min_seats: int = 0,
    sources: Sources | None = None,
) -> QuotaResult:
    """The quota table for every high school (plans) over every junior (graduates).

    Sequences of (id, value) pairs keep their row numbers for error messages (the header is
    row 1, the first pair row 2), as in the files.
    """
    src = sources or Sources()
    frac = parse_share(share)
    check_method(method)
    if min_seats < 0:
        raise InputError(None, None, "--min-seats", f"must be ≥ 0, got {min_seats}")
    hs = list(high_schools.items()) if isinstance(high_schools, Mapping) else list(high_schools)
    js = list(juniors.items()) if isinstance(juniors, Mapping) else list(juniors)
    for rows, file, id_col, val_col in (
        (hs, src.high_schools, "high_school_id", "plan"),
        (js, src.juniors, "junior_id", "graduates"),
    ):
        for i, (key, value) in enumerate(rows):
            if str(key).strip() == "":
                raise InputError(file, i + 2, id_col, "empty value")
            if value < 0:
                raise InputError(file, i + 2, val_col, f"must be ≥ 0, got {value}")
        dup = _first_duplicate([str(k) for k, _v in rows])
        if dup is not None:
            raise InputError(file, dup + 2, id_col, f"duplicate {id_col} {rows[dup][0]!r}")
    plans = {str(h): int(p) for h, p in hs}
    grads = {str(j): int(g) for j, g in js}
    with_grads = sum(1 for g in grads.values() if g > 0)
    quotas: dict[str, int] = {}
    seats: dict[str, dict[str, int]] = {}
    for i, (h, plan) in enumerate(plans.items()):
        q = quota_for(plan, frac)
        if q < min_seats * with_grads:
            raise InputError(
                src.high_schools,
                i + 2,
                "plan",
                f"high school {h!r}: quota {q} = ceil({plan} × {frac}) is less than "
                f"--min-seats {min_seats} × {with_grads} juniors with graduates",
            )
        if q > 0 and with_grads == 0:
            raise InputError(
                src.juniors, None, "graduates", f"no junior has graduates for {h!r}'s {q} places"
            )
        quotas[h] = q
        seats[h] = apportion(q, grads, method, min_seats)
    return QuotaResult(frac, method, min_seats, plans, grads, quotas, seats)
