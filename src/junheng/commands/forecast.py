"""`junheng forecast`: enrolment projection and school-place warnings (学位预测与预警).

See CONTRACTS.md "junheng forecast" and `junheng.engines.forecast`. Reads --enrolment (and
optionally --births, --capacity and the scenario files --housing, --mergers, --openings),
projects --years ahead, and writes --out (and --warnings) only after everything was computed.
"""

from __future__ import annotations

import argparse
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--enrolment", required=True, help="CSV/XLSX: school_id, year, grade (1-9), students"
    )
    parser.add_argument("--births", help="CSV/XLSX: school_id, year, births (in the zone)")
    parser.add_argument("--capacity", help="CSV/XLSX: school_id, classrooms, max_class")
    parser.add_argument("--years", type=int, default=6, help="projected years (default 6)")
    parser.add_argument(
        "--history", type=int, default=3, help="latest transitions averaged (default 3)"
    )
    parser.add_argument("--out", required=True, help="CSV: school_id, year, grade, students")
    parser.add_argument(
        "--warnings",
        help="CSV: school_id, year, students, capacity, utilisation, level (needs --capacity)",
    )
    scenario = parser.add_argument_group("scenario (beyond the contract; baseline without them)")
    scenario.add_argument(
        "--housing",
        help="CSV/XLSX: school_id, year, students[, grade] — children added from year on",
    )
    scenario.add_argument(
        "--mergers", help="CSV/XLSX: school_id, into, year — a school merged into another"
    )
    scenario.add_argument(
        "--openings",
        help="CSV/XLSX: school_id, from_school, year, share — a new school takes a zone share",
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    from junheng.engines.forecast import Scenario, Sources, forecast
    from junheng.engines.io import Column, InputError, read_table, write_all_atomic

    if args.warnings and not args.capacity:
        raise InputError(None, None, "--warnings", "needs --capacity")
    enrolment = read_table(
        args.enrolment,
        [
            Column("school_id"),
            Column("year", "int"),
            Column("grade", "int", min=1, max=9),
            Column("students", "int", min=0),
        ],
    )
    births = capacity = housing = mergers = openings = None
    if args.births:
        births = read_table(
            args.births,
            [Column("school_id"), Column("year", "int"), Column("births", "int", min=0)],
        )
    if args.capacity:
        capacity = read_table(
            args.capacity,
            [
                Column("school_id"),
                Column("classrooms", "int", min=1),
                Column("max_class", "int", min=1),
            ],
        )
    if args.housing:
        housing = read_table(
            args.housing,
            [
                Column("school_id"),
                Column("year", "int"),
                Column("students", "float", min=0),
                Column("grade", "int", required=False, default="0", min=0, max=9),
            ],
        )
    if args.mergers:
        mergers = read_table(
            args.mergers, [Column("school_id"), Column("into"), Column("year", "int")]
        )
    if args.openings:
        openings = read_table(
            args.openings,
            [
                Column("school_id"),
                Column("from_school"),
                Column("year", "int"),
                Column("share", "float"),
            ],
        )
    result = forecast(
        enrolment,
        births,
        capacity,
        years=args.years,
        history=args.history,
        scenario=Scenario(housing=housing, mergers=mergers, openings=openings),
        sources=Sources(
            enrolment=args.enrolment,
            births=args.births or "births",
            capacity=args.capacity or "capacity",
            housing=args.housing or "housing",
            mergers=args.mergers or "mergers",
            openings=args.openings or "openings",
        ),
    )
    outputs: list[tuple[str | None, bytes]] = [(args.out, result.out_bytes)]
    if args.warnings:
        outputs.append((args.warnings, result.warnings_bytes))
    summary = result.summary
    write_all_atomic(outputs)
    return summary
