"""Benchmark of high-school quota allocation (`junheng quotas`, 指标到校), issue 8.

A Ningbo-like city: 22 quality high schools × 600 junior schools, plans of 300–900 places,
graduates per junior school log-normal (small rural schools, big urban ones), share 0.7
(Zhejiang from 2025). For each method: the whole command's wall time, the engine's own time,
and how far the seats stray from the exact proportional share.

Run: .venv/bin/python benchmarks/bench_quotas.py  (or `make bench`).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from common import JUNHENG, timed_command, write_section  # noqa: E402

N_HIGH, N_JUNIOR, SHARE = 22, 600, "0.7"


def generate(directory: Path, seed: int = 2025) -> tuple[dict[str, int], dict[str, int]]:
    rng = np.random.default_rng(seed)
    plans = {f"H{i:02d}": int(p) for i, p in enumerate(rng.integers(300, 901, N_HIGH), 1)}
    grads = np.clip(rng.lognormal(np.log(180), 0.7, N_JUNIOR), 8, 900).astype(int)
    juniors = {f"J{i:03d}": int(g) for i, g in enumerate(grads, 1)}
    (directory / "high_schools.csv").write_text(
        "high_school_id,plan\n" + "".join(f"{h},{p}\n" for h, p in plans.items())
    )
    (directory / "juniors.csv").write_text(
        "junior_id,graduates\n" + "".join(f"{j},{g}\n" for j, g in juniors.items())
    )
    return plans, juniors


def main() -> None:
    from junheng.engines.quotas import allocate_quotas, exact_shares

    work = Path(tempfile.mkdtemp(prefix="bench_quotas_"))
    try:
        plans, juniors = generate(work)
        rows = []
        for method in ("hamilton", "sainte-lague", "dhondt"):
            cmd = [
                JUNHENG,
                "quotas",
                "--high-schools",
                str(work / "high_schools.csv"),
                "--juniors",
                str(work / "juniors.csv"),
                "--share",
                SHARE,
                "--method",
                method,
                "--out",
                str(work / f"{method}.csv"),
            ]
            wall, _rss, proc = timed_command(cmd)
            summary = json.loads(proc.stdout.strip().splitlines()[-1])
            t0 = time.perf_counter()
            result = allocate_quotas(plans, juniors, share=SHARE, method=method)
            engine = time.perf_counter() - t0
            worst = Fraction(0)
            for h, q in result.quotas.items():
                exact = exact_shares(q, juniors)
                worst = max(worst, *(abs(result.seats[h][j] - exact[j]) for j in juniors))
            zero = sum(1 for h in plans for j in juniors if result.seats[h][j] == 0)
            rows.append(
                f"| {method} | {wall:.2f} s | {engine * 1000:.0f} ms | "
                f"{summary['quota_places']:,} / {summary['places']:,} | {float(worst):.3f} | "
                f"{zero:,} |"
            )
            print(f"{method}: {wall:.2f} s (engine {engine * 1000:.0f} ms)", file=sys.stderr)
        body = (
            f"{N_HIGH} high schools (plans 300–900) × {N_JUNIOR} junior schools (graduates "
            f"log-normal, median about 180), share {SHARE}, seeded generator in this script.\n\n"
            "```\njunheng quotas --high-schools high_schools.csv --juniors juniors.csv "
            f"--share {SHARE} --method M --out quotas.csv\n```\n\n"
            "| method | whole command | engine | quota places / places | "
            "max deviation from exact share (seats) | pairs with 0 seats |\n"
            "|---|---:|---:|---:|---:|---:|\n" + "\n".join(rows) + "\n\n"
            "Whole command = start-up, reading, exact arithmetic (fractions) and writing the "
            f"{N_HIGH * N_JUNIOR:,}-row table; the engine time is `allocate_quotas` alone."
        )
        write_section("quotas", "High-school quota allocation (`junheng quotas`)", body)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
