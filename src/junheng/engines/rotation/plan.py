"""``plan_rotation``: the stages in order, under one time limit; ``plan_tradeoff``: the choice."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from junheng.engines.io import InputError
from junheng.engines.rotation.assign import polish
from junheng.engines.rotation.check import check_rotation, figures
from junheng.engines.rotation.construct import construct
from junheng.engines.rotation.model import (
    RotationNeed,
    RotationPlan,
    RotationRules,
    RotationSchool,
    RotationTeacher,
    validate,
)
from junheng.engines.rotation.prechecks import prove_contradictions
from junheng.engines.rotation.problem import BACKBONE_WEIGHT, Problem, build_problem
from junheng.engines.rotation.search import Search, SearchResult
from junheng.engines.rotation.state import State

if TYPE_CHECKING:
    from junheng.engines.rotation.bound import BoundJob

# The search's budget in steps per second of the time limit, and the share of the limit it is
# sized for: about 40,000 steps a second run on one core of the development machine, so the
# budget ends well before the limit even on a busy machine, and the deadline stays a safety net.
STEPS_PER_SECOND = 4000
SEARCH_SHARE = 0.5
MIN_STEPS = 4000
PATIENCE_STEPS = 3000  # steps without a better plan before the search stops: at least ...
PATIENCE_PER_TEACHER = 20  # ... and this many per movable teacher
MARGIN_S = 0.5  # the stages after the search (assignment, checks, figures) before the deadline
TRADEOFF_SHARES = (0.10, 0.15, 0.20, 0.25, 0.30)
GUARD_RELATIVE = 1e-9  # backbone terms closer than this (relative) are equal


def seed_int(seed: str) -> int:
    return int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest()[:8], "big")


def _search(
    pb: Problem, st: State, seed: str, steps: int, deadline: float
) -> tuple[SearchResult, float]:
    t0 = time.perf_counter()
    patience = max(PATIENCE_STEPS, PATIENCE_PER_TEACHER * pb.movable)
    res = Search(
        pb, st, seed=seed_int(seed), iterations=steps, patience=patience, deadline=deadline
    ).run()
    return res, time.perf_counter() - t0


def plan_rotation(
    schools: Sequence[RotationSchool],
    teachers: Sequence[RotationTeacher],
    needs: Sequence[RotationNeed],
    *,
    rules: RotationRules | None = None,
    locked: Mapping[str, str] | None = None,
    forbidden: Collection[tuple[str, str]] = (),
    time_limit_s: float = 120.0,
    seed: str = "",
    bound: bool = True,
) -> RotationPlan:
    """The rotation plan (see the package docstring).

    ``locked[teacher_id] = school_id`` fixes a teacher's outcome (their own school: stays);
    ``forbidden`` holds ``(teacher_id, school_id)`` moves that must not happen. ``seed`` picks
    the search's random stream. InputError when the inputs are bad or the rules are proven
    contradictory (the reason names the school and subject where it can), or, only if the time
    limit ends before any plan keeping every rule was found, saying so.
    """
    started = time.perf_counter()
    limit = max(0.0, float(time_limit_s))
    rules = rules or RotationRules()
    validate(schools, teachers, needs, rules)
    locks = dict(locked or {})
    forbid = sorted(set(forbidden))
    pb = build_problem(schools, teachers, needs, rules, locks, forbid)
    prove_contradictions(pb)
    job = None
    if bound:
        from junheng.engines.rotation.bound import BoundJob

        job = BoundJob(pb, pb.hi if pb.target is None else pb.target + 1)
    try:
        return _stages(pb, schools, teachers, needs, locks, forbid, seed, started, limit, job)
    finally:
        if job is not None:
            job.cancel()


def _stages(
    pb: Problem,
    schools: Sequence[RotationSchool],
    teachers: Sequence[RotationTeacher],
    needs: Sequence[RotationNeed],
    locks: dict[str, str],
    forbid: list[tuple[str, str]],
    seed: str,
    started: float,
    limit: float,
    job: BoundJob | None,
) -> RotationPlan:
    rules = pb.rules
    deadline = started + limit
    info: dict[str, Any] = {"movable": pb.movable, "lo": pb.lo, "hi": pb.hi, "target": pb.target}
    st = State(pb)
    pairs = construct(pb, st)
    first: float | None = time.perf_counter() if st.violations() == 0 else None
    info["construct"] = {
        "pairs": pairs,
        "seconds": round(time.perf_counter() - started, 3),
        "violations": st.violations(),
        "cost": round(st.cost(), 6),
    }
    stage = "construct"
    steps = max(MIN_STEPS, int(STEPS_PER_SECOND * SEARCH_SHARE * limit))
    res, secs = _search(pb, st, seed, steps, deadline - MARGIN_S)
    info["search"] = _search_info(res, secs)
    if res.improved and (res.key[0] == 0):
        stage = "search"
    if first is None and res.first_feasible_at is not None:
        first = res.first_feasible_at
    dest = res.dest
    if res.key[0] > 0:
        from junheng.engines.rotation.exact import solve_exact

        exact_dest, exact_info = solve_exact(pb, deadline - MARGIN_S)
        info["exact"] = exact_info
        if exact_dest is None:
            raise InputError(
                None,
                None,
                None,
                f"no plan keeping every rule was found in the time limit ({limit:g} s; "
                f"{exact_info.get('status', '')}); the rules were not proven contradictory: "
                "try a longer --time-limit",
            )
        first = time.perf_counter()
        stage = "exact"
        st = State(pb)
        for i, d in enumerate(exact_dest):
            st.set_dest(i, d)
        left = max(MIN_STEPS, steps - res.iterations)
        res2, secs2 = _search(pb, st, seed, left, deadline - MARGIN_S)
        info["search_after_exact"] = _search_info(res2, secs2)
        dest = res2.dest if res2.key <= st.key() or res2.key[0] == 0 else exact_dest
        if res2.improved and res2.key[0] == 0:
            stage = "search"
    if time.perf_counter() < deadline - MARGIN_S:
        dest, stage, info["guard"] = _greedy_guard(pb, dest, stage, seed, steps, deadline)
    dest = polish(pb, dest)
    final = State(pb)
    for i, d in enumerate(dest):
        final.set_dest(i, d)
    final.recompute_cost()
    moves = pb.moves_of(dest)
    problems = check_rotation(
        schools, teachers, needs, rules, moves, locked=locks, forbidden=forbid
    )
    gap = None
    if job is not None:
        lb, bound_info = job.result(deadline, final.movers_count)
        info["bound"] = {**bound_info, "value": lb}
        c = final.csum
        if lb is not None and c > 0:
            gap = round(max(0.0, (c - lb) / c), 4)
        elif lb is not None:
            gap = 0.0
    info["objective"] = round(final.csum, 6)
    info["seconds"] = round(time.perf_counter() - started, 2)
    info["stopped_by"] = res.stopped_by
    info["gap"] = gap
    if problems:
        info["problems"] = problems[:20]
    summary, per_school = figures(schools, teachers, rules, moves, len(problems))
    summary["target"] = pb.target
    summary["time_to_first_plan_s"] = round((first or time.perf_counter()) - started, 3)
    summary["gap"] = gap
    summary["stage"] = stage
    return RotationPlan(moves, summary, per_school, info)


def _state_of(pb: Problem, dest: Sequence[int]) -> State:
    st = State(pb)
    for i, d in enumerate(dest):
        st.set_dest(i, d)
    return st


def backbone_term(pb: Problem, st: State) -> float:
    """The backbone part of C: 1e4·CV_backbone² of the state."""
    return float(
        sum(
            pb.cb * (100.0 * st.b[s] - pb.mean_b * pb.students[s]) ** 2 / pb.students[s]
            for s in range(pb.n)
        )
    )


def _greedy_guard(
    pb: Problem, dest: list[int], stage: str, seed: str, steps: int, deadline: float
) -> tuple[list[int], str, dict[str, Any]]:
    """Never a higher backbone CV than plain same-subject greedy swaps (issue 13's yardstick).

    The search minimises C, the backbone and the qualified CVs together, so it may trade a
    little backbone CV for qualified CV. Here the plain greedy is run too: the construct
    without travel, on CV_b² + CV_q² unweighted (what a bureau would do by hand); when its
    backbone CV is lower than the plan's, the search is run again from it, and the plan kept
    is, in this order: the fewest broken rules, nearest the target, a backbone CV no higher
    than the greedy one, the lowest cost.
    """
    plan_st = _state_of(pb, dest)
    plain = dataclasses.replace(pb, cb=pb.cb / BACKBONE_WEIGHT)  # CV_b² + CV_q², unweighted
    g0 = State(plain)
    construct(plain, g0, travel_cost=False)
    g = _state_of(pb, g0.dest)
    g_bb, p_bb = backbone_term(pb, g), backbone_term(pb, plan_st)
    info: dict[str, Any] = {"greedy_backbone": round(g_bb, 6), "plan_backbone": round(p_bb, 6)}
    eps = GUARD_RELATIVE * max(1.0, g_bb)
    if pb.cb == 0 or p_bb <= g_bb + eps:
        return dest, stage, info | {"used": False}
    g_dest, g_key = list(g.dest), g.key()
    res, secs = _search(pb, g, seed, max(MIN_STEPS, steps // 2), deadline - MARGIN_S)
    info["search"] = _search_info(res, secs)
    r_bb = backbone_term(pb, _state_of(pb, res.dest))
    candidates = [
        (plan_st.key(), p_bb, dest, stage),
        (res.key, r_bb, res.dest, "search" if res.improved else "greedy"),
        (g_key, g_bb, g_dest, "greedy"),
    ]
    key, _bb, best, best_stage = min(
        candidates, key=lambda c: (c[0][0], c[0][1], c[1] > g_bb + eps, c[0][2])
    )
    info["used"] = best is not dest
    return list(best), best_stage, info


def _search_info(res: SearchResult, seconds: float) -> dict[str, Any]:
    return {
        "steps": res.iterations,
        "accepted": res.accepted,
        "improved": res.improved,
        "stopped_by": res.stopped_by,
        "temperature": round(res.temperature, 6),
        "violations": res.key[0],
        "deviation": res.key[1],
        "cost": round(res.key[2], 6),
        "seconds": round(seconds, 2),
    }


def plan_tradeoff(
    schools: Sequence[RotationSchool],
    teachers: Sequence[RotationTeacher],
    needs: Sequence[RotationNeed],
    *,
    rules: RotationRules | None = None,
    shares: Sequence[float] = TRADEOFF_SHARES,
    locked: Mapping[str, str] | None = None,
    forbidden: Collection[tuple[str, str]] = (),
    time_limit_s: float = 60.0,
    seed: str = "",
    on_row: Callable[[int, dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """What each number of movers buys: one plan per share of eligible teachers.

    Each row plans with ``target_share`` = that share (the floor ``share`` still holds; a
    ceiling is left out, since the table is how the bureau chooses one), under an equal part
    of ``time_limit_s``. A row whose rules cannot hold says why (``error``). A row holds the
    plan's summary figures and ``backbone_moved`` (backbone movers). ``on_row(i, row)`` is
    called as each row is done (a caller's progress report; an exception in it stops the table).

    What the rows guarantee: each plan keeps every hard rule (``violations`` 0) and moves its
    ``target`` whenever the rules allow that many; the CVs of different rows come from separate
    searches, so a larger share usually lowers them but is not proven to.
    """
    rules = rules or RotationRules()
    rows: list[dict[str, Any]] = []
    each = max(1.0, time_limit_s / max(1, len(shares)))
    for share in shares:
        r = dataclasses.replace(rules, target_share=float(share), max_share=None)
        row: dict[str, Any] = {"share": float(share)}
        try:
            plan = plan_rotation(
                schools,
                teachers,
                needs,
                rules=r,
                locked=locked,
                forbidden=forbidden,
                time_limit_s=each,
                seed=seed,
                bound=False,
            )
        except InputError as err:
            row["error"] = err.reason
            rows.append(row)
            if on_row is not None:
                on_row(len(rows) - 1, row)
            continue
        s = plan.summary
        backbone = {t.teacher_id for t in teachers if t.backbone}
        row["backbone_moved"] = sum(1 for t in plan.moves if t in backbone)
        row.update(
            {
                k: s[k]
                for k in (
                    "target",
                    "moved",
                    "moved_share",
                    "backbone_share",
                    "cv_backbone_before",
                    "cv_backbone_after",
                    "cv_qualified_before",
                    "cv_qualified_after",
                    "mean_km",
                    "pref_met",
                    "violations",
                    "stage",
                )
            }
        )
        rows.append(row)
        if on_row is not None:
            on_row(len(rows) - 1, row)
    return rows
