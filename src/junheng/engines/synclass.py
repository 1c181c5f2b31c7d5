"""Synchronous-lesson timetabling for paired schools (同步课堂 / 专递课堂).

Problem. A core school's teacher gives a weekly lesson of a subject to a class of their own
school and, over a live link, to one or more classes of member schools at the same time. Each
request asks for ``per_week`` such lessons. Given every class's weekly timetable (the periods
already taken) and every teacher's (the periods they already teach), place the lessons in
periods where the teacher and every class involved are free, so that:

- no teacher and no class is double-booked (by their timetable or by another synchronous
  lesson);
- a request's lessons fall on different days (at most ``ceil(per_week / days)`` a day);
- a teacher's weekly load (timetable periods + synchronous lessons) stays within ``max_load``;
- as many requested lessons as possible are placed; then earlier periods of the day are
  preferred (fresh minds, and the last period is often the after-school one).

Method. CP-SAT (OR-Tools): one Boolean per request and common free period; the constraints
above are linear. Requests that share no teacher and no class are independent, so each
connected group (usually one core school's pairs) is its own model. Two solves per group: the
most lessons, then — with that many fixed and the first answer as a hint — the least sum of
period numbers. One search worker, a fixed seed and limits
in deterministic time make the same inputs give the same timetable.

Guarantee. Every timetable is re-checked by ``check_timetable`` (plain loops); each lesson not
placed is reported with the reason: the teacher and the classes share fewer free days than
lessons asked (``no_common_period``), the teacher's load limit is reached (``load_limit``), or
the common free periods are taken by other synchronous lessons (``taken``). With
``optimal`` False the solver stopped on its limit before proving no more could be placed.

>>> plan = schedule_lessons(
...     days=2, periods=2,
...     classes={"A1": {(1, 1)}, "B1": {(1, 2)}},
...     teachers={"T": set()},
...     requests=[SyncRequest("R1", "T", "A1", ("B1",), 2)],
... )
>>> plan.placed["R1"], plan.unplaced
([(2, 1)], [Unplaced(request_id='R1', missing=1, reason='no_common_period')])
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Any

from junheng.engines.io import InputError

Slot = tuple[int, int]  # (day 1.., period 1..)
REASONS = ("no_common_period", "load_limit", "taken")
DEFAULT_MAX_LOAD = 20
TIME_LIMIT_S = 20.0  # deterministic seconds


@dataclass(frozen=True)
class SyncRequest:
    request_id: str
    teacher_id: str
    core_class: str
    member_classes: tuple[str, ...]
    per_week: int = 1
    subject: str = ""


@dataclass(frozen=True)
class Unplaced:
    request_id: str
    missing: int
    reason: str  # one of REASONS


@dataclass
class SyncTimetable:
    placed: dict[str, list[Slot]]  # request id -> slots, sorted
    unplaced: list[Unplaced]
    optimal: bool
    violations: list[str] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, Any]:
        asked = sum(len(v) for v in self.placed.values()) + sum(u.missing for u in self.unplaced)
        placed = sum(len(v) for v in self.placed.values())
        by_reason = {r: sum(u.missing for u in self.unplaced if u.reason == r) for r in REASONS}
        return {
            "requests": len(self.placed),
            "lessons": asked,
            "placed": placed,
            "unplaced": asked - placed,
            "unplaced_by_reason": by_reason,
            "optimal": self.optimal,
            "violations": len(self.violations),
        }


# What a pair asks for by default: three subjects once a week in one grade of each level.
DEFAULT_SUBJECTS = {
    "primary": ("chinese", "math", "science"),
    "junior": ("chinese", "math", "physics"),
}
DEFAULT_GRADE = {"primary": 4, "junior": 8}


def pair_requests(
    pairs: Sequence[tuple[str, str, str]],
    classes: Mapping[str, Mapping[int, Sequence[str]]],
    teaching: Mapping[tuple[str, str], str],
    *,
    subjects: Mapping[str, Sequence[str]] | None = None,
    grades: Mapping[str, int] | None = None,
    per_week: int = 1,
    staff: Mapping[tuple[str, str], Sequence[str]] | None = None,
) -> tuple[list[SyncRequest], list[tuple[str, str, str]]]:
    """Default requests for pairs (member id, core id, level: primary | junior): in the level's
    grade, a class of the core (the core's members take its classes in turn, so one class is
    not asked for every lesson) teaches the first class of the member each subject, given by
    the teacher who teaches that subject to that core class (`teaching[(class, subject)]`),
    else the first of `staff[(core id, subject)]`. Returns (requests, skipped as
    (member id, subject, why)) — why: ``no_class`` (a school has no class of the grade) or
    ``no_teacher``. Request ids: ``member:core:subject``."""
    subjects = subjects or DEFAULT_SUBJECTS
    grades = grades or DEFAULT_GRADE
    out: list[SyncRequest] = []
    skipped: list[tuple[str, str, str]] = []
    turn: dict[tuple[str, int], int] = {}
    for member, core, level in pairs:
        g = grades[level]
        core_classes = list(classes.get(core, {}).get(g, []))
        member_classes = list(classes.get(member, {}).get(g, []))
        k = turn.get((core, g), 0)
        turn[(core, g)] = k + 1
        for subject in subjects[level]:
            if not core_classes or not member_classes:
                skipped.append((member, subject, "no_class"))
                continue
            c = core_classes[k % len(core_classes)]
            teacher = teaching.get((c, subject))
            if teacher is None and staff is not None:
                teacher = next(iter(staff.get((core, subject), [])), None)
            if teacher is None:
                skipped.append((member, subject, "no_teacher"))
                continue
            out.append(
                SyncRequest(
                    f"{member}:{core}:{subject}",
                    teacher,
                    c,
                    (member_classes[0],),
                    per_week,
                    subject,
                )
            )
    return out, skipped


def _check_inputs(
    days: int,
    periods: int,
    classes: Mapping[str, Set[Slot]],
    teachers: Mapping[str, Set[Slot]],
    requests: Sequence[SyncRequest],
    max_load: int,
) -> None:
    if days < 1 or periods < 1:
        raise InputError(None, None, "days", "days and periods must be ≥ 1")
    if max_load < 0:
        raise InputError(None, None, "max_load", "must be ≥ 0")
    seen: set[str] = set()
    for i, r in enumerate(requests):
        row = i + 2
        if r.request_id in seen:
            raise InputError(None, row, "request_id", f"duplicate request {r.request_id!r}")
        seen.add(r.request_id)
        if r.teacher_id not in teachers:
            raise InputError(None, row, "teacher_id", f"unknown teacher {r.teacher_id!r}")
        for c in (r.core_class, *r.member_classes):
            if c not in classes:
                raise InputError(None, row, "class", f"unknown class {c!r}")
        if not r.member_classes:
            raise InputError(None, row, "member_classes", "a request needs a member class")
        if r.core_class in r.member_classes or len(set(r.member_classes)) != len(r.member_classes):
            raise InputError(None, row, "member_classes", "a class appears twice in the request")
        if r.per_week < 0:
            raise InputError(None, row, "per_week", f"must be ≥ 0, got {r.per_week}")
    for name, table in (("class", classes), ("teacher", teachers)):
        for key, busy in table.items():
            for d, p in busy:
                if not (1 <= d <= days and 1 <= p <= periods):
                    raise InputError(None, None, name, f"{key!r}: period {(d, p)} outside the week")


def common_free(
    request: SyncRequest,
    days: int,
    periods: int,
    classes: Mapping[str, Set[Slot]],
    teachers: Mapping[str, Set[Slot]],
) -> list[Slot]:
    """Periods where the request's teacher and all its classes are free (timetables only)."""
    busy = set(teachers[request.teacher_id])
    for c in (request.core_class, *request.member_classes):
        busy |= classes[c]
    return [(d, p) for d in range(1, days + 1) for p in range(1, periods + 1) if (d, p) not in busy]


def schedule_lessons(
    *,
    days: int,
    periods: int,
    classes: Mapping[str, Set[Slot]],
    teachers: Mapping[str, Set[Slot]],
    requests: Sequence[SyncRequest],
    max_load: int = DEFAULT_MAX_LOAD,
    time_limit_s: float = TIME_LIMIT_S,
) -> SyncTimetable:
    """Place the requests' weekly lessons (see the module docstring). `classes` and `teachers`
    map ids to the periods their timetables already take.

    Requests that share no teacher and no class cannot constrain each other, so each connected
    group (usually a core school's pairs) is solved on its own, in order of its first request
    id: small exact models instead of one large one; `time_limit_s` applies to each.
    """
    _check_inputs(days, periods, classes, teachers, requests, max_load)
    reqs = sorted(requests, key=lambda r: r.request_id)
    free_of = {
        r.request_id: (common_free(r, days, periods, classes, teachers) if r.per_week > 0 else [])
        for r in reqs
    }
    room = {r.teacher_id: max(0, max_load - len(teachers[r.teacher_id])) for r in reqs}
    placed: dict[str, list[Slot]] = {}
    optimal = True
    for group in _components(reqs):
        got, proven = _place(group, days, periods, free_of, room, time_limit_s)
        placed.update(got)
        optimal = optimal and proven
    load: dict[str, int] = dict.fromkeys(room, 0)
    for r in reqs:
        load[r.teacher_id] += len(placed[r.request_id])
    unplaced = []
    for r in reqs:
        missing = r.per_week - len(placed[r.request_id])
        if missing <= 0:
            continue
        free = free_of[r.request_id]
        free_days = {d for d, _p in free}
        per_day = math.ceil(r.per_week / days)
        if len(free) < r.per_week or len(free_days) * per_day < r.per_week:
            reason = "no_common_period"
        elif load[r.teacher_id] >= room[r.teacher_id]:
            reason = "load_limit"
        else:
            reason = "taken"
        unplaced.append(Unplaced(r.request_id, missing, reason))
    out = SyncTimetable(placed, unplaced, optimal=optimal)
    out.violations = check_timetable(
        days=days,
        periods=periods,
        classes=classes,
        teachers=teachers,
        requests=requests,
        placed=placed,
        max_load=max_load,
    )
    return out


def _components(reqs: Sequence[SyncRequest]) -> list[list[SyncRequest]]:
    """Requests linked by a shared teacher or class, each group in request-id order."""
    parent = list(range(len(reqs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, r in enumerate(reqs):
        for key in (
            f"t:{r.teacher_id}",
            f"c:{r.core_class}",
            *(f"c:{c}" for c in r.member_classes),
        ):
            j = first.setdefault(key, i)
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[SyncRequest]] = {}
    for i, r in enumerate(reqs):
        groups.setdefault(find(i), []).append(r)
    return [groups[k] for k in sorted(groups)]


def _place(
    reqs: Sequence[SyncRequest],
    days: int,
    periods: int,
    free_of: Mapping[str, Sequence[Slot]],
    room: Mapping[str, int],
    time_limit_s: float,
) -> tuple[dict[str, list[Slot]], bool]:
    """One group's lessons: (request id -> slots, proven optimal)."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    x: dict[tuple[int, Slot], Any] = {}
    for k, r in enumerate(reqs):
        for s in free_of[r.request_id]:
            x[(k, s)] = model.new_bool_var(f"x{k}_{s[0]}_{s[1]}")
    if not x:
        return {r.request_id: [] for r in reqs}, True
    by_teacher: dict[str, list[int]] = {}
    by_class: dict[str, list[int]] = {}
    for k, r in enumerate(reqs):
        free = free_of[r.request_id]
        by_teacher.setdefault(r.teacher_id, []).append(k)
        for c in (r.core_class, *r.member_classes):
            by_class.setdefault(c, []).append(k)
        model.add(sum(x[(k, s)] for s in free) <= r.per_week)
        per_day = math.ceil(r.per_week / days) if r.per_week else 0
        for d in range(1, days + 1):
            day = [x[(k, s)] for s in free if s[0] == d]
            if len(day) > per_day:
                model.add(sum(day) <= per_day)
    slots = [(d, p) for d in range(1, days + 1) for p in range(1, periods + 1)]
    for group in (*by_teacher.values(), *by_class.values()):
        if len(group) < 2:
            continue
        for s in slots:
            here = [x[(k, s)] for k in group if (k, s) in x]
            if len(here) > 1:
                model.add(sum(here) <= 1)
    for t, ks in by_teacher.items():
        model.add(sum(x[(k, s)] for k in ks for s in free_of[reqs[k].request_id]) <= room[t])
    # stage 1: as many lessons as possible; stage 2: with that many, the earliest periods
    # (a tie-break folded into one objective makes the search far slower)
    model.maximize(sum(x.values()))
    solver = _solver(time_limit_s)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(f"CP-SAT ended with status {solver.status_name(status)}")
    optimal = status == cp_model.OPTIMAL
    best = int(round(solver.objective_value))
    for v in x.values():
        model.add_hint(v, solver.boolean_value(v))
    model.add(sum(x.values()) == best)
    model.minimize(sum(s[1] * v for (_k, s), v in x.items()))
    second = _solver(time_limit_s)
    status2 = second.solve(model)
    if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        solver = second
        optimal = optimal and status2 == cp_model.OPTIMAL
    return {
        r.request_id: sorted(s for s in free_of[r.request_id] if solver.boolean_value(x[(k, s)]))
        for k, r in enumerate(reqs)
    }, optimal


def _solver(time_limit_s: float) -> Any:
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    prm = solver.parameters
    prm.num_workers = 1
    prm.random_seed = 0
    prm.max_deterministic_time = time_limit_s
    prm.max_time_in_seconds = 10 * time_limit_s
    return solver


def check_timetable(
    *,
    days: int,
    periods: int,
    classes: Mapping[str, Set[Slot]],
    teachers: Mapping[str, Set[Slot]],
    requests: Sequence[SyncRequest],
    placed: Mapping[str, Sequence[Slot]],
    max_load: int,
) -> list[str]:
    """Every rule a timetable breaks (empty when it is valid), checked with plain loops."""
    problems: list[str] = []
    class_use: dict[tuple[str, Slot], str] = {}
    teacher_use: dict[tuple[str, Slot], str] = {}
    load = {t: len(b) for t, b in teachers.items()}
    for r in requests:
        slots = list(placed.get(r.request_id, []))
        if len(slots) > r.per_week:
            problems.append(f"{r.request_id}: {len(slots)} lessons, {r.per_week} asked")
        per_day = math.ceil(r.per_week / days) if r.per_week else 0
        for d in range(1, days + 1):
            if sum(1 for s in slots if s[0] == d) > per_day:
                problems.append(f"{r.request_id}: more than {per_day} on day {d}")
        for s in slots:
            if not (1 <= s[0] <= days and 1 <= s[1] <= periods):
                problems.append(f"{r.request_id}: {s} outside the week")
            if s in teachers[r.teacher_id]:
                problems.append(f"{r.request_id}: teacher {r.teacher_id} teaches at {s}")
            key_t = (r.teacher_id, s)
            if key_t in teacher_use:
                problems.append(f"{r.request_id}: teacher double-booked at {s}")
            teacher_use[key_t] = r.request_id
            for c in (r.core_class, *r.member_classes):
                if s in classes[c]:
                    problems.append(f"{r.request_id}: class {c} has a lesson at {s}")
                if (c, s) in class_use:
                    problems.append(f"{r.request_id}: class {c} double-booked at {s}")
                class_use[(c, s)] = r.request_id
            load[r.teacher_id] = load.get(r.teacher_id, 0) + 1
    for r in requests:
        if placed.get(r.request_id) and load[r.teacher_id] > max(
            max_load, len(teachers[r.teacher_id])
        ):
            problems.append(f"teacher {r.teacher_id}: load {load[r.teacher_id]} over {max_load}")
    return sorted(set(problems))
