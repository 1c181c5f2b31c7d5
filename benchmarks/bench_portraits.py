"""Benchmark of the student growth portraits engine (`junheng portraits`, 综合素质评价), issue 16.

Goal: ingest and score 20 million records (the city profile: ~1 million students × ~20 records
in a term) in under 60 s on 2 cores. The records are the synthetic city's
(`junheng synth --profile city`: portrait_records.csv, portrait_students.csv and the default
indicator library), written once; then the whole command — start-up, reading the CSV files,
checking every row, scoring, progress, cohort figures with suppression, writing the scores and
the cohorts — is timed in a fresh process, twice, with DuckDB limited to 2 threads. The two runs'
`result_sha256` must be equal. The machine is shared by several engineers: the load average
(`uptime`) before and after each run is written next to the figures.

Run: .venv/bin/python benchmarks/bench_portraits.py  (or `make bench`).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from common import JUNHENG, timed_command, write_section  # noqa: E402

SEED = "bench"
GOAL_S = 60.0


def uptime() -> str:
    out = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout
    return out.strip().split("load average:")[-1].strip()


def main() -> None:
    from junheng.synth import generate
    from junheng.synth.portraits import make_portraits

    work = Path(tempfile.mkdtemp(prefix="bench_portraits_"))
    try:
        t0 = time.perf_counter()
        region = generate("city", SEED)
        blobs = make_portraits(region)
        synth_s = time.perf_counter() - t0
        del region
        for name, blob in blobs.items():
            (work / name).write_bytes(blob)
        sizes = {name: len(blob) for name, blob in blobs.items()}
        del blobs
        print(f"city portrait files in {synth_s:.1f} s", file=sys.stderr)
        cmd = [
            JUNHENG, "portraits",
            "--records", str(work / "portrait_records.csv"),
            "--students", str(work / "portrait_students.csv"),
            "--indicators", str(work / "portrait_indicators.csv"),
            "--out", str(work / "scores.csv"),
            "--cohorts", str(work / "cohorts.csv"),
            "--threads", "2",
        ]  # fmt: skip
        runs = []
        for _ in range(2):
            before = uptime()
            use0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall, rss, proc = timed_command(cmd, env={**os.environ})
            use1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (use1.ru_utime - use0.ru_utime) + (use1.ru_stime - use0.ru_stime)
            summary_i = json.loads(proc.stdout.splitlines()[-1])
            runs.append((wall, rss, before, uptime(), summary_i, cpu))
            print(f"command {wall:.1f} s, {rss:.0f} MiB", file=sys.stderr)
        summary = runs[0][4]
        same = runs[0][4]["result_sha256"] == runs[1][4]["result_sha256"]
        best = min(r[0] for r in runs)
        rows = "\n".join(
            f"| run {i + 1} | {w:.1f} s | {cpu:.1f} s | {rss:.0f} MiB | {b} | {a} |"
            for i, (w, rss, b, a, _, cpu) in enumerate(runs)
        )
        met = "**met**" if best < GOAL_S else "**not met**"
        body = (
            f"Synthetic city (`junheng synth --profile city`, seed {SEED!r}): "
            f"{summary['students']:,} students, {summary['records']:,} records "
            f"({sizes['portrait_records.csv'] / 1e6:.0f} MB CSV) in one term, the default "
            "indicator library (19 indicators: linear, bands and a percentile within the "
            "grade). Files written by synth in "
            f"{synth_s:.0f} s (not part of the figure).\n\n"
            "```\njunheng portraits --records portrait_records.csv --students "
            "portrait_students.csv --indicators portrait_indicators.csv --out scores.csv "
            "--cohorts cohorts.csv --threads 2\n```\n\n"
            "Whole command in a fresh process (start-up, read and check every row, score, "
            "progress, cohorts with suppression, write):\n\n"
            "| | wall | CPU (user + system) | peak RSS | load average before (1, 5, 15 min) | "
            "after |\n|---|---:|---:|---:|---|---|\n" + rows + "\n\n"
            f"- Goal: 20 million records in under {GOAL_S:.0f} s on 2 cores — {met} "
            f"(best {best:.1f} s). The load averages above say how busy the shared machine "
            "was. CPU time is what the command itself used (DuckDB on 2 threads, so it can "
            "exceed the wall time).\n"
            f"- Output: {summary['scores']:,} dimension scores, {summary['indicator_scores']:,} "
            f"indicator scores, {summary['cohort_cells']:,} cohort cells of which "
            f"{summary['cohort_cells_suppressed']:,} suppressed (fewer than "
            f"{summary['min_group']} students).\n"
            f"- Same input, same bytes: {'yes' if same else 'NO'} (the two runs' "
            "`result_sha256`).\n"
        )
        write_section("portraits", "Student growth portraits (`junheng portraits`)", body)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
