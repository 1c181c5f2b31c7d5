"""`make bench`: run every benchmarks/bench_*.py and write docs/benchmarks.md.

Each bench module has `main() -> None` which measures and writes its own section to
docs/bench/<name>.md (markdown, with the command, figures and the comparison the issue asks
for). This runner runs them (or only collects with --collect) and joins the sections under a
header naming the machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ROOT / "docs" / "bench"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--collect", action="store_true", help="only join existing sections")
    parser.add_argument("only", nargs="*", help="bench names, e.g. allocation synth")
    args = parser.parse_args()
    SECTIONS.mkdir(parents=True, exist_ok=True)
    benches = sorted((ROOT / "benchmarks").glob("bench_*.py"))
    if not args.collect:
        for path in benches:
            name = path.stem.removeprefix("bench_")
            if args.only and name not in args.only:
                continue
            print(f"== bench {name}", file=sys.stderr, flush=True)
            spec = importlib.util.spec_from_file_location(path.stem, path)
            assert spec and spec.loader
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module  # dataclasses look their module up while loading
            sys.path.insert(0, str(path.parent))
            spec.loader.exec_module(module)
            t0 = time.perf_counter()
            module.main()
            print(f"   {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    parts = [
        "# Benchmarks\n",
        "Written by `make bench` (`python benchmarks/run.py`); each section names the command "
        "that produced it and the machine it ran on. Sections are measured separately, so a "
        "section can be older than another: its own header says when and where.\n",
        f"Last collected on: {machine()}\n",
    ]
    for section in sorted(SECTIONS.glob("*.md")):
        parts.append(section.read_text(encoding="utf-8").strip() + "\n")
    (ROOT / "docs" / "benchmarks.md").write_text("\n".join(parts), encoding="utf-8")
    print(f"wrote {ROOT / 'docs' / 'benchmarks.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()
