"""`junheng verify`: re-run a published draw from its files and revealed seed.

Same options as `junheng allocate` (files, --seed, --max-courses, --method) plus
`--expect-sha256 H` (the published result_sha256) and optionally `--commitment C` (the
seed_commitment published before the draw; checked as sha256(seed) == C).

Summary: ok, seed_commitment, commitment_ok (null when no --commitment was given),
result_sha256, expected_sha256. Exit status: 0 when ok (the hash matches and, if given, the
commitment too), 1 when the hash or the commitment differs (the summary is still the last
stdout line), 2 for bad input. Writes nothing unless --out (or --waitlist) is given.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from junheng.commands import allocate
from junheng.engines.io import write_atomic
from junheng.engines.lottery import seed_commitment


def add_arguments(parser: argparse.ArgumentParser) -> None:
    allocate.add_arguments(parser, out_required=False)
    parser.add_argument(
        "--expect-sha256", required=True, help="the published result_sha256 of the draw"
    )
    parser.add_argument("--commitment", help="the seed_commitment published before the draw")


def check(args: argparse.Namespace) -> dict[str, Any]:
    result = allocate.compute(args)
    commitment = seed_commitment(args.seed)
    commitment_ok = (
        None if args.commitment is None else args.commitment.strip().lower() == commitment
    )
    expected = args.expect_sha256.strip().lower()
    actual = result.result_sha256
    outputs = []
    if args.out:
        outputs.append((args.out, result.out_bytes()))
    if args.waitlist:
        outputs.append((args.waitlist, result.waitlist_bytes()))
    for path, data in outputs:
        write_atomic(path, data)
    return {
        "ok": actual == expected and commitment_ok is not False,
        "seed_commitment": commitment,
        "commitment_ok": commitment_ok,
        "result_sha256": actual,
        "expected_sha256": expected,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    summary = check(args)
    if not summary["ok"]:
        # cli.py exits 0 after printing a summary; a failed check must exit 1, so print it here.
        print(json.dumps(summary, ensure_ascii=False), flush=True)
        print("junheng verify: the draw does not match what was published", file=sys.stderr)
        raise SystemExit(1)
    return summary
