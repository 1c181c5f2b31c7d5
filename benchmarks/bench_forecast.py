"""Benchmark and back-test of the enrolment forecast (`junheng forecast`, 学位预测), issue 15.

Speed: the city (603 schools, grades 1-9, 6 projected years) through the engine alone and the
whole command (start-up, reading three files, writing two).

Accuracy: a back-test on the synthetic regions. With y the last year of the eight-year history,
the forecast is made from years y-6 .. y-3 only (four years, three transitions, H = 3) and
compared with what years y-2 .. y really were: the mean absolute percentage error per horizon
(1, 2, 3 years ahead), for school totals (what the warnings use) and for school × grade cells,
next to the plain "same as last year" forecast (every value as in y-3). The synthetic history
is made with the dynamics the method assumes (ratios and entry rates with noise, trends by
zone), so these errors are a floor for real data, not a promise; the comparison with the naive
forecast is the point.

Run: .venv/bin/python benchmarks/bench_forecast.py  (or `make bench`).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from common import JUNHENG, timed_command, write_section  # noqa: E402

SEED = "bench"


def region_files(profile: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    from junheng.synth import generate
    from junheng.synth.places import make_places

    return make_places(generate(profile, SEED))


def mape(pred: pd.Series, actual: pd.Series) -> float:
    both = pd.concat([pred.rename("p"), actual.rename("a")], axis=1, join="inner")
    both = both[both["a"] > 0]
    return float((np.abs(both["p"] - both["a"]) / both["a"]).mean() * 100)


def backtest(enrol: pd.DataFrame, births: pd.DataFrame) -> list[dict[str, float]]:
    from junheng.engines.forecast import forecast

    y = int(enrol["year"].max())
    train = enrol[(enrol["year"] >= y - 6) & (enrol["year"] <= y - 3)]
    f = forecast(train, births, years=3, history=3)
    p = f.projection.set_index(["school_id", "year", "grade"])["students"]
    actual = enrol.set_index(["school_id", "year", "grade"])["students"]
    last = train[train["year"] == y - 3].set_index(["school_id", "grade"])["students"]
    rows = []
    for h in (1, 2, 3):
        year = y - 3 + h
        a_cells = actual.xs(year, level="year")
        p_cells = p.xs(year, level="year")
        rows.append(
            {
                "h": h,
                "year": year,
                "school": mape(
                    p_cells.groupby("school_id").sum(), a_cells.groupby("school_id").sum()
                ),
                "school_naive": mape(
                    last.groupby("school_id").sum(), a_cells.groupby("school_id").sum()
                ),
                "cell": mape(p_cells, a_cells),
                "cell_naive": mape(last, a_cells),
            }
        )
    return rows


def main() -> None:
    from junheng.engines.forecast import forecast

    work = Path(tempfile.mkdtemp(prefix="bench_forecast_"))
    try:
        tables = {}
        for profile in ("county", "city"):
            t0 = time.perf_counter()
            tables[profile] = region_files(profile)
            print(f"{profile}: synth {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        enrol, births, capacity = tables["city"]
        for name, df in zip(("enrolment", "births", "capacity"), tables["city"], strict=True):
            df.to_csv(work / f"{name}.csv", index=False, lineterminator="\n")
        n_schools = enrol["school_id"].nunique()
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            result = forecast(enrol, births, capacity, years=6, history=3)
            _ = result.out_bytes, result.warnings_bytes, result.summary
            runs.append(time.perf_counter() - t0)
        engine = min(runs)
        cmd = [
            JUNHENG, "forecast",
            "--enrolment", str(work / "enrolment.csv"),
            "--births", str(work / "births.csv"),
            "--capacity", str(work / "capacity.csv"),
            "--out", str(work / "projection.csv"),
            "--warnings", str(work / "warnings.csv"),
        ]  # fmt: skip
        wall, rss, proc = timed_command(cmd)
        summary = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"city engine {engine * 1000:.0f} ms, command {wall:.2f} s", file=sys.stderr)

        tests = {p: backtest(t[0], t[1]) for p, t in tables.items()}
        lines = []
        for profile, rows in tests.items():
            for r in rows:
                lines.append(
                    f"| {profile} | {r['h']} ({r['year']}) | {r['school']:.1f}% | "
                    f"{r['school_naive']:.1f}% | {r['cell']:.1f}% | {r['cell_naive']:.1f}% |"
                )
        body = (
            f"Synthetic city (`junheng synth --profile city`, seed {SEED!r}): {n_schools} schools, "
            f"{len(enrol):,} history rows (8 years by grade), {len(births):,} births rows.\n\n"
            "```\njunheng forecast --enrolment enrolment.csv --births births.csv "
            "--capacity capacity.csv --out projection.csv --warnings warnings.csv\n```\n\n"
            "| what | goal | measured |\n|---|---:|---:|\n"
            f"| engine (`forecast()` + both outputs' bytes), best of 5 | < 2 s | "
            f"{engine * 1000:.0f} ms |\n"
            f"| whole command (start-up, read, write) | — | {wall:.2f} s, {rss:.0f} MiB |\n\n"
            f"City summary: {summary['students_last']:,} students in the last year, peak "
            f"{summary['students_peak']:,} in {summary['peak_year']}; {summary['red']} red and "
            f"{summary['amber']} amber school-years of {n_schools * 6:,}.\n\n"
            "**Back-test**: forecast from years y−6..y−3 (H = 3), compared with y−2..y. Mean "
            'absolute percentage error per horizon, against "same as last year" (every value '
            "as in y−3):\n\n"
            "| profile | horizon (year) | school totals | same as last year | school × grade | "
            "same as last year |\n|---|---|---:|---:|---:|---:|\n" + "\n".join(lines) + "\n\n"
            "The synthetic history follows the dynamics the method assumes (grade-progression "
            "and entry ratios with noise, growth south of the centres, rural decline), so the "
            "method's errors are a floor for real data; the naive forecast's errors show how much "
            "the trends matter: by grade, last year's figure is the wrong cohort altogether."
        )
        write_section("forecast", "Enrolment forecast (`junheng forecast`)", body)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
