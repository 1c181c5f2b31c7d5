"""The quota-table app at city scale (指标到校, issue 8): 22 quality high schools × 600 junior
schools, through the app's actions, on a scratch SQLite database.

Same seeded plans and graduates as bench_quotas.py (Ningbo-like city, share 0.7). Steps: create
the draft (graduates from the region data), import the 600 graduates from a .csv, the
side-by-side preview (all three methods, the deviations and the Hamilton Alabama check), publish
(13,200 stored pairs), the whole-table .xlsx export and one school's export.

Runs in a child process (JUNHENG_VAR in a temporary folder), so var/ is never touched.
Run: .venv/bin/python benchmarks/run.py quotas_app
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")


def child(workdir: str) -> None:
    import resource

    os.environ["DJANGO_SETTINGS_MODULE"] = "junheng.config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_quotas import generate

    from junheng.accounts.models import User
    from junheng.quotas import actions, adapters
    from junheng.quotas.models import HighSchool
    from junheng.region.models import County, School

    call_command("migrate", verbosity=0)
    plans, juniors = generate(Path(workdir))
    county = County.objects.create(code="330200", name="宁波市")
    bureau = User.objects.create(username="bench-bureau", role="bureau")
    School.objects.bulk_create(
        [
            School(code=j, name=f"初中{j}", county=county, level="junior", urban_rural="rural")
            for j in juniors
        ]
    )
    HighSchool.objects.bulk_create(
        [HighSchool(code=h, name=f"高中{h}", county=county) for h in plans]
    )
    pks = dict(HighSchool.objects.values_list("code", "pk"))
    out: dict[str, object] = {}

    def step(name: str, fn, *args, **kw):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        value = fn(*args, **kw)
        out[name] = round(time.perf_counter() - t0, 3)
        return value

    table = step(
        "create",
        actions.do_create_table,
        by=bureau,
        year=2025,
        plans={pks[h]: p for h, p in plans.items()},
    )
    report = step(
        "import",
        actions.do_import_graduates,
        table,
        (Path(workdir) / "juniors.csv").read_bytes(),
        "juniors.csv",
        by=bureau,
    )
    assert report.ok, report.errors[:5]
    pv = step("preview", adapters.preview, table)
    assert not pv.error, pv.error
    table = step("publish", actions.do_publish, table, by=bureau, method="hamilton")
    _name, content = step("export", actions.do_export_table_xlsx, table, by=bureau)
    school = School.objects.get(code=next(iter(juniors)))
    step("export_school", actions.do_export_school_xlsx, table, school, by=bureau)
    from junheng.engines.quotas import allocate_quotas

    engine = allocate_quotas(plans, juniors, share="0.7", method="hamilton")
    assert table.result_sha256 == engine.result_sha256
    out["pairs"] = len(engine.rows)
    out["paradoxes"] = len(pv.paradoxes)
    out["max_dev"] = {m.method: round(m.max_pair_deviation, 3) for m in pv.methods}
    out["export_kib"] = len(content) // 1024
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out["peak_rss_mib"] = round(usage.ru_maxrss / 1024)
    print(json.dumps(out))


def main() -> None:
    from common import write_section

    with tempfile.TemporaryDirectory(prefix="junheng-bench-quotas-app-") as tmp:
        env = {**os.environ, "JUNHENG_VAR": tmp}
        proc = subprocess.run(
            [PY, __file__, "--child", tmp], env=env, capture_output=True, text=True, check=False
        )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-3000:])
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    steps = [
        ("create the draft (graduates from the region data)", "create"),
        ("import 600 graduates from .csv (every row checked)", "import"),
        ("side-by-side preview: 3 methods, deviations, Alabama check", "preview"),
        (f"publish with Hamilton ({r['pairs']:,} pairs stored)", "publish"),
        (f"export the whole table to .xlsx ({r['export_kib']} KiB)", "export"),
        ("export one junior school's row", "export_school"),
    ]
    lines = ["| step | seconds |", "|---|---:|"]
    lines += [f"| {label} | {r[key]} |" for label, key in steps]
    dev = ", ".join(f"{m} {v}" for m, v in r["max_dev"].items())
    body = f"""
Command: `.venv/bin/python benchmarks/run.py quotas_app` (scratch SQLite database; the same
seeded 22 high schools × 600 junior schools and share 0.7 as the engine benchmark above; every
step through `junheng.quotas.actions` / `adapters`, the code path of the pages).

{chr(10).join(lines)}

The published table's `result_sha256` equals the engine's (`junheng quotas`) for the same
inputs. Max |seats − exact share| over every pair: {dev}; the Alabama check found
{r["paradoxes"]} (high school, junior) pairs where Hamilton at quota + 1 would cost the junior a
seat. Peak memory: {r["peak_rss_mib"]} MiB. Wall-clock on a 2-core machine shared with other
jobs, so upper bounds.
"""
    write_section("quotas_app", "High-school quota app (city scale)", body)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        main()
