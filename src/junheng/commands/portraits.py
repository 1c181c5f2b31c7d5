"""`junheng portraits`: student growth portraits (综合素质评价) from records, on plain files.

See docs/engines.md "junheng portraits" and `junheng.engines.portraits`. Reads --records,
--students and --indicators (and --versions), scores every student and term, and writes --out
(and --indicator-scores, --cohorts) only after everything was computed.
"""

from __future__ import annotations

import argparse
from typing import Any

MIN_GROUP = 10  # equal to junheng.engines.portraits.MIN_GROUP (a test checks)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--records",
        required=True,
        help="CSV/Parquet/XLSX: student_id, term, indicator, value (one row per record)",
    )
    parser.add_argument(
        "--students",
        required=True,
        help="CSV/Parquet/XLSX: student_id, term, school_id, grade[, class, urban_rural]",
    )
    parser.add_argument(
        "--indicators",
        required=True,
        help="CSV/XLSX: the indicator library (indicator, dimension, weight, method, …)",
    )
    parser.add_argument("--versions", help="CSV/XLSX: term, version (the library version in force)")
    parser.add_argument(
        "--out",
        required=True,
        help="CSV: student_id, term, dimension, score, coverage, progress, previous_terms, version",
    )
    parser.add_argument(
        "--indicator-scores",
        help="CSV: student_id, term, indicator, dimension, value, records, score, weight",
    )
    parser.add_argument(
        "--cohorts",
        help="CSV: term, level, school_id, grade, class, urban_rural, dimension, students, mean, "
        "p25, median, p75",
    )
    parser.add_argument(
        "--min-group",
        type=int,
        default=MIN_GROUP,
        help=f"cohort cells with fewer students show no figure (default {MIN_GROUP})",
    )
    parser.add_argument("--threads", type=int, help="DuckDB threads (default: every core)")


def run(args: argparse.Namespace) -> dict[str, Any]:
    import sys
    import time

    from junheng.engines.io import _read_raw
    from junheng.engines.portraits import (
        Sources,
        library_from_frame,
        score,
        versions_from_frame,
    )

    library = library_from_frame(_read_raw(args.indicators), args.indicators)
    versions = None
    if args.versions:
        versions = versions_from_frame(_read_raw(args.versions), library, args.versions)
    else:
        versions_from_frame(None, library, "--versions")
    t0 = time.perf_counter()

    def progress(stage: str, fraction: float) -> None:
        print(f"[{time.perf_counter() - t0:6.1f} s] {stage}", file=sys.stderr, flush=True)

    result = score(
        args.records,
        args.students,
        library,
        versions,
        min_group=args.min_group,
        threads=args.threads,
        sources=Sources(
            records=args.records,
            students=args.students,
            indicators=args.indicators,
            versions=args.versions or "--versions",
        ),
        progress=progress,
    )
    hashes = result.write_all(
        {
            "scores": args.out,
            "indicator_scores": args.indicator_scores,
            "cohorts": args.cohorts,
        }
    )
    progress("written", 1.0)
    return {
        **result.counts,
        "versions": result.versions,
        "min_group": result.min_group,
        "dimension_means": result.dimension_means(),
        "result_sha256": hashes["scores"],
    }
