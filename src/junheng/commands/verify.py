"""`junheng verify`: re-run a published draw from its files and its seed, compare the hash.

Two engines: `--engine allocate` (the default: after-school seats, the same files and options
as `junheng allocate`) and `--engine place` (class placement: `--students`, `--classes`,
`--method`, `--balance` as for `junheng place`). `--expect-sha256 H` is the published
result_sha256; `--commitment C` (optional) the seed_commitment published before the draw.

The seed is given one of two ways:

- `--seed S`: the seed the engine ran with. Summary: ok, seed_commitment (sha256(S)),
  commitment_ok (null without --commitment), result_sha256, expected_sha256 — exactly as before
  the seed rule existed.
- the parts of the seed rule (`junheng.engines.lottery`): `--committed-seed S` (revealed after
  the draw), `--entropy E` (the public numbers entered at the draw, exactly as published) and
  optionally `--inputs-sha256 H` (the published hash of the frozen input files; it is always
  also computed from the files given, and must match). The engine then runs with
  seed = sha256(f"{S}:{inputs_sha256}:{E}"). The summary adds committed_seed, inputs_sha256,
  inputs_sha256_files (computed from the files), inputs_ok (null without --inputs-sha256),
  entropy and seed (the final seed); seed_commitment is sha256 of the committed seed. The
  combination is also printed on stderr, step by step.

Exit status: 0 when ok (the hash matches and, where given, the commitment and the inputs hash
too), 1 when something differs (the summary is still the last stdout line), 2 for bad input.
Writes nothing unless --out (or --waitlist / --table) is given.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from junheng.commands import allocate
from junheng.engines.io import InputError, write_all_atomic

# junheng.engines.lottery loads numpy: imported where a draw is checked, so `--help` starts fast.

ENGINES = ("allocate", "place")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="allocate",
        help="which draw: allocate (after-school seats, default) or place (class placement)",
    )
    parser.add_argument("--offerings", help="allocate: offering_id, capacity[, slot]")
    parser.add_argument("--choices", help="allocate: student_id, rank, offering_id")
    parser.add_argument(
        "--students",
        help="allocate: student_id, priority (optional); place: the cohort file (required)",
    )
    parser.add_argument("--max-courses", type=int, default=1, help="allocate: K, default 1")
    parser.add_argument(
        "--method",
        help="allocate: da | draft | max-welfare (default da when K = 1, else draft); "
        "place: balanced | snake | random (default balanced)",
    )
    parser.add_argument("--classes", type=int, help="place: number of classes N")
    parser.add_argument(
        "--balance",
        default=None,
        help="place: comma-separated extra 0/1 columns to balance (default: migrant, "
        "left_behind when present; '' for none)",
    )
    seed = parser.add_mutually_exclusive_group(required=True)
    seed.add_argument("--seed", help="the seed the engine ran with (any text)")
    seed.add_argument(
        "--committed-seed",
        help="the committed seed, revealed after the draw (use with --entropy)",
    )
    parser.add_argument(
        "--entropy", help="the public entropy entered at the draw, exactly as published"
    )
    parser.add_argument(
        "--inputs-sha256",
        help="the published hash of the input files (computed from the files when omitted)",
    )
    parser.add_argument(
        "--expect-sha256", required=True, help="the published result_sha256 of the draw"
    )
    parser.add_argument("--commitment", help="the seed_commitment published before the draw")
    parser.add_argument("--out", help="write the re-computed result file here")
    parser.add_argument("--waitlist", help="allocate: write the re-computed waitlist here")
    parser.add_argument("--table", help="place: write the class balance table here")


def _usage(message: str) -> SystemExit:
    print(f"junheng verify: error: {message}", file=sys.stderr)
    return SystemExit(2)


def input_files(args: argparse.Namespace) -> list[str]:
    """The input files in the order of the seed rule (allocate: offerings, choices[, students];
    place: students). Missing required options are a usage error (exit 2)."""
    if args.engine == "allocate":
        for opt in ("offerings", "choices"):
            if not getattr(args, opt):
                raise _usage(f"--{opt} is required with --engine allocate")
        return [p for p in (args.offerings, args.choices, args.students) if p]
    if not args.students:
        raise _usage("--students is required with --engine place")
    if args.classes is None:
        raise _usage("--classes is required with --engine place")
    return [args.students]


def _hash_files(paths: list[str]) -> str:
    from junheng.engines.lottery import file_sha256, inputs_sha256

    hashes = []
    for path in paths:
        try:
            hashes.append(file_sha256(Path(path).read_bytes()))
        except OSError as err:
            raise InputError(path, None, None, f"cannot read the file ({err.strerror})") from err
    return inputs_sha256(hashes)


def seed_of(args: argparse.Namespace, files: list[str]) -> tuple[str, dict[str, Any]]:
    """The seed to run the engine with, and the summary fields that show how it was made."""
    from junheng.engines.lottery import final_seed, is_sha256_hex

    if args.seed is not None:
        for opt in ("entropy", "inputs_sha256"):
            if getattr(args, opt) is not None:
                raise _usage(f"--{opt.replace('_', '-')} goes with --committed-seed, not --seed")
        return args.seed, {}
    if args.entropy is None:
        raise _usage("--committed-seed needs --entropy (the public numbers of the draw)")
    computed = _hash_files(files)
    given = None
    if args.inputs_sha256 is not None:
        given = args.inputs_sha256.strip().lower()
        if not is_sha256_hex(given):
            raise InputError(None, None, "--inputs-sha256", "expected 64 hex digits")
    used = given or computed
    seed = final_seed(args.committed_seed, used, args.entropy)
    names = ":".join(f"sha256({Path(p).name})" for p in files)
    print(f"verify: inputs_sha256 = sha256({names}) = {computed}", file=sys.stderr)
    if given is not None and given != computed:
        print(f"verify: the published inputs_sha256 is {given}", file=sys.stderr)
    print(
        "verify: seed = sha256(committed_seed:inputs_sha256:entropy) = "
        f"sha256({args.committed_seed}:{used}:{args.entropy}) = {seed}",
        file=sys.stderr,
    )
    return seed, {
        "committed_seed": args.committed_seed,
        "inputs_sha256": used,
        "inputs_sha256_files": computed,
        "inputs_ok": None if given is None else given == computed,
        "entropy": args.entropy,
        "seed": seed,
    }


def _allocate(args: argparse.Namespace, seed: str) -> tuple[str, list[tuple[str, bytes]]]:
    run = argparse.Namespace(**{**vars(args), "seed": seed})
    result = allocate.compute(run)
    outputs = []
    if args.out:
        outputs.append((args.out, result.out_bytes()))
    if args.waitlist:
        outputs.append((args.waitlist, result.waitlist_bytes()))
    return result.result_sha256, outputs


def _place(args: argparse.Namespace, seed: str) -> tuple[str, list[tuple[str, bytes]]]:
    from junheng.commands.place import read_students
    from junheng.engines.placement import METHODS, place

    method = args.method or "balanced"
    if method not in METHODS:
        raise InputError(
            None, None, "--method", f"unknown method {method!r} (expected {', '.join(METHODS)})"
        )
    extras = None
    if args.balance is not None:
        extras = [c.strip() for c in args.balance.split(",") if c.strip()]
    students = read_students(args.students, extras)
    try:
        result = place(students, args.classes, seed, method)
    except InputError as err:  # engine rows are the file's rows: add the file name
        raise InputError(args.students, err.row, err.column, err.reason) from err
    outputs = []
    if args.out:
        outputs.append((args.out, result.out_bytes()))
    if args.table:
        outputs.append((args.table, result.table_bytes()))
    return str(result.summary["result_sha256"]), outputs


def check(args: argparse.Namespace) -> dict[str, Any]:
    from junheng.engines.lottery import seed_commitment

    files = input_files(args)
    seed, parts = seed_of(args, files)
    actual, outputs = (_allocate if args.engine == "allocate" else _place)(args, seed)
    shown_seed = args.seed if args.seed is not None else args.committed_seed
    commitment = seed_commitment(shown_seed)
    commitment_ok = (
        None if args.commitment is None else args.commitment.strip().lower() == commitment
    )
    expected = args.expect_sha256.strip().lower()
    if outputs:
        write_all_atomic(outputs)
    ok = actual == expected and commitment_ok is not False and parts.get("inputs_ok") is not False
    summary: dict[str, Any] = {
        "ok": ok,
        "seed_commitment": commitment,
        "commitment_ok": commitment_ok,
    }
    summary.update(parts)
    summary.update({"result_sha256": actual, "expected_sha256": expected})
    return summary


def run(args: argparse.Namespace) -> dict[str, Any]:
    summary = check(args)
    if not summary["ok"]:
        # cli.py exits 0 after printing a summary; a failed check must exit 1, so print it here.
        print(json.dumps(summary, ensure_ascii=False), flush=True)
        print("junheng verify: the draw does not match what was published", file=sys.stderr)
        raise SystemExit(1)
    return summary
