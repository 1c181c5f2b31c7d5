"""Time and peak memory of `junheng synth` (county, city) and of `junheng demo`.

Each command runs in a fresh process under /usr/bin/time (wall seconds, peak resident set
size); the city run is repeated to check that the same seed gives the same bytes. The demo runs
with JUNHENG_VAR pointing at a temporary folder so it never touches var/.
Goal (issue 2): the city profile under 60 s and 4 GB on 2 cores; the demo load well under a
minute.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from common import JUNHENG, write_section

TIME = "/usr/bin/time"


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(wall s, peak RSS MiB, stdout) of one command in a fresh process."""
    # without /usr/bin/time, fall back to the children's rusage (still a fresh process)
    full = [TIME, "-f", "@@%e %M", *cmd] if Path(TIME).exists() else cmd
    t0 = time.perf_counter()
    proc = subprocess.run(full, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr[-2000:]}")
    m = re.search(r"@@([\d.]+) (\d+)", proc.stderr)
    if m:
        return float(m.group(1)), int(m.group(2)) / 1024, proc.stdout
    import resource

    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, proc.stdout


def synth(profile: str, out: Path) -> dict[str, object]:
    cmd = [JUNHENG, "synth", "--profile", profile, "--seed", "bench", "--out", str(out)]
    wall, peak, stdout = measure(cmd)
    summary = json.loads(stdout.strip().splitlines()[-1])
    size = sum(p.stat().st_size for p in out.iterdir()) / 1e6
    return {"wall": wall, "peak": peak, "summary": summary, "mb": size}


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-synth-"))
    try:
        county = [synth("county", tmp / f"county{i}") for i in range(3)]
        city = [synth("city", tmp / f"city{i}") for i in range(2)]
        same = city[0]["summary"]["files"] == city[1]["summary"]["files"]  # type: ignore[index]
        same_county = all(c["summary"]["files"] == county[0]["summary"]["files"] for c in county)  # type: ignore[index]
        shutil.rmtree(tmp / "city0", ignore_errors=True)
        shutil.rmtree(tmp / "city1", ignore_errors=True)
        var = tmp / "var"
        env = {**os.environ, "JUNHENG_VAR": str(var)}
        env.pop("DATABASE_URL", None)
        demo_wall, demo_peak, _ = measure([JUNHENG, "demo"], env=env)
        demo_again, _, _ = measure([JUNHENG, "demo"], env=env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def row(name: str, runs: list[dict[str, object]]) -> str:
        s = runs[0]["summary"]
        walls = sorted(float(r["wall"]) for r in runs)  # type: ignore[arg-type]
        peak = max(float(r["peak"]) for r in runs)  # type: ignore[arg-type]
        return (
            f"| {name} | {s['schools']:,} | {s['students']:,} | {s['teachers']:,} | "  # type: ignore[index]
            f"{s['providers']:,} / {s['courses']:,} | {s['choices']:,} | "  # type: ignore[index]
            f"{float(runs[0]['mb']):.0f} MB | {walls[len(walls) // 2]:.1f} s | {peak:,.0f} MiB |"  # type: ignore[arg-type]
        )

    city_wall = max(float(r["wall"]) for r in city)  # type: ignore[arg-type]
    city_peak = max(float(r["peak"]) for r in city)  # type: ignore[arg-type]
    verdict = "met" if city_wall < 60 and city_peak < 4096 else "NOT met"
    body = f"""
Commands (each in a fresh process, timed by `/usr/bin/time`; median of the runs shown):

    junheng synth --profile county --seed bench --out DIR     # 3 runs
    junheng synth --profile city --seed bench --out DIR       # 2 runs
    JUNHENG_VAR=TMP junheng demo                              # 2 runs (fresh SQLite each time)

| profile | schools | students | teachers | providers / courses | choices | files | wall | peak RSS |
|---|---|---|---|---|---|---|---|---|
{row("county", county)}
{row("city", city)}

- Goal for the city profile: under 60 s and 4 GB on 2 cores — **{verdict}**
  (slowest run {city_wall:.1f} s, peak {city_peak:,.0f} MiB).
- Same seed, same bytes: county {"yes" if same_county else "NO"} (3 runs), city
  {"yes" if same else "NO"} (2 runs; every file's SHA-256 compared).
- `junheng demo` (delete + migrate + load the county with bulk inserts + demo accounts + the
  apps' demo data): {demo_wall:.1f} s, then {demo_again:.1f} s on a second run;
  peak {demo_peak:,.0f} MiB. Goal "well under a minute" — **{"met" if max(demo_wall, demo_again) < 60 else "NOT met"}**.
"""
    write_section("synth", "Synthetic regions (`junheng synth`) and the demo load", body)


if __name__ == "__main__":
    main()
