"""Benchmark of education-community pairing (`junheng pair`, 教共体结对), issue 14.

The synthetic county and city (`junheng synth`, pairing.csv: strength from the balance
indicators blended with a quality score, the strongest third of each district's schools of a
level as cores): the whole command's wall time and memory, the engine's time, and the lifts
against nearest-core pairing (each member in id order takes the nearest core with a free
place, what a bureau draws by hand). Then small random cases against the exact optimum found
by enumerating every plan (`brute_force_pairing`).

Run: .venv/bin/python benchmarks/bench_pairing.py  (or `make bench`).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from common import JUNHENG, timed_command, write_section  # noqa: E402

SMALL_CASES = 400


def measured(cmd: list[str]) -> tuple[float, float, str]:
    """(wall s, peak RSS MiB of this one child, stdout): `os.wait4` reports the child's own
    peak, not the largest of every child so far (the city's synth would mask the rest)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {err.read().decode()[-2000:]}")
        return wall, usage.ru_maxrss / 1024, out.read().decode()


def _stats(pairs):  # type: ignore[no-untyped-def]
    lifts = sorted(p.lift for p in pairs)
    local = [p for p in pairs if p.mode == "local"]
    return {
        "paired": len(pairs),
        "min": lifts[0] if lifts else float("nan"),
        "p10": lifts[len(lifts) // 10] if lifts else float("nan"),
        "mean": statistics.fmean(lifts) if lifts else float("nan"),
        "local": len(local),
        "km": statistics.fmean(p.km for p in local) if local else float("nan"),
    }


def region_rows(work: Path) -> list[str]:
    from junheng.commands.pair import read_schools
    from junheng.engines.pairing import (
        PairRules,
        is_local,
        levels_match,
        nearest_core_pairing,
        pair_schools,
    )

    rows = []
    for profile in ("county", "city"):
        out = work / profile
        # synth in its own process: a big parent would inflate the measured children's memory
        timed_command(
            [JUNHENG, "synth", "--profile", profile, "--seed", "bench", "--out", str(out)]
        )
        path = out / "pairing.csv"
        schools = read_schools(str(path))
        cores = [s for s in schools if s.role == "core"]
        members = [s for s in schools if s.role == "member"]
        for remote in (0, 1):
            rules = PairRules(remote=remote)
            cmd = [JUNHENG, "pair", "--schools", str(path), "--remote", str(remote)]
            cmd += ["--out", str(out / f"pairs-{remote}.csv")]
            wall, rss, stdout = measured(cmd)
            summary = json.loads(stdout.strip().splitlines()[-1])
            t0 = time.process_time()
            plan = pair_schools(schools, rules)
            engine = time.process_time() - t0
            reach = sum(
                1
                for m in members
                if any(
                    is_local(c, m, rules) or (remote and levels_match(c.level, m.level))
                    for c in cores
                )
            )
            best, near = _stats(plan.pairs), _stats(nearest_core_pairing(schools, rules))
            rows.append(
                f"| {profile} | {len(cores)} / {len(members)} | {remote} | {wall:.2f} s, "
                f"{rss:.0f} MiB | {engine:.2f} s | {best['paired']} of {reach} reachable "
                f"({near['paired']}) | **{best['min']:.2f}** ({near['min']:.2f}) | "
                f"{best['p10']:.2f} ({near['p10']:.2f}) | {best['mean']:.2f} ({near['mean']:.2f}) "
                f"| {best['local']} ({near['local']}) | {best['km']:.1f} ({near['km']:.1f}) | "
                f"{summary['violations']} |"
            )
            print(rows[-1], file=sys.stderr)
    return rows


def small_cases() -> tuple[str, dict[str, float]]:
    from junheng.engines.pairing import (
        PairRules,
        PairSchool,
        brute_force_pairing,
        nearest_core_pairing,
        pair_schools,
        plan_key,
    )

    rng = random.Random(2026)
    same = near_same = near_paired_less = done = 0
    gaps: list[float] = []
    engine_s = brute_s = 0.0
    while done < SMALL_CASES:
        n_c, n_m = rng.randint(2, 3), rng.randint(3, 7)
        schools = [
            PairSchool(
                f"S{i:02d}",
                rng.choice(["primary", "primary", "junior", "nine_year"]),
                "urban" if i < n_c else "rural",
                100,
                rng.uniform(0, 30),
                rng.uniform(0, 30),
                round(rng.uniform(55, 100) if i < n_c else rng.uniform(20, 80), 2),
                "core" if i < n_c else "member",
                rng.choice([None, 1, 2]),
            )
            for i in range(n_c + n_m)
        ]
        rules = PairRules(capacity=2, max_km=20, remote=rng.randint(0, 1))
        try:
            t0 = time.process_time()
            exact = brute_force_pairing(schools, rules)
            brute_s += time.process_time() - t0
        except ValueError:
            continue
        t0 = time.process_time()
        plan = pair_schools(schools, rules)
        engine_s += time.process_time() - t0
        near = nearest_core_pairing(schools, rules)
        done += 1
        same += plan_key(plan.pairs) == plan_key(exact)
        near_same += plan_key(near) == plan_key(exact)
        near_paired_less += len(near) < len(exact)
        if exact and len(near) == len(exact):
            gaps.append(min(p.lift for p in exact) - min(p.lift for p in near))
    figures = {
        "cases": done,
        "same": same,
        "near_same": near_same,
        "near_paired_less": near_paired_less,
        "mean_gap": statistics.fmean(gaps) if gaps else 0.0,
        "engine_ms": 1000 * engine_s / done,
        "brute_ms": 1000 * brute_s / done,
    }
    return (
        f"| {done} | {same} ({100 * same / done:.0f}%) | {near_same} ({100 * near_same / done:.0f}%)"
        f" | {near_paired_less} | {figures['mean_gap']:.2f} | {figures['engine_ms']:.1f} ms | "
        f"{figures['brute_ms']:.1f} ms |",
        figures,
    )


def load_average() -> str:
    return ", ".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench_pairing_"))
    try:
        load_start = load_average()
        rows = region_rows(work)
        small, _figures = small_cases()
        body = (
            "```\njunheng synth --profile county|city --seed bench --out DIR\n"
            "junheng pair --schools DIR/pairing.csv [--remote 1] --out pairs.csv\n```\n\n"
            "Defaults: capacity 3 local members per core (4 for cores of 1,500 students or more, "
            "from pairing.csv), local pairs within 20 km in the same district; `remote` = remote "
            "(internet) members per core besides the local ones. Figures in brackets are "
            "nearest-core pairing of the same schools and rules. Lift = strength(core) − "
            "strength(member), strength 100 = every balance indicator at its national "
            "threshold.\n\n"
            "| region | cores / members | remote | whole command | engine (CPU) | paired "
            "| smallest lift | 10th percentile | mean lift | local pairs | mean km (local) "
            "| violations |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            + "\n".join(rows)
            + "\n\nSmall random cases (2–3 cores, 3–7 members, random levels, capacities 1–2, "
            "remote 0 or 1) against the exact optimum (every plan enumerated; the goals compared "
            "in order: pairs, the whole sorted vector of lifts, local pairs, local km):\n\n"
            "| cases | engine = exact optimum | nearest-core = optimum | nearest-core pairs "
            "fewer | mean smallest-lift gap, nearest-core vs optimum | engine per case | "
            "enumeration per case |\n|---:|---:|---:|---:|---:|---:|---:|\n" + small + "\n\n"
            f"Load average (1, 5, 15 min) at the start: {load_start}; when done: "
            f"{load_average()} (the 2 cores are shared with other work: times vary between "
            "runs, the plans and lifts do not).\n"
        )
        write_section("pairing", "Education-community pairing (`junheng pair`)", body)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
