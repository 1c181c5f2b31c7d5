"""Benchmark of the synchronous-lesson scheduler (`junheng.engines.synclass`, 同步课堂), issue 14.

On the synthetic county and city: every school's class timetables (`junheng.synth.timetables`,
a typical curriculum with a few free periods per class), the pairs of `junheng pair` on the
synth's pairing.csv, the default requests of each pair (Chinese, maths, science or physics once
a week, grade 4 or 8, the core's class teacher), then the scheduler. A second run asks for
every subject twice a week, more than the free periods allow, to show the reasons reported.

Run: .venv/bin/python benchmarks/bench_synclass.py  (or `make bench`).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from common import write_section  # noqa: E402


def rows_for(profile: str) -> list[str]:
    from junheng.commands.pair import read_schools
    from junheng.engines.io import frame_bytes
    from junheng.engines.pairing import pair_schools
    from junheng.engines.synclass import pair_requests, schedule_lessons
    from junheng.synth import generate
    from junheng.synth.build import pairing_frame
    from junheng.synth.timetables import DAYS, WEEK_PERIODS, engine_inputs, make_timetables

    region = generate(profile, "bench")
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "pairing.csv"
        path.write_bytes(frame_bytes(pairing_frame(region)))
        schools = read_schools(str(path))
    plan = pair_schools(schools)
    level = {s.school_id: s.level for s in schools}

    def lv(m: str, c: str) -> str:
        v = level[m] if level[m] != "nine_year" else level[c]
        return "junior" if v == "junior" else "primary"

    t0 = time.process_time()
    tt = make_timetables(region)
    t_tt = time.process_time() - t0
    classes, teachers, by_school, teaching = engine_inputs(region, tt)
    pairs = [(p.member_id, p.core_id, lv(p.member_id, p.core_id)) for p in plan.pairs]
    out = []
    for per_week in (1, 2):
        reqs, skipped = pair_requests(pairs, by_school, teaching, per_week=per_week)
        t0 = time.process_time()
        res = schedule_lessons(
            days=DAYS, periods=WEEK_PERIODS, classes=classes, teachers=teachers, requests=reqs
        )
        t_s = time.process_time() - t0
        s = res.summary
        r = s["unplaced_by_reason"]
        out.append(
            f"| {profile} | {len(classes):,} classes, {len(tt):,} periods ({t_tt:.1f} s) | "
            f"{len(pairs)} | {per_week} | {len(reqs)} ({len(skipped)} skipped: no class) | "
            f"**{s['placed']} / {s['lessons']}** | {r['no_common_period']} / {r['load_limit']} / "
            f"{r['taken']} | {'yes' if s['optimal'] else 'no'} | {s['violations']} | {t_s:.2f} s |"
        )
        print(out[-1], file=sys.stderr)
    return out


def load_average() -> str:
    return ", ".join(f"{v:.1f}" for v in os.getloadavg())


def main() -> None:
    load_start = load_average()
    rows = rows_for("county") + rows_for("city")
    body = (
        "Synthetic timetables (`junheng.synth.timetables`), the pairs of `junheng pair` "
        "(defaults), each pair's default requests (`engines.synclass.pair_requests`), then "
        "`schedule_lessons` (CP-SAT, one worker, deterministic time limit 20 s), teacher load "
        "limit 20 periods a week. Unplaced reasons: no common free period / load limit / taken "
        "by other synchronous lessons. CPU seconds.\n\n"
        "| region | timetables (generation) | pairs | per week | requests | placed / asked | "
        "unplaced: period / load / taken | proven optimal | violations | scheduler |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n" + "\n".join(rows) + "\n\n"
        f"Load average (1, 5, 15 min) at the start: {load_start}; when done: {load_average()} "
        "(the 2 cores are shared with other work: times vary between runs, the placements "
        "do not).\n"
    )
    write_section("synclass", "Synchronous lessons (`junheng.engines.synclass`)", body)


if __name__ == "__main__":
    main()
