"""Education-community pairing (教共体结对 / 城乡学校结对帮扶).

Problem (CONTRACTS.md, "junheng pair"). The bureau names core schools (核心校, strong) and
member schools (成员校); each member is paired with at most one core. A **local** pair needs
matching levels (equal, or either school nine-year), the same `region` and a distance of at
most ``max_km``; a core holds at most its ``capacity`` of local members. A **remote**
(internet, "互联网+义务教育") pair needs matching levels only; a core holds at most ``remote``
remote members besides its local ones. The lift of a pair is
``strength(core) − strength(member)``. Goals, in this order:

1. pair as many members as possible;
2. leximin of the lifts of the pairs: the smallest lift as large as possible, then as few pairs
   as possible at that smallest level, then the same for the next levels;
3. as many local pairs as possible;
4. the least total distance of the local pairs;
5. ties: the paired members' positions in id order (text) summed as small as possible, then the
   cores' positions weighted by how early their member comes (so between two members equal in
   every goal, the smaller member id gets the smaller core id): the output is deterministic.

The bureau may also lock a pair (the member goes to that core) or forbid one.

Method. A network: source → member (capacity 1) → core-local / core-remote node (one arc per
allowed pair and mode) → sink (the core's capacity, or ``remote``). Every goal is a linear cost
over that network, and the goals are met one after another **exactly**, each over the set of
plans that are optimal for all earlier goals (lexicographic min-cost flow): after each stage the
dual potentials of the optimal flow (shortest distances in its residual network, Bellman-Ford)
give reduced costs, and by complementary slackness every optimal plan leaves the arcs of
positive reduced cost empty and fills those of negative reduced cost; the next stage keeps
exactly those bounds. Stages: (1) the largest flow, with locked members first
(OR-Tools ``SimpleMaxFlow``-style ``solve_max_flow_with_min_cost``); (2) the largest smallest
lift, by bisection over the distinct lift values (arcs below it can never be used); (3) the
fewest pairs at the smallest lift; (4) the next ``EXACT_LEVELS`` distinct lift levels, exactly,
in batches whose weights ``(K + 1)^j`` fit in 64 bits (K = pairs); (5) the remaining levels, if
any, approximately: the sum of ``(R − r)²`` over pairs, r = the rank of the pair's lift among
the R remaining levels (convex, so low lifts are raised first — the "close approximation after
the smallest" the contract allows); (6) locality, (7) local metres, (8) the tie-break; every
stage a ``SimpleMinCostFlow``. Lifts are compared after rounding to 6 decimals.

Guarantee. Goals 1–3 and 6–8 are exact over the plans optimal for the earlier goals; goal 2's
later levels are exact for the first ``EXACT_LEVELS`` levels above the smallest. Every plan is
re-checked by ``check_pairing`` (independent plain loops): its count is ``violations`` (0).
Small cases can be compared with ``brute_force_pairing`` (every plan enumerated).

>>> S = PairSchool
>>> plan = pair_schools([
...     S("C1", "primary", "urban", 900, 0, 0, 90.0, "core"),
...     S("C2", "primary", "urban", 900, 4, 0, 70.0, "core"),
...     S("M1", "primary", "rural", 100, 1, 0, 40.0, "member"),
...     S("M2", "primary", "rural", 100, 3, 0, 60.0, "member"),
... ], PairRules(capacity=1))
>>> [(p.member_id, p.core_id, p.lift) for p in plan.pairs]
[('M1', 'C2', 30.0), ('M2', 'C1', 30.0)]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from junheng.engines.balance import THRESHOLDS, BalanceSchool, indicator_matrix
from junheng.engines.io import InputError, csv_bytes, sha256_hex

LEVELS = ("primary", "junior", "nine_year")
URBAN_RURAL = ("urban", "town", "rural")
ROLES = ("core", "member")
MODES = ("local", "remote")
KM_TOLERANCE = 1e-9
LIFT_DECIMALS = 6
EXACT_LEVELS = 24  # distinct lift levels above the smallest that are met exactly
_INT_BUDGET = 2**62  # the largest total cost a stage may reach (int64 with room)
STRENGTH_CAP = 1.5  # an indicator counts up to 150% of its threshold in a school's strength
OUT_HEADER = ("member_id", "core_id", "mode", "km")

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class PairSchool:
    school_id: str
    level: str  # primary | junior | nine_year
    urban_rural: str
    students: int
    x_km: float
    y_km: float
    strength: float
    role: str  # core | member
    capacity: int | None = None  # local members a core takes; None: the rules' capacity
    region: str = ""


@dataclass(frozen=True)
class PairRules:
    capacity: int = 3  # local members per core (default for cores without their own)
    max_km: float = 20.0  # longest local pair
    remote: int = 0  # remote members per core, besides the local ones


@dataclass(frozen=True)
class Pair:
    member_id: str
    core_id: str
    mode: str  # local | remote
    km: float
    lift: float


@dataclass
class Pairing:
    pairs: list[Pair]  # sorted by member_id
    members: int
    cores: int
    violations: list[str] = field(default_factory=list)
    stages: list[dict[str, Any]] = field(default_factory=list)

    def out_bytes(self) -> bytes:
        return csv_bytes(
            OUT_HEADER, ((p.member_id, p.core_id, p.mode, f"{p.km:.3f}") for p in self.pairs)
        )

    @property
    def summary(self) -> dict[str, Any]:
        lifts = [p.lift for p in self.pairs]
        local = [p for p in self.pairs if p.mode == "local"]
        return {
            "members": self.members,
            "cores": self.cores,
            "paired": len(self.pairs),
            "unpaired": self.members - len(self.pairs),
            "min_lift": round(min(lifts), 4) if lifts else None,
            "mean_lift": round(sum(lifts) / len(lifts), 4) if lifts else None,
            "local": len(local),
            "remote": len(self.pairs) - len(local),
            "mean_km_local": round(sum(p.km for p in local) / len(local), 3) if local else None,
            "violations": len(self.violations),
            "result_sha256": sha256_hex(self.out_bytes()),
        }


# --------------------------------------------------------------------------- strength


def indicator_strength(level: str, values: Sequence[float]) -> float:
    """A school part's strength from its seven indicators: 100 × the mean of value / threshold,
    each capped at ``STRENGTH_CAP`` (so one lavish indicator does not hide the others);
    100 = every indicator exactly at its national threshold."""
    thr = THRESHOLDS[level]
    return (
        100.0 * sum(min(v / t, STRENGTH_CAP) for v, t in zip(values, thr, strict=True)) / len(thr)
    )


def school_strengths(
    rows: Sequence[BalanceSchool],
    results: Mapping[str, float] | None = None,
    results_weight: float = 0.5,
) -> dict[str, float]:
    """Strength per school id from its balance rows (a nine-year school's two parts weighted by
    their students), blended with a results score (0–100 scale, e.g. quality monitoring) where
    one is given: ``(1 − w) × indicators + w × result``. Rounded to 2 decimals.

    The rows are the balance engine's (``junheng.engines.balance.BalanceSchool``), so the
    strengths rest on exactly the indicators the balance monitor publishes.
    """
    if not 0.0 <= results_weight <= 1.0:
        raise InputError(None, None, "results_weight", "must be between 0 and 1")
    if not rows:
        return {}
    students = np.array([float(r.students) for r in rows])
    totals = np.array([r.totals() for r in rows], dtype=np.float64).reshape(len(rows), 7)
    values = indicator_matrix(np.maximum(students, 1.0), totals).tolist()
    acc: dict[str, list[float]] = {}
    for r, vals, n in zip(rows, values, students.tolist(), strict=True):
        a = acc.setdefault(r.school_id, [0.0, 0.0])
        a[0] += indicator_strength(r.level, vals) * n
        a[1] += n
    out: dict[str, float] = {}
    for sid, (weighted, n) in acc.items():
        base = weighted / n if n > 0 else 0.0
        if results and sid in results:
            base = (1.0 - results_weight) * base + results_weight * float(results[sid])
        out[sid] = round(base, 2)
    return out


CORE_SHARE = 1 / 3  # suggested cores: the strongest third of each region's schools of a level


def suggest_roles(
    schools: Sequence[tuple[str, str, str, float, bool]], share: float = CORE_SHARE
) -> dict[str, str]:
    """Suggested roles from (school_id, level, region, strength, teaching_point): in each
    region, the strongest `share` (at least one) of the schools of a level (nine-year schools
    count with primary) are cores, the others members; teaching points are always members.
    Ties go to the smaller id."""
    groups: dict[tuple[str, str], list[tuple[float, str]]] = {}
    roles: dict[str, str] = {}
    for sid, level, region, strength, point in schools:
        roles[sid] = "member"
        if not point:
            key = (region, "junior" if level == "junior" else "primary")
            groups.setdefault(key, []).append((-strength, sid))
    for rows in groups.values():
        rows.sort()
        for _neg, sid in rows[: max(1, round(len(rows) * share))]:
            roles[sid] = "core"
    return roles


# --------------------------------------------------------------------------- candidates


def levels_match(a: str, b: str) -> bool:
    return a == b or a == "nine_year" or b == "nine_year"


def _km(a: PairSchool, b: PairSchool) -> float:
    return math.hypot(a.x_km - b.x_km, a.y_km - b.y_km)


def _lift(core: PairSchool, member: PairSchool) -> float:
    return round(core.strength - member.strength, LIFT_DECIMALS)


def is_local(core: PairSchool, member: PairSchool, rules: PairRules) -> bool:
    return (
        levels_match(core.level, member.level)
        and core.region == member.region
        and _km(core, member) <= rules.max_km + KM_TOLERANCE
    )


def capacity_of(core: PairSchool, rules: PairRules) -> int:
    return rules.capacity if core.capacity is None else core.capacity


def _validate(
    schools: Sequence[PairSchool],
    rules: PairRules,
    locked: Mapping[str, str],
    forbidden: Collection[tuple[str, str]],
) -> tuple[list[PairSchool], list[PairSchool]]:
    seen: set[str] = set()
    for i, s in enumerate(schools):
        row = i + 2
        if s.school_id in seen:
            raise InputError(None, row, "school_id", f"duplicate school {s.school_id!r}")
        seen.add(s.school_id)
        if s.level not in LEVELS:
            raise InputError(None, row, "level", f"unknown level {s.level!r}")
        if s.role not in ROLES:
            raise InputError(None, row, "role", f"unknown role {s.role!r} (core or member)")
        if s.capacity is not None and s.capacity < 0:
            raise InputError(None, row, "capacity", f"must be ≥ 0, got {s.capacity}")
        if not (math.isfinite(s.strength) and math.isfinite(s.x_km) and math.isfinite(s.y_km)):
            raise InputError(None, row, "strength", "not a finite number")
    if rules.capacity < 0:
        raise InputError(None, None, "--capacity", f"must be ≥ 0, got {rules.capacity}")
    if rules.remote < 0:
        raise InputError(None, None, "--remote", f"must be ≥ 0, got {rules.remote}")
    if not rules.max_km >= 0:
        raise InputError(None, None, "--max-km", f"must be ≥ 0, got {rules.max_km}")
    by_id = {s.school_id: s for s in schools}
    for i, (m, c) in enumerate(locked.items()):
        _check_pair_ids(by_id, m, c, i + 2)
    for i, (m, c) in enumerate(forbidden):
        _check_pair_ids(by_id, m, c, i + 2, what="forbidden")
        if locked.get(m) == c:
            raise InputError(
                "locked", None, "core_id", f"pair {m}–{c} is both locked and forbidden"
            )
    cores = sorted((s for s in schools if s.role == "core"), key=lambda s: s.school_id)
    members = sorted((s for s in schools if s.role == "member"), key=lambda s: s.school_id)
    return cores, members


def _check_pair_ids(
    by_id: Mapping[str, PairSchool], m: str, c: str, row: int, what: str = "locked"
) -> None:
    if m not in by_id or by_id[m].role != "member":
        raise InputError(what, row, "member_id", f"{m!r} is not a member school")
    if c not in by_id or by_id[c].role != "core":
        raise InputError(what, row, "core_id", f"{c!r} is not a core school")
    if what == "locked" and not levels_match(by_id[m].level, by_id[c].level):
        raise InputError(what, row, "core_id", f"levels of {m!r} and {c!r} do not match")


@dataclass
class _Network:
    """Arcs of the pairing network as arrays; arc order: source→member, pair arcs, core→sink."""

    n_nodes: int
    tail: IntArray
    head: IntArray
    lower: IntArray
    upper: IntArray
    first_pair: int  # index of the first pair arc
    n_pairs: int
    member: IntArray  # per pair arc: member position
    core: IntArray  # per pair arc: core position
    local: npt.NDArray[np.bool_]
    lift: npt.NDArray[np.float64]
    km: npt.NDArray[np.float64]
    locked: npt.NDArray[np.bool_]  # per pair arc: the member's locked core

    def pair_slice(self) -> slice:
        return slice(self.first_pair, self.first_pair + self.n_pairs)


def _network(
    cores: list[PairSchool],
    members: list[PairSchool],
    rules: PairRules,
    locked: Mapping[str, str],
    forbidden: Collection[tuple[str, str]],
) -> _Network:
    n_m, n_c = len(members), len(cores)
    forbid = set(forbidden)
    src, sink = 0, 1
    m_node = 2 + np.arange(n_m, dtype=np.int64)
    cl_node = 2 + n_m + np.arange(n_c, dtype=np.int64)
    cr_node = 2 + n_m + n_c + np.arange(n_c, dtype=np.int64)
    caps = [capacity_of(c, rules) for c in cores]
    arcs: list[tuple[int, int, bool, float, float, bool]] = []
    for i, m in enumerate(members):
        want = locked.get(m.school_id)
        for j, c in enumerate(cores):
            if want is not None and c.school_id != want:
                continue
            if (m.school_id, c.school_id) in forbid or not levels_match(m.level, c.level):
                continue
            km, lift = _km(m, c), _lift(c, m)
            if caps[j] > 0 and is_local(c, m, rules):
                arcs.append((i, j, True, lift, km, want is not None))
            if rules.remote > 0:
                arcs.append((i, j, False, lift, km, want is not None))
    cols = list(zip(*arcs, strict=True)) if arcs else [()] * 6
    member = np.array(cols[0], dtype=np.int64)
    core = np.array(cols[1], dtype=np.int64)
    local = np.array(cols[2], dtype=bool)
    pair_head = np.where(local, cl_node[core], cr_node[core]) if core.size else core
    tail = np.concatenate([np.full(n_m, src, dtype=np.int64), m_node[member], cl_node, cr_node])
    head = np.concatenate(
        [m_node, pair_head.astype(np.int64), np.full(2 * n_c, sink, dtype=np.int64)]
    )
    n_pairs = member.size
    upper = np.concatenate(
        [
            np.ones(n_m, dtype=np.int64),
            np.ones(n_pairs, dtype=np.int64),
            np.array(caps, dtype=np.int64),
            np.full(n_c, rules.remote, dtype=np.int64),
        ]
    )
    return _Network(
        n_nodes=2 + n_m + 2 * n_c,
        tail=tail,
        head=head,
        lower=np.zeros(tail.size, dtype=np.int64),
        upper=upper,
        first_pair=n_m,
        n_pairs=n_pairs,
        member=member,
        core=core,
        local=local,
        lift=np.array(cols[3], dtype=np.float64),
        km=np.array(cols[4], dtype=np.float64),
        locked=np.array(cols[5], dtype=bool),
    )


# --------------------------------------------------------------------------- flow stages


def _solve(
    net: _Network, lower: IntArray, upper: IntArray, cost: IntArray, flow: int
) -> IntArray | None:
    """A min-cost flow of value `flow` from source to sink within [lower, upper]; None when
    there is none. Lower bounds are moved into the node supplies."""
    from ortools.graph.python import min_cost_flow

    supply = np.zeros(net.n_nodes, dtype=np.int64)
    supply[0] += flow
    supply[1] -= flow
    np.subtract.at(supply, net.tail, lower)
    np.add.at(supply, net.head, lower)
    smcf = min_cost_flow.SimpleMinCostFlow()
    if net.tail.size:
        smcf.add_arcs_with_capacity_and_unit_cost(net.tail, net.head, upper - lower, cost)
    smcf.set_nodes_supplies(np.arange(net.n_nodes, dtype=np.int64), supply)
    status = smcf.solve()
    if status == smcf.INFEASIBLE:
        return None
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    if not net.tail.size:
        return np.zeros(0, dtype=np.int64)
    return lower + np.asarray(smcf.flows(np.arange(net.tail.size, dtype=np.int64)), dtype=np.int64)


def _potentials(
    net: _Network, x: IntArray, lower: IntArray, upper: IntArray, cost: IntArray
) -> IntArray:
    """Node potentials that prove `x` optimal: shortest distances in its residual network
    from a virtual node joined to every node at cost 0 (vectorised Bellman-Ford)."""
    fwd = x < upper
    bwd = x > lower
    src = np.concatenate([net.tail[fwd], net.head[bwd]])
    dst = np.concatenate([net.head[fwd], net.tail[bwd]])
    w = np.concatenate([cost[fwd], -cost[bwd]])
    d = np.zeros(net.n_nodes, dtype=np.int64)
    if not src.size:
        return d
    order = np.argsort(dst, kind="stable")
    src, dst, w = src[order], dst[order], w[order]
    starts = np.flatnonzero(np.r_[True, dst[1:] != dst[:-1]])
    targets = dst[starts]
    for _ in range(net.n_nodes + 1):
        best = np.minimum.reduceat(d[src] + w, starts)
        improved = best < d[targets]
        if not improved.any():
            return d
        d[targets[improved]] = best[improved]
    raise RuntimeError("negative cycle in an optimal flow's residual network")


def _fix(
    net: _Network, x: IntArray, lower: IntArray, upper: IntArray, cost: IntArray
) -> tuple[IntArray, IntArray]:
    """Bounds that keep exactly the plans optimal for `cost` (complementary slackness)."""
    d = _potentials(net, x, lower, upper, cost)
    rc = cost + d[net.tail] - d[net.head]
    new_lower, new_upper = lower.copy(), upper.copy()
    new_upper[rc > 0] = lower[rc > 0]
    new_lower[rc < 0] = upper[rc < 0]
    return new_lower, new_upper


def _pair_cost(net: _Network, values: IntArray) -> IntArray:
    cost = np.zeros(net.tail.size, dtype=np.int64)
    cost[net.pair_slice()] = values
    return cost


class _Stages:
    def __init__(self, net: _Network, flow: int) -> None:
        self.net = net
        self.flow = flow
        self.lower = net.lower.copy()
        self.upper = net.upper.copy()
        self.x: IntArray | None = None
        self.log: list[dict[str, Any]] = []
        self.progress: Callable[[str, float], None] | None = None

    def run(self, name: str, cost: IntArray, *, fix: bool = True) -> None:
        if self.progress is not None:
            self.progress(name, min(0.95, len(self.log) / 14))
        x = _solve(self.net, self.lower, self.upper, cost, self.flow)
        if x is None:  # the bounds came from a feasible plan: cannot happen
            raise RuntimeError(f"stage {name}: no plan within the previous stages' bounds")
        self.x = x
        self.log.append({"stage": name, "cost": int((cost * x).sum())})
        if fix:
            self.lower, self.upper = _fix(self.net, x, self.lower, self.upper, cost)

    def free_pairs(self) -> npt.NDArray[np.bool_]:
        s = self.net.pair_slice()
        return np.asarray(self.lower[s] < self.upper[s])


def _largest_flow(net: _Network) -> tuple[int, IntArray]:
    """The largest number of pairs, with every locked member paired; InputError when the
    locks cannot all hold."""
    from ortools.graph.python import min_cost_flow

    n_m = net.first_pair
    locked_members = np.zeros(n_m, dtype=bool)
    locked_members[net.member[net.locked]] = True
    cost = np.zeros(net.tail.size, dtype=np.int64)
    cost[:n_m] = -locked_members.astype(np.int64)
    smcf = min_cost_flow.SimpleMinCostFlow()
    if net.tail.size:
        smcf.add_arcs_with_capacity_and_unit_cost(net.tail, net.head, net.upper, cost)
    supply = np.zeros(net.n_nodes, dtype=np.int64)
    supply[0], supply[1] = n_m, -n_m
    smcf.set_nodes_supplies(np.arange(net.n_nodes, dtype=np.int64), supply)
    status = smcf.solve_max_flow_with_min_cost() if net.tail.size else smcf.OPTIMAL
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"max flow failed with status {status}")
    flows = (
        np.asarray(smcf.flows(np.arange(net.tail.size, dtype=np.int64)), dtype=np.int64)
        if net.tail.size
        else np.zeros(0, dtype=np.int64)
    )
    paired = flows[:n_m] > 0
    if (locked_members & ~paired).any():
        raise InputError(
            "locked", None, "core_id", "the locked pairs exceed their cores' capacities"
        )
    return int(paired.sum()), locked_members


def _smallest_lift(net: _Network, stages: _Stages) -> float | None:
    """The largest t such that a plan of the same size uses only lifts ≥ t (locked pairs
    excepted: they are in every plan); its arcs below t are closed."""
    free = ~net.locked
    levels = np.unique(net.lift[free])
    if not levels.size or stages.flow == 0:
        return None
    s = net.pair_slice()

    def feasible(t: float) -> bool:
        upper = stages.upper.copy()
        upper[s] = np.where(free & (net.lift < t), 0, upper[s])
        return (
            _solve(net, stages.lower, upper, np.zeros(net.tail.size, dtype=np.int64), stages.flow)
            is not None
        )

    lo, hi = 0, levels.size - 1  # levels[lo] is always feasible (every plan is)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if feasible(float(levels[mid])):
            lo = mid
        else:
            hi = mid - 1
    t = float(levels[lo])
    stages.upper[s] = np.where(free & (net.lift < t), 0, stages.upper[s])
    return t


def _leximin_stages(net: _Network, stages: _Stages, t1: float) -> None:
    k = stages.flow
    free_lock = ~net.locked
    at_t1 = (np.abs(net.lift - t1) < 0.5 * 10**-LIFT_DECIMALS) & free_lock
    stages.run("fewest at the smallest lift", _pair_cost(net, at_t1.astype(np.int64)))
    base = k + 1
    batch = max(1, int(math.log(_INT_BUDGET / max(k, 1)) / math.log(base))) if k else 1
    done, upto = 0, t1  # levels up to `upto` are settled
    while done < EXACT_LEVELS:
        open_arcs = stages.free_pairs() & free_lock & (net.lift > upto)
        levels = np.unique(net.lift[open_arcs])
        if levels.size <= 1:  # one level left: its count is what the settled ones leave
            return
        take = levels[: min(batch, EXACT_LEVELS - done, levels.size - 1)]
        weights = np.zeros(net.n_pairs, dtype=np.int64)
        for j, v in enumerate(take.tolist()):
            weights[open_arcs & (net.lift == v)] = base ** (take.size - 1 - j)
        stages.run(f"leximin levels {done + 1}-{done + take.size}", _pair_cost(net, weights))
        done += take.size
        upto = float(take[-1])
    open_arcs = stages.free_pairs() & free_lock & (net.lift > upto)
    levels = np.unique(net.lift[open_arcs])
    if levels.size > 1:
        rank = np.searchsorted(levels, net.lift)
        weights = np.where(open_arcs, (levels.size - rank) ** 2, 0).astype(np.int64)
        stages.run("leximin (approximate) remaining levels", _pair_cost(net, weights))


def pair_schools(
    schools: Sequence[PairSchool],
    rules: PairRules | None = None,
    *,
    locked: Mapping[str, str] | None = None,
    forbidden: Collection[tuple[str, str]] | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> Pairing:
    """Pair members with cores (see the module docstring for the goals and the method).

    `progress(stage, share done)` is called as the stages go (for a job's progress bar).

    `locked`: member id → core id (the member is paired with that core, in whichever mode the
    rules allow); `forbidden`: (member id, core id) pairs that must not be made. Bad input
    raises `InputError` (rows numbered as in a file: the first school is row 2).
    """
    rules = rules or PairRules()
    locked = dict(locked or {})
    forbidden = list(forbidden or [])
    cores, members = _validate(schools, rules, locked, forbidden)
    net = _network(cores, members, rules, locked, forbidden)
    for m in locked:
        i = next(k for k, s in enumerate(members) if s.school_id == m)
        if not np.any(net.member[net.locked] == i):
            raise InputError("locked", None, "core_id", f"no allowed pair for locked member {m!r}")
    k, locked_members = _largest_flow(net)
    stages = _Stages(net, k)
    stages.progress = progress
    stages.lower[: net.first_pair] = locked_members.astype(np.int64)
    stages.log.append({"stage": "most pairs", "cost": k})
    pairs: list[Pair] = []
    if k > 0:
        t1 = _smallest_lift(net, stages)
        stages.log.append({"stage": "largest smallest lift", "cost": t1})
        if t1 is not None:
            _leximin_stages(net, stages, t1)
        stages.run("most local pairs", _pair_cost(net, (~net.local).astype(np.int64)))
        metres = np.where(net.local, np.rint(net.km * 1000.0), 0).astype(np.int64)
        stages.run("least local distance", _pair_cost(net, metres))
        tie_members = np.zeros(net.tail.size, dtype=np.int64)
        tie_members[: net.first_pair] = np.arange(net.first_pair, dtype=np.int64)
        stages.run("smaller member ids", tie_members)
        weight = len(members) - net.member  # earlier members' cores weigh more
        stages.run("smaller core ids", _pair_cost(net, net.core * weight), fix=False)
        assert stages.x is not None
        used = np.flatnonzero(stages.x[net.pair_slice()] > 0)
        for a in used.tolist():
            ms, cs = members[int(net.member[a])], cores[int(net.core[a])]
            pairs.append(
                Pair(
                    ms.school_id,
                    cs.school_id,
                    "local" if net.local[a] else "remote",
                    round(float(net.km[a]), 3),
                    float(net.lift[a]),
                )
            )
    pairs.sort(key=lambda p: p.member_id)
    out = Pairing(pairs, members=len(members), cores=len(cores), stages=stages.log)
    out.violations = check_pairing(schools, rules, pairs, locked=locked, forbidden=forbidden)
    return out


# --------------------------------------------------------------------------- checks, baselines


def check_pairing(
    schools: Sequence[PairSchool],
    rules: PairRules,
    pairs: Sequence[Pair],
    *,
    locked: Mapping[str, str] | None = None,
    forbidden: Collection[tuple[str, str]] | None = None,
) -> list[str]:
    """Every rule a plan breaks (empty when it is valid), checked with plain loops."""
    by_id = {s.school_id: s for s in schools}
    problems: list[str] = []
    seen: set[str] = set()
    local_count: dict[str, int] = {}
    remote_count: dict[str, int] = {}
    forbid = set(forbidden or [])
    for p in pairs:
        m, c = by_id.get(p.member_id), by_id.get(p.core_id)
        if m is None or c is None or m.role != "member" or c.role != "core":
            problems.append(f"{p.member_id}–{p.core_id}: not a member and a core")
            continue
        if p.member_id in seen:
            problems.append(f"{p.member_id}: paired twice")
        seen.add(p.member_id)
        if not levels_match(m.level, c.level):
            problems.append(f"{p.member_id}–{p.core_id}: levels do not match")
        if (p.member_id, p.core_id) in forbid:
            problems.append(f"{p.member_id}–{p.core_id}: forbidden")
        if p.mode == "local":
            if m.region != c.region:
                problems.append(f"{p.member_id}–{p.core_id}: local across regions")
            if math.hypot(m.x_km - c.x_km, m.y_km - c.y_km) > rules.max_km + KM_TOLERANCE:
                problems.append(f"{p.member_id}–{p.core_id}: local beyond {rules.max_km} km")
            local_count[c.school_id] = local_count.get(c.school_id, 0) + 1
        elif p.mode == "remote":
            remote_count[c.school_id] = remote_count.get(c.school_id, 0) + 1
        else:
            problems.append(f"{p.member_id}–{p.core_id}: unknown mode {p.mode!r}")
    for cid, n in local_count.items():
        if n > capacity_of(by_id[cid], rules):
            problems.append(f"{cid}: {n} local members over its capacity")
    for cid, n in remote_count.items():
        if n > rules.remote:
            problems.append(f"{cid}: {n} remote members over {rules.remote}")
    for m_id, c_id in (locked or {}).items():
        if not any(p.member_id == m_id and p.core_id == c_id for p in pairs):
            problems.append(f"{m_id}: locked to {c_id} but not paired with it")
    return problems


def _options(
    member: PairSchool, cores: Sequence[PairSchool], rules: PairRules
) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for j, c in enumerate(cores):
        if not levels_match(member.level, c.level):
            continue
        if capacity_of(c, rules) > 0 and is_local(c, member, rules):
            out.append((j, "local"))
        if rules.remote > 0:
            out.append((j, "remote"))
    return out


def plan_key(pairs: Sequence[Pair]) -> tuple[Any, ...]:
    """The goals as one sortable key (smaller is better): −pairs, the sorted lifts negated
    (leximin), −local pairs, total local km (rounded to metres)."""
    lifts = sorted(p.lift for p in pairs)
    local = [p for p in pairs if p.mode == "local"]
    return (
        -len(pairs),
        tuple(-v for v in lifts),
        -len(local),
        round(sum(p.km for p in local), 3),
    )


def brute_force_pairing(
    schools: Sequence[PairSchool], rules: PairRules | None = None
) -> list[Pair]:
    """The exact optimum by enumerating every plan (small cases only: tests and benchmarks)."""
    rules = rules or PairRules()
    cores = sorted((s for s in schools if s.role == "core"), key=lambda s: s.school_id)
    members = sorted((s for s in schools if s.role == "member"), key=lambda s: s.school_id)
    options = [[None, *_options(m, cores, rules)] for m in members]
    if math.prod(len(o) for o in options) > 2_000_000:
        raise ValueError("too many plans to enumerate")
    best: list[Pair] = []
    best_key: tuple[Any, ...] | None = None
    for choice in itertools.product(*options):
        local = [0] * len(cores)
        remote = [0] * len(cores)
        ok = True
        for opt in choice:
            if opt is None:
                continue
            j, mode = opt
            if mode == "local":
                local[j] += 1
                ok = ok and local[j] <= capacity_of(cores[j], rules)
            else:
                remote[j] += 1
                ok = ok and remote[j] <= rules.remote
            if not ok:
                break
        if not ok:
            continue
        pairs = [
            Pair(
                m.school_id,
                cores[o[0]].school_id,
                o[1],
                round(_km(m, cores[o[0]]), 3),
                _lift(cores[o[0]], m),
            )
            for m, o in zip(members, choice, strict=True)
            if o is not None
        ]
        key = plan_key(pairs)
        if best_key is None or key < best_key:
            best, best_key = pairs, key
    return best


def nearest_core_pairing(
    schools: Sequence[PairSchool], rules: PairRules | None = None
) -> list[Pair]:
    """The baseline a bureau would draw by hand: members in id order each take the nearest
    core of a matching level with a free local place, else (with ``remote`` > 0) the nearest
    with a free remote place."""
    rules = rules or PairRules()
    cores = sorted((s for s in schools if s.role == "core"), key=lambda s: s.school_id)
    members = sorted((s for s in schools if s.role == "member"), key=lambda s: s.school_id)
    local_left = {c.school_id: capacity_of(c, rules) for c in cores}
    remote_left = {c.school_id: rules.remote for c in cores}
    pairs: list[Pair] = []
    for m in members:
        near = sorted(
            (c for c in cores if levels_match(m.level, c.level)),
            key=lambda c: (_km(m, c), c.school_id),
        )
        pick = next(
            (c for c in near if local_left[c.school_id] > 0 and is_local(c, m, rules)), None
        )
        mode = "local"
        if pick is None:
            pick = next((c for c in near if remote_left[c.school_id] > 0), None)
            mode = "remote"
        if pick is None:
            continue
        (local_left if mode == "local" else remote_left)[pick.school_id] -= 1
        pairs.append(
            Pair(m.school_id, pick.school_id, mode, round(_km(m, pick), 3), _lift(pick, m))
        )
    return pairs
