"""`junheng pair`: education-community pairing of member schools with core schools (CONTRACTS.md).

Reads `--schools` (school_id, level, urban_rural, students, x_km, y_km, strength, role,
optional capacity and region); optionally `--locks F` (member_id, core_id: that pair is made)
and `--forbid F` (member_id, core_id: that pair is not made). Writes `--out` (member_id,
core_id, mode, km) only after the whole plan has been computed and checked.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from junheng.engines.io import Column, InputError, check_unique, read_table, write_atomic

SCHOOL_COLUMNS = [
    Column("school_id"),
    Column("level", "choice", choices=("primary", "junior", "nine_year")),
    Column("urban_rural", "choice", choices=("urban", "town", "rural")),
    Column("students", "int", min=0),
    Column("x_km", "float"),
    Column("y_km", "float"),
    Column("strength", "float"),
    Column("role", "choice", choices=("core", "member")),
    Column("capacity", required=False, default=""),
    Column("region", required=False, default=""),
]
PAIR_COLUMNS = [Column("member_id"), Column("core_id")]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--schools",
        required=True,
        help="school_id, level, urban_rural, students, x_km, y_km, strength, role, "
        "optional capacity, region",
    )
    parser.add_argument("--capacity", type=int, default=3, help="local members per core")
    parser.add_argument("--max-km", type=float, default=20.0, help="longest local pair (km)")
    parser.add_argument(
        "--remote", type=int, default=0, help="remote (internet) members per core, besides local"
    )
    parser.add_argument("--locks", help="optional: member_id, core_id pairs that must be made")
    parser.add_argument("--forbid", help="optional: member_id, core_id pairs that must not be made")
    parser.add_argument("--out", required=True, help="member_id, core_id, mode, km")
    parser.add_argument(
        "--seed", default="", help="accepted for symmetry; the plan is deterministic"
    )


def read_schools(path: str) -> list[Any]:
    from junheng.engines.pairing import PairSchool

    df = read_table(path, SCHOOL_COLUMNS)
    check_unique(path, df, ["school_id"])
    out = []
    cols = [df[c.name].tolist() for c in SCHOOL_COLUMNS]
    for i, r in enumerate(zip(*cols, strict=True)):
        cap_text = str(r[8]).strip()
        capacity: int | None = None
        if cap_text:
            try:
                value = float(cap_text)
                whole = math.isfinite(value) and value == int(value)
            except ValueError:
                whole = False
            if not whole:
                raise InputError(path, i + 2, "capacity", f"expected an integer, got {cap_text!r}")
            capacity = int(value)
            if capacity < 0:
                raise InputError(path, i + 2, "capacity", f"must be ≥ 0, got {cap_text!r}")
        out.append(
            PairSchool(
                school_id=str(r[0]),
                level=str(r[1]),
                urban_rural=str(r[2]),
                students=int(r[3]),
                x_km=float(r[4]),
                y_km=float(r[5]),
                strength=float(r[6]),
                role=str(r[7]),
                capacity=capacity,
                region=str(r[9]),
            )
        )
    return out


def _pairs(path: str, roles: dict[str, str]) -> list[tuple[str, str]]:
    df = read_table(path, PAIR_COLUMNS)
    check_unique(path, df, ["member_id", "core_id"])
    out = []
    for i, (m, c) in enumerate(zip(df["member_id"], df["core_id"], strict=True)):
        if roles.get(str(m)) != "member":
            raise InputError(path, i + 2, "member_id", f"{m!r} is not a member school")
        if roles.get(str(c)) != "core":
            raise InputError(path, i + 2, "core_id", f"{c!r} is not a core school")
        out.append((str(m), str(c)))
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    from junheng.engines.pairing import PairRules, pair_schools

    for name in ("capacity", "remote"):
        if getattr(args, name) < 0:
            raise InputError(None, None, f"--{name}", f"must be ≥ 0, got {getattr(args, name)}")
    if not args.max_km >= 0:
        raise InputError(None, None, "--max-km", f"must be ≥ 0, got {args.max_km}")
    schools = read_schools(args.schools)
    roles = {s.school_id: s.role for s in schools}
    locked: dict[str, str] = {}
    if args.locks:
        pairs = _pairs(args.locks, roles)
        for i, (m, c) in enumerate(pairs):
            if m in locked:
                raise InputError(args.locks, i + 2, "member_id", f"{m!r} is locked twice")
            locked[m] = c
    forbidden = _pairs(args.forbid, roles) if args.forbid else []
    rules = PairRules(capacity=args.capacity, max_km=args.max_km, remote=args.remote)
    try:
        plan = pair_schools(schools, rules, locked=locked, forbidden=forbidden)
    except InputError as err:
        where = {"locked": args.locks, "forbidden": args.forbid}.get(err.file or "")
        raise InputError(where or args.schools, err.row, err.column, err.reason) from err
    for stage in plan.stages:
        print(f"junheng pair: {stage['stage']}: {stage['cost']}", file=sys.stderr)
    summary = plan.summary
    write_atomic(args.out, plan.out_bytes())
    return summary
