"""`junheng quotas`: high-school quota places to junior schools (指标到校), CONTRACTS.md.

Reads --high-schools (high_school_id, plan) and --juniors (junior_id, graduates), runs
`junheng.engines.quotas`, and writes --out only after the whole table was computed.
"""

from __future__ import annotations

import argparse
from typing import Any

from junheng.engines.io import Column, read_table, write_atomic

# The same vocabulary as the engine's (tests/engines/test_cli_start.py checks): the engine
# itself is imported only when the command runs, so `--help` starts fast.
METHODS = ("hamilton", "sainte-lague", "dhondt")

HIGH_SCHOOLS = [Column("high_school_id"), Column("plan", "int", min=0)]
JUNIORS = [Column("junior_id"), Column("graduates", "int", min=0)]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--high-schools", required=True, help="high_school_id, plan")
    parser.add_argument("--juniors", required=True, help="junior_id, graduates")
    parser.add_argument(
        "--share", default="0.6", help="share of each plan for the quota, in (0, 1]: 0.6, 3/5, 60%%"
    )
    parser.add_argument("--method", default="hamilton", help=" | ".join(METHODS))
    parser.add_argument("--min-seats", type=int, default=0, help="seats every junior gets first")
    parser.add_argument("--out", required=True, help="high_school_id, junior_id, seats")


def run(args: argparse.Namespace) -> dict[str, Any]:
    from junheng.engines.quotas import Sources, allocate_quotas, check_method, parse_share

    share = parse_share(args.share)
    check_method(args.method)
    hs = read_table(args.high_schools, HIGH_SCHOOLS)
    js = read_table(args.juniors, JUNIORS)
    result = allocate_quotas(
        list(zip(hs["high_school_id"].tolist(), hs["plan"].tolist(), strict=True)),
        list(zip(js["junior_id"].tolist(), js["graduates"].tolist(), strict=True)),
        share=share,
        method=args.method,
        min_seats=args.min_seats,
        sources=Sources(high_schools=args.high_schools, juniors=args.juniors),
    )
    data = result.out_bytes()
    summary = result.summary
    write_atomic(args.out, data)
    return summary
