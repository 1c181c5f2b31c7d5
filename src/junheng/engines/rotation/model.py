"""The rotation problem's vocabulary: inputs, rules, the plan, eligibility and the movers' band."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from junheng.engines.io import InputError, csv_bytes

LEVELS = ("primary", "junior")
URBAN_RURAL = ("urban", "town", "rural")
KM_TOLERANCE = 1e-9


@dataclass(frozen=True)
class RotationSchool:
    school_id: str
    level: str
    urban_rural: str
    students: int
    x_km: float
    y_km: float


@dataclass(frozen=True)
class RotationTeacher:
    teacher_id: str
    school_id: str
    subject: str
    years_at_school: int
    age: int
    backbone: bool
    qualified: bool
    prefs: tuple[str, ...] = ()
    gender: str = ""


@dataclass(frozen=True)
class RotationNeed:
    school_id: str
    subject: str
    required: int


@dataclass(frozen=True)
class RotationRules:
    """The round's rules.

    The number of movers: at least ``share`` of the eligible teachers (the national floor), at
    most ``max_share`` when given. ``target_share`` is how many the bureau wants to move: the
    plan moves ``ceil(target_share × eligible)`` (held inside the floor and the ceiling). With
    neither a target nor a ceiling the target is the floor itself; with only a ceiling the plan
    moves, between the floor and the ceiling, as many as lower the CVs.
    """

    min_years: int = 6
    share: float = 0.10
    backbone_share: float = 0.2
    backbone_basis: str = "movers"  # "movers" (national) or "eligible" (Anhui)
    max_km: float = 30.0
    max_age: int | None = None  # eligible when younger than this (any gender)
    max_age_male: int | None = None
    max_age_female: int | None = None
    same_level: bool = True
    max_share: float | None = None  # optional ceiling on movers / eligible
    target_share: float | None = None  # optional: movers ≈ this share of eligible


@dataclass
class RotationPlan:
    """``moves[teacher_id] = (from_school, to_school)`` for every mover, and the figures."""

    moves: dict[str, tuple[str, str]]
    summary: dict[str, Any]
    per_school: list[dict[str, Any]]
    solver: dict[str, Any] = field(default_factory=dict)

    def out_bytes(self) -> bytes:
        """The ``--out`` CSV: teacher_id, from_school, to_school; sorted by teacher_id."""
        rows = [(t, a, b) for t, (a, b) in sorted(self.moves.items())]
        return csv_bytes(["teacher_id", "from_school", "to_school"], rows)


def fraction(x: float, name: str) -> Fraction:
    """A share given as a float, read exactly as written (0.1 is 1/10)."""
    if not math.isfinite(x) or x < 0 or x > 1:
        raise InputError(None, None, name, f"must be between 0 and 1, got {x!r}")
    return Fraction(repr(float(x)))


def is_eligible(t: RotationTeacher, rules: RotationRules) -> bool:
    """Years at the school reach ``min_years`` and the teacher is under the age cap that applies."""
    if t.years_at_school < rules.min_years:
        return False
    cap = rules.max_age
    if t.gender == "M" and rules.max_age_male is not None:
        cap = rules.max_age_male
    elif t.gender == "F" and rules.max_age_female is not None:
        cap = rules.max_age_female
    return cap is None or t.age < cap


def distance_km(a: RotationSchool, b: RotationSchool) -> float:
    return math.hypot(float(a.x_km) - float(b.x_km), float(a.y_km) - float(b.y_km))


def required_movers(eligible: int, rules: RotationRules) -> int:
    return math.ceil(fraction(rules.share, "share") * eligible)


def most_movers(eligible: int, rules: RotationRules) -> int | None:
    """The ceiling (``max_share``), or None without one."""
    if rules.max_share is None:
        return None
    return math.floor(fraction(rules.max_share, "max_share") * eligible)


def target_movers(eligible: int, rules: RotationRules) -> int | None:
    """The number of movers aimed at, or None when the plan may move as many as help (ceiling only).

    ``ceil(target_share × eligible)``, else the floor when there is no ceiling either; always
    held between the floor and the ceiling.
    """
    lo = required_movers(eligible, rules)
    hi = most_movers(eligible, rules)
    if rules.target_share is not None:
        t = math.ceil(fraction(rules.target_share, "target_share") * eligible)
    elif hi is None:
        t = lo
    else:
        return None
    t = max(t, lo)
    return t if hi is None else min(t, hi)


def required_backbone(movers: int, eligible: int, rules: RotationRules) -> int:
    bs = fraction(rules.backbone_share, "backbone_share")
    return math.ceil(bs * (eligible if rules.backbone_basis == "eligible" else movers))


def validate(
    schools: Sequence[RotationSchool],
    teachers: Sequence[RotationTeacher],
    needs: Sequence[RotationNeed],
    rules: RotationRules,
) -> None:
    """Bad input (InputError naming the list, row and field); nothing about feasibility."""
    if rules.backbone_basis not in ("movers", "eligible"):
        raise InputError(None, None, "backbone_basis", "must be 'movers' or 'eligible'")
    share = fraction(rules.share, "share")
    fraction(rules.backbone_share, "backbone_share")
    if rules.target_share is not None:
        fraction(rules.target_share, "target_share")
    if rules.max_share is not None and fraction(rules.max_share, "max_share") < share:
        raise InputError(
            None,
            None,
            "max_share",
            f"the ceiling {rules.max_share:g} is below the floor --share {rules.share:g}",
        )
    if not (rules.max_km >= 0):
        raise InputError(None, None, "max_km", "must be ≥ 0")
    ids: set[str] = set()
    for i, s in enumerate(schools):
        if s.school_id in ids:
            raise InputError("schools", i + 2, "school_id", f"duplicate {s.school_id!r}")
        ids.add(s.school_id)
        if s.level not in LEVELS:
            raise InputError("schools", i + 2, "level", f"unknown value {s.level!r}")
        if s.urban_rural not in URBAN_RURAL:
            raise InputError("schools", i + 2, "urban_rural", f"unknown value {s.urban_rural!r}")
        if s.students < 1:
            raise InputError("schools", i + 2, "students", "must be ≥ 1")
        if not (math.isfinite(s.x_km) and math.isfinite(s.y_km)):
            raise InputError("schools", i + 2, "x_km", "coordinates must be finite numbers")
    gendered = rules.max_age_male is not None or rules.max_age_female is not None
    tids: set[str] = set()
    for i, t in enumerate(teachers):
        if t.teacher_id in tids:
            raise InputError("teachers", i + 2, "teacher_id", f"duplicate {t.teacher_id!r}")
        tids.add(t.teacher_id)
        if t.school_id not in ids:
            raise InputError("teachers", i + 2, "school_id", f"unknown school {t.school_id!r}")
        for k, p in enumerate(t.prefs):
            if p and p not in ids:
                raise InputError("teachers", i + 2, f"pref{k + 1}", f"unknown school {p!r}")
        if gendered and t.gender not in ("F", "M") and rules.max_age is None:
            raise InputError(
                "teachers", i + 2, "gender", "age caps by gender need gender F or M for everyone"
            )
    seen: set[tuple[str, str]] = set()
    for i, n in enumerate(needs):
        if n.school_id not in ids:
            raise InputError("needs", i + 2, "school_id", f"unknown school {n.school_id!r}")
        if (n.school_id, n.subject) in seen:
            raise InputError("needs", i + 2, "subject", f"duplicate need {n.school_id}/{n.subject}")
        seen.add((n.school_id, n.subject))
        if n.required < 0:
            raise InputError("needs", i + 2, "required", "must be ≥ 0")
