"""The choice page under load: 500 simulated parents rank and change choices at window opening.

gunicorn (`junheng serve`) on PostgreSQL over loopback (a scratch database created and dropped
here), and a small threaded HTTP client (locust is not installed): every parent GETs the rank
page (CSRF cookie, form token), POSTs a ranking, POSTs the very same form again (a double tap),
then changes the ranking with a fresh form. Afterwards the database must hold exactly one
ranking per child, whose version equals the number of distinct accepted forms (2) and whose
choices are the last ones sent: every accepted submission stored exactly once.

    .venv/bin/python benchmarks/bench_choice_load.py [--parents 500] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_section  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
PG = "postgres://postgres@127.0.0.1:5432"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOKEN_RE = re.compile(r'name="token" value="([^"]+)"')


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql],
        check=True,
        capture_output=True,
    )


def seed(n: int, out: str) -> None:
    """(In the child process, DATABASE_URL set) a school, 6 offerings, n children and parents,
    an open window; write sessions and offering ids as JSON."""
    import datetime as dt
    from decimal import Decimal

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "junheng.config.settings")
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from junheng.accounts.models import Guardianship, User
    from junheng.afterschool.models import Course, Offering, Provider
    from junheng.enrolment import actions
    from junheng.region.models import County, School, Student, Term, TimeSlot

    county = County.objects.create(code="B1", name="bench")
    school = School.objects.create(
        code="B001", name="bench school", county=county, level="primary", urban_rural="urban"
    )
    term = Term.objects.create(
        name="bench", start=dt.date(2025, 9, 1), end=dt.date(2026, 1, 20), is_current=True
    )
    provider = Provider.objects.create(
        name="bench provider",
        org_type="training",
        record_id="B",
        contact_name="x",
        contact_phone="1",
        service_items="x",
        fee_standards="x",
        status="approved",
        whitelist_until=dt.date(2030, 1, 1),
    )
    offerings = []
    for k in range(6):
        slot = TimeSlot.objects.create(
            weekday=k % 5 + 1, period=k // 5 + 1, start=dt.time(15, 30), end=dt.time(16, 30)
        )
        course = Course.objects.create(
            provider=provider, title=f"课程{k}", category="arts", content="x", status="approved"
        )
        offerings.append(
            Offering.objects.create(
                term=term,
                course=course,
                school=school,
                slot=slot,
                seats=40,
                fee=Decimal("100"),
                source="supply",
            )
        )
    hashed = make_password(None)
    users = User.objects.bulk_create(
        [User(username=f"p{i:05d}", role="parent", password=hashed) for i in range(n)]
    )
    kids = Student.objects.bulk_create(
        [
            Student(code=f"B{i:05d}", name=f"学生{i}", gender="F", school=school, grade=3)
            for i in range(n)
        ]
    )
    Guardianship.objects.bulk_create(
        [Guardianship(user=u, student=s) for u, s in zip(users, kids, strict=True)]
    )
    bureau = User.objects.create(username="bench-bureau", role="bureau", password=hashed)
    now = timezone.now()
    w = actions.do_create_window(
        by=bureau,
        school=school,
        term=term,
        opens_at=now - dt.timedelta(minutes=1),
        closes_at=now + dt.timedelta(days=1),
        max_ranked=3,
    )
    actions.do_open_window(w, by=bureau)
    sessions = []
    for u, s in zip(users, kids, strict=True):
        store = SessionStore()
        store["_auth_user_id"] = str(u.pk)
        store["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        store["_auth_user_hash"] = u.get_session_auth_hash()
        store.create()
        sessions.append({"session": store.session_key, "student": s.pk})
    Path(out).write_text(
        json.dumps({"window": w.pk, "offerings": [o.pk for o in offerings], "parents": sessions})
    )


def check(out: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "junheng.config.settings")
    import django

    django.setup()
    from junheng.enrolment.models import Ranking, RankingChoice

    rows = list(Ranking.objects.values("student_id", "version"))
    last = {}
    for r in RankingChoice.objects.order_by("ranking__student_id", "rank").values_list(
        "ranking__student_id", "offering_id"
    ):
        last.setdefault(r[0], []).append(r[1])
    Path(out).write_text(
        json.dumps(
            {
                "rankings": len(rows),
                "students": len({r["student_id"] for r in rows}),
                "versions": {str(r["student_id"]): r["version"] for r in rows},
                "choices": {str(k): v for k, v in last.items()},
            }
        )
    )


class Client:
    def __init__(self, port: int, session: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies = {"sessionid": session}

    def request(
        self, method: str, path: str, body: dict[str, str] | None = None
    ) -> tuple[int, str, str, float]:
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Host": "127.0.0.1",
        }
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = "http://127.0.0.1/"
        t0 = time.perf_counter()
        self.conn.request(method, path, body=data, headers=headers)
        resp = self.conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        dt_ = time.perf_counter() - t0
        for v in resp.headers.get_all("Set-Cookie") or []:
            k, _, rest = v.partition("=")
            self.cookies[k.strip()] = rest.split(";", 1)[0]
        return resp.status, resp.headers.get("Location", ""), text, dt_


def parent_flow(
    port: int,
    window: int,
    offerings: list[int],
    p: dict[str, int | str],
    i: int,
    lat: list[float],
    accepted: dict[int, list[tuple[str, list[int]]]],
    errors: list[str],
) -> None:
    c = Client(port, str(p["session"]))
    url = f"/enrolment/choose/{window}/{p['student']}/"
    k = len(offerings)
    plans = [
        [offerings[i % k], offerings[(i + 1) % k], offerings[(i + 2) % k]],
        [offerings[(i + 3) % k], offerings[i % k]],
    ]
    for n, plan in enumerate(plans):
        status, _loc, html, d = c.request("GET", url)
        lat.append(d)
        if status != 200:
            errors.append(f"GET {status}")
            return
        form = {
            "csrfmiddlewaretoken": CSRF_RE.search(html).group(1),  # type: ignore[union-attr]
            "token": TOKEN_RE.search(html).group(1),
        }  # type: ignore[union-attr]
        for r, oid in enumerate(plan, start=1):
            form[f"choice_{r}"] = str(oid)
        repeats = 2 if n == 0 else 1  # the first form is sent twice (a double tap)
        for _ in range(repeats):
            status, loc, _html, d = c.request("POST", url, form)
            lat.append(d)
            if status == 302 and "/receipts/" in loc:
                accepted.setdefault(int(p["student"]), []).append((form["token"], plan))
            else:
                errors.append(f"POST {status}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parents", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    # Run by benchmarks/run.py (imported): the defaults; as a script: the command line.
    args = ap.parse_args(argv if argv is not None else [])
    db = f"junheng_bench_choice_{os.getpid()}"
    var = tempfile.mkdtemp(prefix="junheng-bench-")
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{db}",
        "JUNHENG_VAR": var,
        "CONN_MAX_AGE": "60",
        "WEB_CONCURRENCY": str(args.workers),
        "DJANGO_SETTINGS_MODULE": "junheng.config.settings",
    }
    _psql(f"CREATE DATABASE {db}")
    server = None
    try:
        subprocess.run(
            [PY, "-m", "junheng.cli", "manage", "migrate", "-v", "0"], env=env, check=True
        )
        info_path = Path(var) / "seed.json"
        subprocess.run(
            [PY, __file__, "seed", str(args.parents), str(info_path)], env=env, check=True
        )
        info = json.loads(info_path.read_text())
        port = _free_port()
        server = subprocess.Popen(
            [PY, "-m", "junheng.cli", "serve", "--port", str(port), "--workers", str(args.workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(200):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).request(
                    "GET", "/api/health"
                )
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(1.0)
        lat: list[float] = []
        accepted: dict[int, list[tuple[str, list[int]]]] = {}
        errors: list[str] = []
        queue = list(enumerate(info["parents"]))
        lock = threading.Lock()

        def worker() -> None:
            while True:
                with lock:
                    if not queue:
                        return
                    i, p = queue.pop(0)
                parent_flow(port, info["window"], info["offerings"], p, i, lat, accepted, errors)

        t0 = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        check_path = Path(var) / "check.json"
        subprocess.run([PY, __file__, "check", "0", str(check_path)], env=env, check=True)
        stored = json.loads(check_path.read_text())
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        _psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")

    # Exactly once: one ranking per child; its version = the distinct forms accepted; its
    # choices = the last form's.
    posts = sum(len(v) for v in accepted.values())
    distinct = {s: len({tok for tok, _plan in v}) for s, v in accepted.items()}
    exact = all(
        stored["versions"].get(str(s)) == distinct[s]
        and stored["choices"].get(str(s)) == accepted[s][-1][1]
        for s in accepted
    )
    lat_ms = sorted(x * 1000 for x in lat)
    p50 = statistics.median(lat_ms)
    p99 = lat_ms[min(len(lat_ms) - 1, int(0.99 * len(lat_ms)))]
    n_req = len(lat_ms)
    cmd = (
        f".venv/bin/python benchmarks/bench_choice_load.py --parents {args.parents} "
        f"--concurrency {args.concurrency} --workers {args.workers}"
    )
    body = f"""
Command: `{cmd}` (gunicorn via `junheng serve`, {args.workers} workers × 4 threads, PostgreSQL
15 on 127.0.0.1:5432 in a scratch database; a threaded Python HTTP client with
{args.concurrency} connections; client, server and database share the machine).

Each of {args.parents} parents: GET the rank page, POST a 3-choice ranking, POST the same
form again (double tap), GET again and POST a changed 2-choice ranking — {n_req} requests.

| figure | value |
|---|---|
| wall time | {wall:.1f} s |
| throughput | {n_req / wall:.0f} requests/s, {posts / wall:.0f} accepted POSTs/s |
| latency p50 / p99 (all requests) | {p50:.0f} ms / {p99:.0f} ms |
| POSTs accepted (302 to the receipt) | {posts} (of which distinct forms {sum(distinct.values())}) |
| errors | {len(errors)} |
| rankings stored | {stored["rankings"]} rows for {stored["students"]} children |
| every accepted submission stored exactly once | {"yes" if exact and stored["rankings"] == len(accepted) == args.parents else "NO"} (version = distinct forms = 2 for every child; the repeated POST changed nothing; stored choices = the last form) |
"""
    write_section("choice_load", "Choice page under load (issue 5)", body)
    print(body)


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        seed(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1:2] == ["check"]:
        check(sys.argv[3])
    else:
        main(sys.argv[1:])
