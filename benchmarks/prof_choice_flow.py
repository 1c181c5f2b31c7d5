"""CPU per request of the choice flow, in-process: where a rank-page request spends its time.

Runs the locust parent's flow (GET the rank page, POST a ranking, POST it again, GET, POST a
changed ranking) through Django's test client, with no HTTP server and one thread, and prints
this process's thread CPU and the PostgreSQL backend's CPU per request. Set against the
server's figures (`bench_choice_load.py` prints gunicorn's and PostgreSQL's CPU per request
under locust) it shows how much is the server and the concurrency rather than the page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> JUNHENG_STATIC_MANIFEST=0 \\
    ALLOWED_HOSTS='*' .venv/bin/python benchmarks/prof_choice_flow.py [--parents 300] \\
        [--profile out.prof]

The database must be migrated (any database: a scratch one, the county or the city); the
bench school, parents and window are added with `bench_choice_load.seed`. `--profile` writes
a cProfile of thread CPU for `python -m pstats`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

TOKEN_RE = re.compile(rb'name="token" value="([^"]+)"')


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--parents", type=int, default=300)
    ap.add_argument("--profile", help="write a cProfile (thread CPU) here")
    args = ap.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "junheng.config.settings")
    import django

    django.setup()
    import psutil
    from bench_choice_load import seed
    from django.db import connection
    from django.test import Client

    out = Path(tempfile.mkdtemp()) / "seed.json"
    seed(args.parents + 5, str(out))
    data = json.loads(out.read_text())
    offerings, client = data["offerings"], Client()

    def flow(i: int) -> None:
        p = data["parents"][i]
        client.cookies.clear()
        client.cookies["sessionid"] = p["session"]
        url = f"/enrolment/choose/{data['window']}/{p['student']}/"
        k = len(offerings)
        for n, plan in enumerate([[i % k, (i + 1) % k], [(i + 3) % k]]):
            page = client.get(url)
            found = TOKEN_RE.search(page.content)
            if page.status_code != 200 or found is None:
                raise SystemExit(f"rank page: {page.status_code}")
            form = {"token": found.group(1).decode()}
            form |= {f"choice_{r}": str(offerings[j]) for r, j in enumerate(plan, start=1)}
            for _tap in range(2 if n == 0 else 1):  # the first form twice (a double tap)
                if client.post(url, form).status_code != 302:
                    raise SystemExit("a ranking was not accepted")

    for i in range(5):  # warm: URLconf, templates, the kept course list
        flow(i)
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = psutil.Process(cur.fetchone()[0])
    prof = None
    if args.profile:
        import cProfile

        prof = cProfile.Profile(time.thread_time)
    b0, t0, w0 = backend.cpu_times(), time.thread_time(), time.perf_counter()
    if prof:
        prof.enable()
    for i in range(5, args.parents + 5):
        flow(i)
    if prof:
        prof.disable()
        prof.dump_stats(args.profile)
    b1, t1, w1 = backend.cpu_times(), time.thread_time(), time.perf_counter()
    n = args.parents * 5
    db = (b1.user + b1.system) - (b0.user + b0.system)
    print(
        f"{n} requests: python {1000 * (t1 - t0) / n:.2f} ms, PostgreSQL backend "
        f"{1000 * db / n:.2f} ms, wall {1000 * (w1 - w0) / n:.2f} ms per request"
    )


if __name__ == "__main__":
    main()
