"""Teacher rotation plan (校长教师交流轮岗).

Problem. Each year a county moves a share of its eligible teachers between schools so that the
gaps between schools shrink (CONTRACTS.md, "junheng rotate"). Hard rules: only eligible teachers
move (years at the school ≥ ``min_years``, optional age caps by gender); every school keeps its
head count (moves are exchanges: in = out per school); every subject need
``(school, subject, required)`` is met after the moves; no move is longer than ``max_km``; at
least ``ceil(share × eligible)`` teachers move, at most ``floor(max_share × eligible)`` when a
ceiling is given; backbone movers are at least ``backbone_share`` of the movers (national) or
of the eligible teachers (Anhui). By default moves stay within a level. Goal: lower the
enrolment-weighted coefficients of variation of backbone and of qualified teachers per 100
students, then meet preferences (pref1..pref3), then short travel.

How many move (our reading of "the bureau chooses"). ``target_share`` asks for
``ceil(target_share × eligible)`` movers, held between the floor (``share``) and the ceiling
(``max_share``); the plan moves exactly that many whenever the search finds a way (otherwise
as close to it as the rules allow: a target beyond what the backbone share permits, say). Without a target the target is the floor: the plan moves what the
rules ask for and no more. With only a ceiling the plan moves, between floor and ceiling, as
many as lower the CVs (every move has a cost, so none is made for nothing).

Method, in stages, each keeping every plan it hands on checkable:

1. ``prechecks``: proofs that the rules contradict each other (too few teachers can move, too
   few backbone teachers, a school whose locked moves cannot be balanced, a subject need no
   eligible teacher can fill), naming the school and subject. Only a proof stops the run.
2. ``construct``: same-subject exchange pairs chosen greedily for the CV gain over all pairs
   of schools at once; a plan in seconds for a city.
3. ``search``: local search (repair, then simulated annealing) under a budget of steps; the
   best plan seen is kept.
4. ``exact`` (only when the search cannot make every rule hold): CP-SAT on the flows of
   classes of interchangeable teachers, under the remaining time; it either finds a plan that
   the search then improves, or proves that none exists and names the rules in the way.
5. guard (``plan._greedy_guard``): the plain same-subject greedy on the CVs alone (the
   construct without travel); when its backbone CV is lower than the plan's, the search runs
   again from it, and the plan kept has, in this order, the fewest broken rules, the movers
   nearest the target, a backbone CV no higher than the greedy one, the lowest cost (the
   robustness benchmark's yardstick: never worse than greedy swaps on the backbone CV).
6. ``assign``: within each class of interchangeable teachers, preferences decide who goes.
7. ``bound`` (optional): a lower bound on C from the linear relaxation of the flow model, in a
   child process stopped at the deadline; ``gap`` is ``(C − bound) / C`` of the plan's C, or
   None when no bound came in time.

The time limit. ``time_limit_s`` is enforced by the engine: the search runs a budget of
``STEPS_PER_SECOND × SEARCH_SHARE × time_limit_s`` steps (deterministic: the same inputs and
seed give the same plan, busy machine or not) and stops early at the wall-clock deadline only
as a safety net (``solver["stopped_by"] == "time"``); CP-SAT gets the time left; the bound's
child process is killed at the deadline. The construct always completes (seconds).

Guarantee. Every plan returned satisfies every hard rule, re-checked by ``check_rotation``
(independent, plain loops); its count is the summary's ``violations`` (0). The summary adds
``target``, ``time_to_first_plan_s`` (from the call to the first plan keeping every rule),
``gap`` and ``stage`` (``construct``, ``search``, ``exact`` or ``greedy``: the stage that
produced the plan kept).

Rule. National guideline on county-wide teacher exchange (2014): at least 10% of eligible
teachers a year, backbone teachers at least 20% of those rotated; provincial variants
(Zhejiang years at one school, Anhui backbone basis, age caps) are options (RULES.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from junheng.engines.rotation.model import (
    KM_TOLERANCE,
    LEVELS,
    URBAN_RURAL,
    RotationNeed,
    RotationPlan,
    RotationRules,
    RotationSchool,
    RotationTeacher,
    distance_km,
    is_eligible,
    most_movers,
    required_backbone,
    required_movers,
    target_movers,
)

if TYPE_CHECKING:
    from junheng.engines.rotation.check import check_rotation
    from junheng.engines.rotation.plan import (
        SEARCH_SHARE,
        STEPS_PER_SECOND,
        TRADEOFF_SHARES,
        plan_rotation,
        plan_tradeoff,
    )

_LAZY = {
    "check_rotation": "check",
    "SEARCH_SHARE": "plan",
    "STEPS_PER_SECOND": "plan",
    "TRADEOFF_SHARES": "plan",
    "plan_rotation": "plan",
    "plan_tradeoff": "plan",
}


def __getattr__(name: str) -> Any:
    """The planner and the checker load numpy: imported on first use (a fast CLI start)."""
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f"junheng.engines.rotation.{_LAZY[name]}"), name)
    raise AttributeError(name)


__all__ = [
    "KM_TOLERANCE",
    "LEVELS",
    "SEARCH_SHARE",
    "STEPS_PER_SECOND",
    "TRADEOFF_SHARES",
    "URBAN_RURAL",
    "RotationNeed",
    "RotationPlan",
    "RotationRules",
    "RotationSchool",
    "RotationTeacher",
    "check_rotation",
    "distance_km",
    "is_eligible",
    "most_movers",
    "plan_rotation",
    "plan_tradeoff",
    "required_backbone",
    "required_movers",
    "target_movers",
]
