"""`junheng rotate`: the teacher rotation plan (CONTRACTS.md).

Reads schools, teachers and needs; optionally `--locks F` (teacher_id, to_school: the
teacher's own school keeps them in place) and `--forbid F` (teacher_id, to_school). Writes
`--out` only after the whole plan has been computed and checked.

How many move: `--share` is the floor, `--max-share` an optional ceiling, `--target-share`
the number aimed at (default: the floor; with only a ceiling, as many as lower the CVs).
`--time-limit` is enforced by the engine (its search runs a deterministic budget of steps
sized from it; the wall clock is a safety net), so the same inputs and `--seed` give the same
bytes. `--tradeoff F` also writes what each share of movers (10/15/20/25/30%) buys.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from junheng.engines.io import (
    Column,
    InputError,
    check_known,
    check_unique,
    csv_bytes,
    read_table,
    write_atomic,
)
from junheng.engines.rotation import (
    LEVELS,
    URBAN_RURAL,
    RotationNeed,
    RotationRules,
    RotationSchool,
    RotationTeacher,
)

SCHOOL_COLUMNS = [
    Column("school_id"),
    Column("level", "choice", choices=LEVELS),
    Column("urban_rural", "choice", choices=URBAN_RURAL),
    Column("students", "int", min=1),
    Column("x_km", "float"),
    Column("y_km", "float"),
]
TEACHER_COLUMNS = [
    Column("teacher_id"),
    Column("school_id"),
    Column("subject"),
    Column("years_at_school", "int", min=0),
    Column("age", "int", min=0),
    Column("backbone", "bool01"),
    Column("qualified", "bool01"),
    Column("pref1", required=False, default=""),
    Column("pref2", required=False, default=""),
    Column("pref3", required=False, default=""),
    Column("gender", required=False, default=""),
]
NEED_COLUMNS = [Column("school_id"), Column("subject"), Column("required", "int", min=0)]
PAIR_COLUMNS = [Column("teacher_id"), Column("to_school")]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--schools", required=True, help="school_id, level, urban_rural, students, x_km, y_km"
    )
    parser.add_argument(
        "--teachers",
        required=True,
        help="teacher_id, school_id, subject, years_at_school, age, backbone, qualified, "
        "optional pref1..pref3, gender",
    )
    parser.add_argument("--needs", required=True, help="school_id, subject, required")
    parser.add_argument("--min-years", type=int, default=6)
    parser.add_argument(
        "--share", type=float, default=0.10, help="least share of eligible teachers who move"
    )
    parser.add_argument("--backbone-share", type=float, default=0.2)
    parser.add_argument("--backbone-basis", choices=["movers", "eligible"], default="movers")
    parser.add_argument("--max-km", type=float, default=30.0, help="longest move (default 30)")
    parser.add_argument("--max-age", type=int, help="eligible only when younger than this")
    parser.add_argument("--max-age-male", type=int)
    parser.add_argument("--max-age-female", type=int)
    parser.add_argument("--max-share", type=float, help="optional ceiling on movers / eligible")
    parser.add_argument(
        "--target-share",
        type=float,
        help="movers ≈ this share of eligible (default: the floor --share; held between floor "
        "and ceiling)",
    )
    parser.add_argument("--any-level", action="store_true", help="allow primary <-> junior moves")
    parser.add_argument("--locks", help="optional: teacher_id, to_school (own school = stays)")
    parser.add_argument("--forbid", help="optional: teacher_id, to_school")
    parser.add_argument("--out", required=True, help="teacher_id, from_school, to_school")
    parser.add_argument(
        "--seed", default="", help="the search's random stream (same seed, same bytes)"
    )
    parser.add_argument(
        "--time-limit", type=float, default=120.0, help="seconds, enforced by the engine"
    )
    parser.add_argument(
        "--no-bound",
        action="store_true",
        help="skip the lower bound (no gap; the plan is the same)",
    )
    parser.add_argument(
        "--tradeoff",
        help="optional: also write share, target, moved, cv_backbone_after, cv_qualified_after "
        "for movers at 10/15/20/25/30%% of eligible (the time limit is split among them)",
    )


def read_inputs(
    schools_path: str, teachers_path: str, needs_path: str
) -> tuple[list[RotationSchool], list[RotationTeacher], list[RotationNeed]]:
    sf = read_table(schools_path, SCHOOL_COLUMNS)
    check_unique(schools_path, sf, ["school_id"])
    known = set(sf["school_id"])
    tf = read_table(teachers_path, TEACHER_COLUMNS)
    check_unique(teachers_path, tf, ["teacher_id"])
    check_known(teachers_path, tf, "school_id", known, "school")
    for col in ("pref1", "pref2", "pref3"):
        sub = tf[tf[col] != ""]
        if len(sub):
            bad = ~sub[col].isin(known)
            if bad.any():
                i = int(sub.index[bad.to_numpy()][0]) + 2
                raise InputError(teachers_path, i, col, f"unknown school {sub[col][bad].iloc[0]!r}")
    bad_g = ~tf["gender"].isin(["", "F", "M"])
    if bad_g.any():
        i = int(tf.index[bad_g.to_numpy()][0]) + 2
        raise InputError(teachers_path, i, "gender", "expected F or M")
    nf = read_table(needs_path, NEED_COLUMNS)
    check_unique(needs_path, nf, ["school_id", "subject"])
    check_known(needs_path, nf, "school_id", known, "school")
    schools = [
        RotationSchool(str(r[0]), str(r[1]), str(r[2]), int(r[3]), float(r[4]), float(r[5]))
        for r in sf[[c.name for c in SCHOOL_COLUMNS]].itertuples(index=False)
    ]
    teachers = [
        RotationTeacher(
            str(r[0]),
            str(r[1]),
            str(r[2]),
            int(r[3]),
            int(r[4]),
            bool(r[5]),
            bool(r[6]),
            tuple(p for p in (str(r[7]), str(r[8]), str(r[9])) if p),
            str(r[10]),
        )
        for r in tf[[c.name for c in TEACHER_COLUMNS]].itertuples(index=False)
    ]
    needs = [
        RotationNeed(str(a), str(b), int(c))
        for a, b, c in zip(nf["school_id"], nf["subject"], nf["required"], strict=True)
    ]
    return schools, teachers, needs


def _pairs(path: str, teachers: set[str], schools: set[str]) -> list[tuple[str, str]]:
    df = read_table(path, PAIR_COLUMNS)
    check_unique(path, df, ["teacher_id", "to_school"])
    check_known(path, df, "teacher_id", teachers, "teacher")
    check_known(path, df, "to_school", schools, "school")
    return [(str(a), str(b)) for a, b in zip(df["teacher_id"], df["to_school"], strict=True)]


def run(args: argparse.Namespace) -> dict[str, Any]:
    from junheng.engines.rotation import plan_rotation, plan_tradeoff

    schools, teachers, needs = read_inputs(args.schools, args.teachers, args.needs)
    tids = {t.teacher_id for t in teachers}
    sids = {s.school_id for s in schools}
    locked: dict[str, str] = {}
    if args.locks:
        pairs = _pairs(args.locks, tids, sids)
        if len({t for t, _ in pairs}) != len(pairs):
            raise InputError(args.locks, None, "teacher_id", "a teacher is locked twice")
        locked = dict(pairs)
    forbidden = _pairs(args.forbid, tids, sids) if args.forbid else []
    rules = RotationRules(
        min_years=args.min_years,
        share=args.share,
        backbone_share=args.backbone_share,
        backbone_basis=args.backbone_basis,
        max_km=args.max_km,
        max_age=args.max_age,
        max_age_male=args.max_age_male,
        max_age_female=args.max_age_female,
        same_level=not args.any_level,
        max_share=args.max_share,
        target_share=args.target_share,
    )
    try:
        plan = plan_rotation(
            schools,
            teachers,
            needs,
            rules=rules,
            locked=locked,
            forbidden=forbidden,
            time_limit_s=args.time_limit,
            seed=args.seed,
            bound=not args.no_bound,
        )
    except InputError as err:
        if err.file == "locked" and args.locks:
            raise InputError(args.locks, err.row, err.column, err.reason) from err
        raise
    _report(plan.solver)
    table = None
    if args.tradeoff:
        rows = plan_tradeoff(
            schools,
            teachers,
            needs,
            rules=rules,
            locked=locked,
            forbidden=forbidden,
            time_limit_s=args.time_limit,
            seed=args.seed,
        )
        table = tradeoff_bytes(rows)
    digest = write_atomic(args.out, plan.out_bytes())
    if table is not None:
        write_atomic(args.tradeoff, table)
    return {**plan.summary, "result_sha256": digest}


TRADEOFF_COLUMNS = [
    "share",
    "target",
    "moved",
    "moved_share",
    "backbone_moved",
    "backbone_share",
    "cv_backbone_after",
    "cv_qualified_after",
    "mean_km",
    "pref_met",
    "error",
]


def tradeoff_bytes(rows: list[dict[str, Any]]) -> bytes:
    return csv_bytes(TRADEOFF_COLUMNS, [[row.get(c, "") for c in TRADEOFF_COLUMNS] for row in rows])


def _report(info: dict[str, Any]) -> None:
    """One line per stage on stderr (stdout's last line is the summary)."""
    c = info.get("construct", {})
    print(
        f"junheng rotate: construct {c.get('pairs')} exchange pairs in {c.get('seconds')} s",
        file=sys.stderr,
    )
    for name in ("search", "search_after_exact"):
        s = info.get(name)
        if s:
            print(
                f"junheng rotate: {name.replace('_', ' ')} {s['steps']} steps in {s['seconds']} s "
                f"(stopped by {s['stopped_by']})",
                file=sys.stderr,
            )
    if "exact" in info:
        print(f"junheng rotate: exact {info['exact'].get('status')}", file=sys.stderr)
    b = info.get("bound")
    if b:
        print(f"junheng rotate: bound {b.get('status')}, gap {info.get('gap')}", file=sys.stderr)
