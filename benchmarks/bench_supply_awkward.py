"""`plan_supply` on awkward inputs: how long each takes, which stage takes it, what it gives.

Cases: the twelve supply cases of `bench_fuzz.py` (the same seed, so the same inputs) and
hand-made ones: unreachable schools, 0 slots, 1 student, one provider, providers with 0 weekly
sessions, max_km 0, huge and tiny targets, ties everywhere, 1-5 rows, a few thousand rows.
Runs the engine in this process with the command's default budget (20 deterministic seconds)
and prints one line per case: wall seconds, solver calls, the slowest stage, and the plan's
min_seats_per100 / schools_at_target / cv. Prints only; writes no docs.
`python benchmarks/bench_supply_awkward.py [--only NAME-PREFIX] [--time-limit T]`.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import bench_fuzz

from junheng.commands.supply import read_inputs
from junheng.engines.supply import (
    SupplyCourse,
    SupplyProvider,
    SupplySchool,
    check_plan,
    plan_supply,
)

P, C, S = SupplyProvider, SupplyCourse, SupplySchool
Case = tuple[list[P], list[C], list[S], float]


class _StopError(Exception):
    pass


def fuzz_cases() -> Iterator[tuple[str, Case]]:
    """The inputs `bench_fuzz.py` gives `junheng supply` (its RNG, its generator)."""
    r = random.Random("bench-fuzz:supply")
    captured: list[tuple[Path, float]] = []

    def fake_run(args: list[str], d: Path, limit: int = 600) -> None:
        captured.append((d, float(args[args.index("--target") + 1])))
        raise _StopError

    real = bench_fuzz.run
    bench_fuzz.run = fake_run  # type: ignore[assignment]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for case in range(bench_fuzz.CASES["supply"]):
                d = Path(tmp) / str(case)
                d.mkdir()
                with contextlib.suppress(_StopError):
                    bench_fuzz.fuzz_supply(r, case, d)
                d, target = captured[-1]
                pv, cs, sch = read_inputs(str(d / "pv.csv"), str(d / "cs.csv"), str(d / "sch.csv"))
                yield (
                    f"fuzz{case:02d} s{len(sch)} c{len(cs)} p{len(pv)} t{target:g}",
                    (
                        pv,
                        cs,
                        sch,
                        target,
                    ),
                )
    finally:
        bench_fuzz.run = real


def grid_schools(n: int, spread: float, r: random.Random, slots: int = 6) -> list[S]:
    kinds = ("urban", "town", "rural")
    return [
        S(
            f"S{i:04d}",
            kinds[i % 3],
            r.choice([40, 300, 1200]),
            r.uniform(0, spread),
            r.uniform(0, spread),
            slots,
        )
        for i in range(n)
    ]


def courses_for(
    providers: list[P], n: int, spread: float, r: random.Random, max_km: float = 15.0
) -> list[C]:
    cats = ("arts", "sports", "science", "科技")
    return [
        C(
            f"C{i:04d}",
            providers[i % len(providers)].provider_id,
            cats[i % 4],
            r.choice([10, 20, 30]),
            r.choice([1, 2]),
            max_km,
            r.uniform(0, spread),
            r.uniform(0, spread),
        )
        for i in range(n)
    ]


def hand_cases() -> Iterator[tuple[str, Case]]:
    r = random.Random("bench-supply-awkward")
    one_p = [P("P1", 10)]
    near = [C("C1", "P1", "arts", 20, 1, 5, 0, 0), C("C2", "P1", "sports", 10, 1, 5, 0, 0)]
    two = [S("A", "urban", 300, 1, 0, 6), S("B", "rural", 100, 2, 0, 6)]
    yield "tiny+unreachable", (one_p, near, [*two, S("Z", "rural", 50, 90, 90, 6)], 10.0)
    yield "tiny+slots0", (one_p, near, [*two, S("Z", "rural", 50, 0, 0, 0)], 10.0)
    yield "tiny+students1", (one_p, near, [*two, S("Z", "rural", 1, 0, 0, 6)], 10.0)
    yield (
        "tiny+students1+unreach",
        (
            one_p,
            near,
            [*two, S("Y", "town", 1, 0, 1, 6), S("Z", "rural", 50, 90, 90, 6)],
            10.0,
        ),
    )
    yield "weekly0", ([P("P1", 0)], near, two, 10.0)
    yield (
        "weekly0+one-ok",
        ([P("P1", 0), P("P2", 3)], [*near, C("C3", "P2", "arts", 30, 1, 5, 0, 0)], two, 10.0),
    )
    yield (
        "maxkm0",
        (
            one_p,
            [C("C1", "P1", "arts", 20, 1, 0, 0, 0)],
            [*two, S("O", "town", 100, 0, 0, 4)],
            10.0,
        ),
    )
    yield "target1e6", (one_p, near, two, 1e6)
    yield "target1e-3", (one_p, near, two, 1e-3)
    yield (
        "one-row",
        ([P("P1", 1)], [C("C1", "P1", "arts", 1, 1, 1, 0, 0)], [S("A", "rural", 1, 0, 0, 1)], 10.0),
    )
    yield (
        "one-row-unreach",
        ([P("P1", 1)], [C("C1", "P1", "arts", 1, 1, 1, 0, 0)], [S("A", "rural", 1, 5, 0, 1)], 10.0),
    )
    ties_s = [S(f"S{i}", "rural", 300, 0, 0, 4) for i in range(5)]
    ties_c = [C(f"C{i}", "P1", "arts", 10, 1, 1, 0, 0) for i in range(5)]
    yield "ties5", ([P("P1", 7)], ties_c, ties_s, 10.0)
    yield "ties5+unreach", ([P("P1", 7)], ties_c, [*ties_s, S("Z", "rural", 300, 9, 9, 4)], 10.0)
    ties_s40 = [S(f"S{i:02d}", "rural", 300, 0, 0, 4) for i in range(40)]
    ties_c40 = [C(f"C{i:02d}", f"P{i % 3}", "arts", 10, 1, 1, 0, 0) for i in range(40)]
    yield "ties40", ([P(f"P{i}", 25) for i in range(3)], ties_c40, ties_s40, 10.0)
    yield (
        "ties40+unreach",
        (
            [P(f"P{i}", 25) for i in range(3)],
            ties_c40,
            [*ties_s40, S("Z", "rural", 300, 9, 9, 4)],
            10.0,
        ),
    )
    half_zero = [S(f"S{i:02d}", "rural", 300, 0, 0, 4 if i % 2 else 0) for i in range(20)]
    yield "ties20 half slots0", ([P(f"P{i}", 25) for i in range(3)], ties_c40, half_zero, 10.0)
    provs = [P(f"P{i}", r.choice([0, 4, 20])) for i in range(15)]
    sch = grid_schools(400, 100, r)
    yield "s400 c40 p15 far", (provs, courses_for(provs, 40, 100, r), sch, 10.0)
    yield "s400 c40 p15 t50", (provs, courses_for(provs, 40, 100, r), sch, 50.0)
    provs = [P(f"P{i}", 40) for i in range(60)]
    yield "s3000 c200", (provs, courses_for(provs, 200, 100, r), grid_schools(3000, 100, r), 10.0)
    yield "s50 c2000", (provs, courses_for(provs, 2000, 30, r, 10.0), grid_schools(50, 30, r), 10.0)
    yield (
        "s3000 c200 t1e6",
        (provs, courses_for(provs, 200, 100, r), grid_schools(3000, 100, r), 1e6),
    )


def county() -> Iterator[tuple[str, Case]]:
    import subprocess

    from common import JUNHENG

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        subprocess.run(
            [JUNHENG, "synth", "--profile", "county", "--seed", "bench", "--out", str(d)],
            check=True,
            capture_output=True,
        )
        pv, cs, sch = read_inputs(
            str(d / "providers.csv"), str(d / "courses.csv"), str(d / "schools.csv")
        )
        yield "county", (pv, cs, sch, 10.0)
        scarce = [P(p.provider_id, p.weekly_sessions // 5) for p in pv]
        yield "county scarce", (scarce, cs, sch, 10.0)


def run_case(name: str, case: Case, limit: float) -> None:
    pv, cs, sch, target = case
    t = time.perf_counter()
    plan = plan_supply(pv, cs, sch, target=target, time_limit_s=limit)
    wall = time.perf_counter() - t
    assert check_plan(pv, cs, sch, plan.sections, target=target) == []
    stages = plan.solver.get("stages", [])
    slow = max(stages, key=lambda x: x.get("seconds", 0), default={})
    sm = plan.summary
    print(
        f"{name:32s} {wall:7.2f} s  calls {plan.solver.get('solver_calls', len(stages)):3}  "
        f"slowest {slow.get('stage', '-')}:{slow.get('status', '-')} {slow.get('seconds', 0)} s  "
        f"min {sm['min_seats_per100']} at_target {sm['schools_at_target']}/{len(sch)} "
        f"cv {sm['cv_seats_per100']} sections {sm['sections']} km {sm['mean_km']}",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--only", default="", help="comma-separated: run only cases whose name starts with one"
    )
    ap.add_argument("--exact", default="", help="run only the case of this name")
    ap.add_argument("--list", action="store_true", help="print the case names and stop")
    ap.add_argument("--time-limit", type=float, default=20.0)
    args = ap.parse_args()
    sources: list[Callable[[], Iterator[tuple[str, Case]]]] = [hand_cases, fuzz_cases, county]
    for source in sources:
        for name, case in source():
            if args.list:
                print(name)
            elif (
                (name == args.exact) if args.exact else name.startswith(tuple(args.only.split(",")))
            ):
                run_case(name, case, args.time_limit)


if __name__ == "__main__":
    main()
