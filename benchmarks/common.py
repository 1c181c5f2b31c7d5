"""Helpers shared by the bench scripts: timing, peak memory of a child process, the machine."""

from __future__ import annotations

import datetime as dt
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
JUNHENG = str(ROOT / ".venv" / "bin" / "junheng")
sys.path.insert(0, str(ROOT / "benchmarks"))
from run import machine  # noqa: E402


def timed_command(
    cmd: list[str], **kw: object
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Run a command; return (wall seconds, peak RSS MiB of the child, the completed process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)  # type: ignore[call-overload]
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    # ru_maxrss of children is the max over all children so far: run each measured command
    # in a fresh `python benchmarks/bench_x.py` process for an exact figure.
    return wall, max(peak, before) / 1024, proc


def write_section(name: str, title: str, body: str) -> Path:
    out = ROOT / "docs" / "bench" / f"{name}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    out.write_text(
        f"## {title}\n\n_Measured {stamp} on {machine()}._\n\n{body.strip()}\n", encoding="utf-8"
    )
    return out
