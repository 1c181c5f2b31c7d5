"""`junheng place`: balanced class placement (均衡编班) of one cohort.

See CONTRACTS.md "junheng place" and `junheng.engines.placement`. Extra 0/1 columns named with
`--balance` (default: `migrant` and `left_behind` when present) are balanced too, and
`--table F` also writes the public balance table (class, size, F, M, needs, mean_score, …).
"""

from __future__ import annotations

import argparse
import math
from typing import TYPE_CHECKING, Any

from junheng.engines.formats import PLACEMENT_STUDENT_COLUMNS
from junheng.engines.io import InputError, check_unique, read_table, write_all_atomic

if TYPE_CHECKING:
    from junheng.engines.placement import PlacementStudent

# The same vocabulary as the engine's (tests/engines/test_cli_start.py checks): the engine
# itself is imported only when the command runs, so `--help` starts fast.
METHODS = ("balanced", "snake", "random")

COLUMNS = PLACEMENT_STUDENT_COLUMNS
DEFAULT_EXTRAS = ("migrant", "left_behind")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--students", required=True, help="CSV/XLSX: student_id, gender, …")
    parser.add_argument("--classes", required=True, type=int, help="number of classes N")
    parser.add_argument("--seed", required=True, help="the published seed (any text)")
    parser.add_argument("--method", choices=METHODS, default="balanced")
    parser.add_argument("--out", required=True, help="CSV: student_id, class (sorted by id)")
    parser.add_argument(
        "--balance",
        default=None,
        help="comma-separated extra 0/1 columns to balance (default: migrant, left_behind "
        "when present; '' for none)",
    )
    parser.add_argument("--table", default=None, help="optional CSV: the class balance table")


def read_students(path: str, extras: list[str] | None) -> list[PlacementStudent]:
    from junheng.engines.placement import PlacementStudent

    df = read_table(path, COLUMNS)
    check_unique(path, df, ["student_id"])
    names = [c for c in DEFAULT_EXTRAS if c in df.columns] if extras is None else extras
    flags: dict[str, list[bool]] = {}
    for name in names:
        if name not in df.columns:
            raise InputError(path, 1, name, "missing column")
        raw = df[name].astype(str).str.strip()
        bad = ~raw.isin(["0", "1"])
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(path, i + 2, name, f"expected 0 or 1, got {raw.iloc[i]!r}")
        flags[name] = (raw == "1").tolist()
    scores = df["score"].tolist()
    return [
        PlacementStudent(
            student_id=str(sid),
            gender=str(g),
            score=None if math.isnan(sc) else float(sc),
            needs=bool(nd),
            together=str(t),
            apart=str(a),
            attributes={k: v[i] for k, v in flags.items()},
        )
        for i, (sid, g, sc, nd, t, a) in enumerate(
            zip(
                df["student_id"],
                df["gender"],
                scores,
                df["needs"],
                df["together"],
                df["apart"],
                strict=True,
            )
        )
    ]


def run(args: argparse.Namespace) -> dict[str, Any]:
    from junheng.engines.placement import place

    extras = None
    if args.balance is not None:
        extras = [c.strip() for c in args.balance.split(",") if c.strip()]
    students = read_students(args.students, extras)
    try:
        result = place(students, args.classes, args.seed, args.method)
    except InputError as err:  # engine rows are the file's rows: add the file name
        raise InputError(args.students, err.row, err.column, err.reason) from err
    write_all_atomic(
        [(args.out, result.out_bytes()), (args.table, result.table_bytes() if args.table else b"")]
    )
    return result.summary
