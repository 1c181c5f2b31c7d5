"""`junheng allocate`: after-school seats by public lottery (CONTRACTS.md, "junheng allocate").

Reads the offerings, choices and (optional) priorities files, runs
`junheng.engines.allocation`, and writes `--out` (and `--waitlist`) only after everything was
computed. Large clean CSV files are read on a fast path (pandas with typed columns); anything
unusual (quotes, spaces, blank cells, .xlsx, a parse problem) goes through
`junheng.engines.io.read_table`, which gives the exact file/row/column message.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from junheng.engines.io import Column, read_table, write_atomic

if TYPE_CHECKING:
    import pandas as pd

    from junheng.engines.allocation import AllocationResult, Problem

OFFERINGS = [
    Column("offering_id"),
    Column("capacity", "int", min=0),
    Column("slot", required=False, default=""),
]
CHOICES = [Column("student_id"), Column("rank", "int", min=1), Column("offering_id")]
STUDENTS = [Column("student_id"), Column("priority", "int", required=False, default=0)]


def add_arguments(parser: argparse.ArgumentParser, *, out_required: bool = True) -> None:
    parser.add_argument("--offerings", required=True, help="offering_id, capacity[, slot]")
    parser.add_argument("--choices", required=True, help="student_id, rank, offering_id")
    parser.add_argument("--students", help="student_id, priority (optional; default 0)")
    parser.add_argument("--seed", required=True, help="the lottery seed (any text)")
    parser.add_argument("--max-courses", type=int, default=1, help="K, default 1")
    parser.add_argument(
        "--method", help="da | draft | max-welfare (default da when K = 1, else draft)"
    )
    parser.add_argument(
        "--out", required=out_required, help="student_id, offering_id, rank (by student, rank)"
    )
    parser.add_argument("--waitlist", help="offering_id, position, student_id")


_ASCII_SUSPECTS = (b'"', b" ", b"\t", b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e", b"\x1f")
# UTF-8 of U+0085, U+00A0, U+1680, U+2000–U+202F (a superset), U+205F, U+3000.
_UNICODE_SPACES = (
    b"\xc2\x85",
    b"\xc2\xa0",
    b"\xe1\x9a\x80",
    b"\xe2\x80",
    b"\xe2\x81\x9f",
    b"\xe3\x80\x80",
)


def _read_fast(path: str, columns: list[Column]) -> pd.DataFrame | None:
    """Typed read of a plain CSV, or None when the careful reader should decide."""
    import pandas as pd

    p = Path(path)
    if p.suffix.lower() in {".xlsx", ".xlsm"} or not p.is_file():
        return None
    data = p.read_bytes()
    # Anything the careful reader would strip or unquote (Python's str.strip whitespace,
    # full-width spaces included) sends the file to it, so both paths read the same values.
    suspects = _ASCII_SUSPECTS if data.isascii() else _ASCII_SUSPECTS + _UNICODE_SPACES
    if any(s in data for s in suspects):
        return None
    dtypes: dict[str, Any] = {c.name: ("int64" if c.kind == "int" else object) for c in columns}
    try:
        df = pd.read_csv(
            io.BytesIO(data),
            dtype=dtypes,
            keep_default_na=False,
            na_values=[],
            encoding="utf-8-sig",
        )
    except (ValueError, OverflowError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return None
    for col in columns:
        if col.name not in df.columns:
            if col.required:
                return None
            continue
        if col.kind == "int":
            values = df[col.name].to_numpy()
            if (col.min is not None and (values < col.min).any()) or (
                col.max is not None and (values > col.max).any()
            ):
                return None
        elif col.required and (df[col.name] == "").any():
            return None
    return df


def _read(path: str, columns: list[Column]) -> pd.DataFrame:
    df = _read_fast(path, columns)
    return df if df is not None else read_table(path, columns)


def load_problem(args: argparse.Namespace) -> Problem:
    import pandas as pd

    from junheng.engines.allocation import Sources, build_problem

    offerings = _read(args.offerings, OFFERINGS)
    choices = _read(args.choices, CHOICES)
    if args.students:
        students = _read(args.students, STUDENTS)
        p_ids, p_values = students["student_id"], students.get("priority")
        if p_values is None:
            p_values = pd.Series(0, index=students.index, dtype="int64")
    else:
        p_ids, p_values = pd.Series([], dtype=object), pd.Series([], dtype="int64")
    return build_problem(
        offerings["offering_id"],
        offerings["capacity"],
        offerings["slot"] if "slot" in offerings.columns else None,
        choices["student_id"],
        choices["rank"],
        choices["offering_id"],
        p_ids,
        p_values,
        Sources(
            offerings=args.offerings,
            choices=args.choices,
            students=args.students or "students",
        ),
    )


def compute(args: argparse.Namespace) -> AllocationResult:
    from junheng.engines.allocation import allocate_problem, check_parameters

    check_parameters(args.max_courses, args.method)
    problem = load_problem(args)
    print(
        f"allocate: {problem.n_students} students, {len(problem.offering_ids)} offerings, "
        f"{problem.choice_offering.size} choices",
        file=sys.stderr,
    )
    return allocate_problem(problem, args.seed, args.max_courses, args.method)


def run(args: argparse.Namespace) -> dict[str, Any]:
    result = compute(args)
    outputs = [(args.out, result.out_bytes())]
    if args.waitlist:
        outputs.append((args.waitlist, result.waitlist_bytes()))
    summary = result.summary
    for path, data in outputs:
        write_atomic(path, data)
    return summary
