"""The independent checker of a plan's hard rules, and the plan's figures (summary, per school).

The checker is plain loops over the inputs, sharing nothing with the search but the rule
definitions, so that a plan's ``violations`` count means what it says.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from junheng.engines.rotation.model import (
    KM_TOLERANCE,
    RotationNeed,
    RotationRules,
    RotationSchool,
    RotationTeacher,
    distance_km,
    is_eligible,
    most_movers,
    required_backbone,
    required_movers,
)
from junheng.engines.stats import weighted_cv


def check_rotation(
    schools: Sequence[RotationSchool],
    teachers: Sequence[RotationTeacher],
    needs: Sequence[RotationNeed],
    rules: RotationRules,
    moves: Mapping[str, tuple[str, str]],
    *,
    locked: Mapping[str, str] | None = None,
    forbidden: Collection[tuple[str, str]] = (),
) -> list[str]:
    """Every broken hard rule of a plan, one line each (empty for a valid plan).

    ``locked`` and ``forbidden`` (as for ``plan_rotation``) are checked too when given.
    """
    sch = {s.school_id: s for s in schools}
    tch = {t.teacher_id: t for t in teachers}
    problems: list[str] = []
    moved_in: dict[str, int] = defaultdict(int)
    moved_out: dict[str, int] = defaultdict(int)
    staff: dict[tuple[str, str], int] = defaultdict(int)
    for t in teachers:
        staff[(t.school_id, t.subject)] += 1
    backbone = 0
    for tid, (a, b) in sorted(moves.items()):
        mover = tch.get(tid)
        if mover is None or mover.school_id != a or b not in sch or a == b:
            problems.append(f"{tid}: not a move of a known teacher from their school")
            continue
        t = mover
        if not is_eligible(t, rules):
            problems.append(f"{tid}: not eligible")
        if distance_km(sch[a], sch[b]) > rules.max_km + KM_TOLERANCE:
            problems.append(f"{tid}: {a}->{b} longer than max_km")
        if rules.same_level and sch[a].level != sch[b].level:
            problems.append(f"{tid}: {a}->{b} changes level")
        moved_out[a] += 1
        moved_in[b] += 1
        staff[(a, t.subject)] -= 1
        staff[(b, t.subject)] += 1
        backbone += t.backbone
    for sid in sorted(sch):
        if moved_in[sid] != moved_out[sid]:
            problems.append(f"school {sid}: {moved_in[sid]} in, {moved_out[sid]} out")
    for n in needs:
        if staff[(n.school_id, n.subject)] < n.required:
            problems.append(f"school {n.school_id}: {n.subject} below {n.required}")
    eligible = sum(is_eligible(t, rules) for t in teachers)
    movers = len(moves)
    if movers < required_movers(eligible, rules):
        problems.append(f"{movers} movers, fewer than the share of {eligible} eligible")
    ceiling = most_movers(eligible, rules)
    if ceiling is not None and movers > ceiling:
        problems.append(f"{movers} movers, more than the ceiling of {ceiling}")
    if backbone < required_backbone(movers, eligible, rules):
        problems.append(f"{backbone} backbone movers, fewer than the backbone share")
    for tid, to in sorted((locked or {}).items()):
        where = moves[tid][1] if tid in moves else (tch[tid].school_id if tid in tch else None)
        if where != to:
            problems.append(f"{tid}: locked to {to} but ends at {where}")
    for tid, to in sorted(forbidden):
        if tid in moves and moves[tid][1] == to:
            problems.append(f"{tid}: the move to {to} is forbidden")
    return problems


# --------------------------------------------------------------------------- figures


def per100(
    schools: Sequence[RotationSchool],
    teachers: Sequence[RotationTeacher],
    moves: Mapping[str, tuple[str, str]],
) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """(before, after) per school: [teachers, backbone, qualified]."""
    before: dict[str, list[int]] = {s.school_id: [0, 0, 0] for s in schools}
    after: dict[str, list[int]] = {s.school_id: [0, 0, 0] for s in schools}
    for t in teachers:
        row = [1, int(t.backbone), int(t.qualified)]
        where = moves[t.teacher_id][1] if t.teacher_id in moves else t.school_id
        for k in range(3):
            before[t.school_id][k] += row[k]
            after[where][k] += row[k]
    return before, after


def figures(
    schools: Sequence[RotationSchool],
    teachers: Sequence[RotationTeacher],
    rules: RotationRules,
    moves: Mapping[str, tuple[str, str]],
    violations: int,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    sch = {s.school_id: s for s in schools}
    tch = {t.teacher_id: t for t in teachers}
    before, after = per100(schools, teachers, moves)
    order = sorted(schools, key=lambda s: s.school_id)
    w = [s.students for s in order]

    def cv(table: dict[str, list[int]], k: int) -> float:
        return round(weighted_cv([100.0 * table[s.school_id][k] / s.students for s in order], w), 4)

    eligible = sum(is_eligible(t, rules) for t in teachers)
    movers = len(moves)
    backbone = sum(tch[t].backbone for t in moves)
    km = [distance_km(sch[a], sch[b]) for a, b in moves.values()]
    pref_met = sum(1 for t, (_a, b) in moves.items() if b in tch[t].prefs)
    summary: dict[str, Any] = {
        "eligible": eligible,
        "moved": movers,
        "moved_share": round(movers / eligible, 4) if eligible else 0.0,
        "backbone_share": round(backbone / movers, 4) if movers else 0.0,
        "cv_backbone_before": cv(before, 1),
        "cv_backbone_after": cv(after, 1),
        "cv_qualified_before": cv(before, 2),
        "cv_qualified_after": cv(after, 2),
        "mean_km": round(sum(km) / movers, 3) if movers else 0.0,
        "pref_met": pref_met,
        "violations": violations,
    }
    outs: dict[str, int] = defaultdict(int)
    ins: dict[str, int] = defaultdict(int)
    for a, b in moves.values():
        outs[a] += 1
        ins[b] += 1
    per_school = []
    for s in order:
        b0, b1 = before[s.school_id], after[s.school_id]
        per_school.append(
            {
                "school_id": s.school_id,
                "level": s.level,
                "urban_rural": s.urban_rural,
                "students": s.students,
                "teachers": b0[0],
                "out": outs[s.school_id],
                "in": ins[s.school_id],
                "backbone_before": b0[1],
                "backbone_after": b1[1],
                "qualified_before": b0[2],
                "qualified_after": b1[2],
                "backbone_per100_before": round(100 * b0[1] / s.students, 4),
                "backbone_per100_after": round(100 * b1[1] / s.students, 4),
                "qualified_per100_before": round(100 * b0[2] / s.students, 4),
                "qualified_per100_after": round(100 * b1[2] / s.students, 4),
            }
        )
    return summary, per_school
