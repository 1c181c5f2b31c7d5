"""How fast the engine commands start: `junheng --help` and each engine's `--help`, next to
`python -c pass` (the interpreter alone) on the same machine. Heavy libraries (numpy, scipy,
OR-Tools, pandas, Django) are imported only inside the subcommand that runs, so `--help` costs
little more than the interpreter (issue 17: under 0.4 s)."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time

from common import JUNHENG, write_section

ENGINES = (
    "allocate",
    "verify",
    "place",
    "quotas",
    "rotate",
    "supply",
    "balance",
    "forecast",
    "pair",
)
RUNS = 7
GOAL_S = 0.4


def measure(cmd: list[str]) -> tuple[float, float]:
    """Median wall and median CPU (user + sys) seconds of RUNS runs of the command."""
    walls, cpus = [], []
    for _ in range(RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)  # noqa: S603
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    rows = [("`python -c pass`", [sys.executable, "-c", "pass"])]
    rows.append(("`junheng --help`", [JUNHENG, "--help"]))
    rows += [(f"`junheng {e} --help`", [JUNHENG, e, "--help"]) for e in ENGINES]
    lines = [
        "| command | wall (median of 7) | CPU user + sys | goal |",
        "|---|---:|---:|---:|",
    ]
    for label, cmd in rows:
        wall, cpu = measure(cmd)
        goal = (
            "" if label.startswith("`python") else f"< {GOAL_S} s {'✓' if wall < GOAL_S else '✗'}"
        )
        lines.append(f"| {label} | {wall:.3f} s | {cpu:.3f} s | {goal} |")
        print(label, f"{wall:.3f}", f"{cpu:.3f}", file=sys.stderr)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    body = "\n".join(lines) + (
        f"\n\nLoad average when done: {load} (the machine's cores are shared with other work: "
        "wall times under load overstate an idle start; the CPU column is the process's own).\n"
    )
    write_section("startup", "Engine commands start (`junheng … --help`)", body)


if __name__ == "__main__":
    main()
