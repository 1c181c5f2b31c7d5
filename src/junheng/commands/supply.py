"""`junheng supply`: balanced supply of provider courses to schools (CONTRACTS.md).

Reads providers, courses and schools; optionally `--locks F` (course_id, school_id, sections:
exact section counts the bureau fixed; 0 forbids a pair). Writes `--out` only after the whole
plan has been computed and checked.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from junheng.engines.io import (
    Column,
    InputError,
    check_known,
    check_unique,
    read_table,
    write_atomic,
)

if TYPE_CHECKING:
    from junheng.engines.supply import SupplyCourse, SupplyProvider, SupplySchool

# The same vocabulary as the engine's (tests/engines/test_cli_start.py checks): the engine
# itself is imported only when the command runs, so `--help` starts fast.
URBAN_RURAL = ("urban", "town", "rural")

PROVIDER_COLUMNS = [Column("provider_id"), Column("weekly_sessions", "int", min=0)]
COURSE_COLUMNS = [
    Column("course_id"),
    Column("provider_id"),
    Column("category"),
    Column("seats", "int", min=1),
    Column("sessions_per_week", "int", min=1),
    Column("max_km", "float", min=0),
    Column("x_km", "float"),
    Column("y_km", "float"),
]
SCHOOL_COLUMNS = [
    Column("school_id"),
    Column("urban_rural", "choice", choices=URBAN_RURAL),
    Column("students", "int", min=1),
    Column("x_km", "float"),
    Column("y_km", "float"),
    Column("slots", "int", min=0),
]
LOCK_COLUMNS = [Column("course_id"), Column("school_id"), Column("sections", "int", min=0)]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--providers", required=True, help="provider_id, weekly_sessions")
    parser.add_argument(
        "--courses",
        required=True,
        help="course_id, provider_id, category, seats, sessions_per_week, max_km, x_km, y_km",
    )
    parser.add_argument(
        "--schools", required=True, help="school_id, urban_rural, students, x_km, y_km, slots"
    )
    parser.add_argument("--target", type=float, default=10.0, help="seats per 100 students")
    parser.add_argument("--locks", help="optional: course_id, school_id, sections (0 forbids)")
    parser.add_argument("--out", required=True, help="course_id, school_id, sections")
    parser.add_argument(
        "--seed", default="", help="accepted for symmetry; the plan is deterministic"
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=20.0,
        help="solver budget in CP-SAT deterministic seconds (default 20); wall clock stops at 10x",
    )


def read_inputs(
    providers_path: str, courses_path: str, schools_path: str
) -> tuple[list[SupplyProvider], list[SupplyCourse], list[SupplySchool]]:
    from junheng.engines.supply import SupplyCourse, SupplyProvider, SupplySchool

    pf = read_table(providers_path, PROVIDER_COLUMNS)
    check_unique(providers_path, pf, ["provider_id"])
    cf = read_table(courses_path, COURSE_COLUMNS)
    check_unique(courses_path, cf, ["course_id"])
    check_known(courses_path, cf, "provider_id", set(pf["provider_id"]), "provider")
    sf = read_table(schools_path, SCHOOL_COLUMNS)
    check_unique(schools_path, sf, ["school_id"])
    providers = [
        SupplyProvider(str(p), int(w))
        for p, w in zip(pf["provider_id"], pf["weekly_sessions"], strict=True)
    ]
    courses = [
        SupplyCourse(
            str(r[0]),
            str(r[1]),
            str(r[2]),
            int(r[3]),
            int(r[4]),
            float(r[5]),
            float(r[6]),
            float(r[7]),
        )
        for r in cf[[c.name for c in COURSE_COLUMNS]].itertuples(index=False)
    ]
    schools = [
        SupplySchool(str(r[0]), str(r[1]), int(r[2]), float(r[3]), float(r[4]), int(r[5]))
        for r in sf[[c.name for c in SCHOOL_COLUMNS]].itertuples(index=False)
    ]
    return providers, courses, schools


def _read_locks(
    path: str, courses: set[str], schools: set[str]
) -> tuple[dict[tuple[str, str], int], set[tuple[str, str]]]:
    lf = read_table(path, LOCK_COLUMNS)
    check_unique(path, lf, ["course_id", "school_id"])
    check_known(path, lf, "course_id", courses, "course")
    check_known(path, lf, "school_id", schools, "school")
    locked: dict[tuple[str, str], int] = {}
    forbidden: set[tuple[str, str]] = set()
    for c, s, n in zip(lf["course_id"], lf["school_id"], lf["sections"], strict=True):
        if int(n) == 0:
            forbidden.add((str(c), str(s)))
        else:
            locked[(str(c), str(s))] = int(n)
    return locked, forbidden


def run(args: argparse.Namespace) -> dict[str, Any]:
    from junheng.engines.supply import plan_supply

    providers, courses, schools = read_inputs(args.providers, args.courses, args.schools)
    locked: dict[tuple[str, str], int] = {}
    forbidden: set[tuple[str, str]] = set()
    if args.locks:
        locked, forbidden = _read_locks(
            args.locks, {c.course_id for c in courses}, {s.school_id for s in schools}
        )
    try:
        plan = plan_supply(
            providers,
            courses,
            schools,
            target=args.target,
            locked=locked,
            forbidden=forbidden,
            time_limit_s=args.time_limit,
        )
    except InputError as err:
        if err.file == "locked" and args.locks:
            raise InputError(args.locks, err.row, err.column, err.reason) from err
        raise
    if "lp_floor_bound" in plan.solver:
        print(
            f"junheng supply: LP bound on the floor {plan.solver['lp_floor_bound']}",
            file=sys.stderr,
        )
    for stage in plan.solver.get("stages", []):
        print(
            f"junheng supply: {stage['stage']}: {stage['status']} in {stage.get('seconds', 0)} s, "
            f"gap {stage.get('gap')}",
            file=sys.stderr,
        )
    if "fallback" in plan.solver:
        print(f"junheng supply: fell back to {plan.solver['fallback']}", file=sys.stderr)
    data = plan.out_bytes()
    digest = write_atomic(args.out, data)
    return {**plan.summary, "result_sha256": digest}
