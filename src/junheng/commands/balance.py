"""`junheng balance`: the national balance indicators per school, their CVs and the verdict.

See CONTRACTS.md "junheng balance" and `junheng.engines.balance`.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from junheng.engines.io import Column, InputError, check_unique, read_table, write_atomic

if TYPE_CHECKING:
    from junheng.engines.balance import BalanceSchool

# The same vocabulary as the engine's (tests/engines/test_cli_start.py checks): the engine
# itself is imported only when the command runs, so `--help` starts fast.
LEVELS = ("primary", "junior")
TOTALS = (
    "qualified_teachers",
    "backbone_teachers",
    "pe_art_teachers",
    "teaching_room_m2",
    "sports_field_m2",
    "equipment_yuan",
    "multimedia_classrooms",
)

COLUMNS = (
    Column("school_id"),
    Column("level", "choice", choices=LEVELS),
    Column("students", "int", min=1),
    *(Column(name, "float", min=0) for name in TOTALS),
    Column("teaching_point", "bool01", required=False, default="0"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--schools", required=True, help="CSV/XLSX: school_id, level, students, …")
    parser.add_argument("--out", required=True, help="CSV: school_id, level, L1..L7, met, passes")


def read_schools(path: str) -> list[BalanceSchool]:
    from junheng.engines.balance import BalanceSchool

    df = read_table(path, COLUMNS)
    check_unique(path, df, ["school_id", "level"])
    cols: list[list[Any]] = [df[c.name].tolist() for c in COLUMNS]
    return [
        BalanceSchool(
            school_id=str(r[0]),
            level=str(r[1]),
            students=int(r[2]),
            qualified_teachers=float(r[3]),
            backbone_teachers=float(r[4]),
            pe_art_teachers=float(r[5]),
            teaching_room_m2=float(r[6]),
            sports_field_m2=float(r[7]),
            equipment_yuan=float(r[8]),
            multimedia_classrooms=float(r[9]),
            teaching_point=bool(r[10]),
        )
        for r in zip(*cols, strict=True)
    ]


def run(args: argparse.Namespace) -> dict[str, Any]:
    from junheng.engines.balance import evaluate

    schools = read_schools(args.schools)
    try:
        result = evaluate(schools)
    except InputError as err:  # the engine's rows are the file's rows: add the file name
        raise InputError(args.schools, err.row, err.column, err.reason) from err
    data = result.out_bytes()
    summary = result.summary()
    write_atomic(args.out, data)
    if result.excluded:
        print(
            f"junheng balance: {len(result.excluded)} teaching point(s) under 50 students left out",
            file=sys.stderr,
        )
    return summary
