"""`junheng synth --profile county|city --seed S --out DIR`: a synthetic region in every format.

Writes the engines' input files (CONTRACTS.md, "junheng synth") and the region files for the
demo and the importers; see `junheng.synth`. Same profile and seed, same bytes.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from junheng.synth import PROFILES, files, generate
from junheng.synth.build import Region


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", choices=sorted(PROFILES), default="county")
    parser.add_argument("--seed", required=True, help="any text; same seed, same bytes")
    parser.add_argument("--out", required=True, help="directory to write the files into")


def summary(region: Region, hashes: dict[str, str], seconds: float) -> dict[str, Any]:
    s = region.schools
    return {
        "profile": region.profile,
        "seed": region.seed,
        "schools": len(s),
        "schools_by_class": {
            u: int((s.urban_rural == u).sum()) for u in ("urban", "town", "rural")
        },
        "students": len(region.students),
        "teachers": len(region.teachers),
        "providers": len(region.providers),
        "courses": len(region.courses),
        "offerings": len(region.offerings),
        "choices": len(region.choices),
        "high_schools": len(region.high_schools),
        "seconds": round(seconds, 2),
        "files": hashes,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    from pathlib import Path

    from junheng.engines.io import write_atomic

    t0 = time.perf_counter()
    region = generate(args.profile, args.seed, quiet=False)
    data = files(region)  # everything computed before anything is written
    out = Path(args.out)
    hashes = {name: write_atomic(out / name, blob) for name, blob in data.items()}
    print(f"wrote {len(hashes)} files to {out}", file=sys.stderr)
    return summary(region, hashes, time.perf_counter() - t0)
