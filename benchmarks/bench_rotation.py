"""Teacher rotation: county and city profiles (time, CVs before/after, preferences, travel, gap).

Inputs are `junheng synth --profile county|city --seed bench` (/tmp/synth/<profile> when
present, else generated with that command). Default national rules: 6 years, 10% share,
backbone 20% of movers, 30 km. Goal: city under 120 s on 2 cores.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import pandas as pd
from common import JUNHENG, timed_command, write_section

SYNTH = Path("/tmp/synth")


def profile_dir(profile: str, scratch: Path) -> Path:
    ready = SYNTH / profile
    if (ready / "teachers.csv").exists():
        return ready
    out = scratch / profile
    subprocess.run(
        [JUNHENG, "synth", "--profile", profile, "--seed", "bench", "--out", str(out)], check=True
    )
    return out


def main() -> None:
    lines = [
        "Command (per profile): `junheng rotate --schools schools.csv --teachers teachers.csv "
        "--needs needs.csv --out plan.csv` (defaults: --min-years 6 --share 0.10 "
        "--backbone-share 0.2 --max-km 30 --time-limit 120) on `junheng synth --profile <p> "
        "--seed bench`. Preferences met = movers sent to one of their stated schools / movers "
        "who stated any. Gap = (C − bound) / C with C = 1e4·(CV_b² + CV_q²) and the bound "
        "of the linear relaxation (n/a when it did not finish in time or the model is over the "
        "size cap); stage = the engine stage that produced the plan (issue 13).",
        "",
        "| profile | teachers | eligible | wall s | peak MiB | moved (share) | backbone share | "
        "CV backbone before → after | CV qualified before → after | prefs met | mean km | first plan s | stage | gap "
        "| violations |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        for profile in ("county", "city"):
            d = profile_dir(profile, scratch)
            out = scratch / f"{profile}.csv"
            cmd = [
                JUNHENG,
                "rotate",
                "--schools",
                str(d / "schools.csv"),
                "--teachers",
                str(d / "teachers.csv"),
                "--needs",
                str(d / "needs.csv"),
                "--out",
                str(out),
            ]
            wall, peak, proc = timed_command(cmd)
            s = json.loads(proc.stdout.strip().splitlines()[-1])
            teachers = pd.read_csv(d / "teachers.csv", dtype=str, keep_default_na=False)
            moves = pd.read_csv(out, dtype=str)
            movers = teachers.set_index("teacher_id").loc[moves["teacher_id"]]
            stated = (movers[["pref1", "pref2", "pref3"]] != "").any(axis=1)
            share = s["pref_met"] / max(1, int(stated.sum()))
            gap = s.get("gap")
            lines.append(
                f"| {profile} | {len(teachers)} | {s['eligible']} | {wall:.1f} | {peak:.0f} | "
                f"{s['moved']} ({s['moved_share']}) | {s['backbone_share']} | "
                f"{s['cv_backbone_before']} → {s['cv_backbone_after']} | "
                f"{s['cv_qualified_before']} → {s['cv_qualified_after']} | "
                f"{s['pref_met']} / {int(stated.sum())} ({share:.0%}) | {s['mean_km']} | "
                f"{s['time_to_first_plan_s']} | {s['stage']} | {'n/a' if gap is None else gap} | "
                f"{s['violations']} |"
            )
    lines += [
        "",
        "Violations are counted by the engine's independent checker (`check_rotation`). The "
        "machine is shared by several engineers, so wall times include waiting for the CPU.",
    ]
    write_section("rotation", "Teacher rotation (junheng rotate)", "\n".join(lines))


if __name__ == "__main__":
    main()
