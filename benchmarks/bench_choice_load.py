"""The choice page under load: locust (headless, bounded) against gunicorn + PostgreSQL.

Simulated parents at window opening, at 50 and then 200 concurrent users: each takes the next
parent (their own session), GETs the rank page, POSTs a ranking, POSTs the very same form again
(a double tap), GETs again and POSTs a changed ranking. Locust (`benchmarks/locust_choice.py`)
runs headless for a fixed time; every user finishes the parent in hand when the time is up
(`--stop-timeout`). Afterwards the database must hold, for every parent whose form was accepted,
exactly one ranking whose version equals the number of distinct accepted forms and whose
choices are the last ones sent: every accepted submission stored exactly once.

    .venv/bin/python benchmarks/bench_choice_load.py [--users 50 200] [--run-time 60]

With BENCH_CITY_DATABASE_URL set (a database loaded with `junheng demo --profile city`) the bench
school, parents and window are added to that city (the million other students stay in the
tables); otherwise a scratch database is created and dropped. `--county` says that database
is the demo county (`junheng demo`), not the city: the figures go to their own section
(`choice_load_county`). `--caches db:// redis://127.0.0.1:6379/0` runs every user count once
per shared cache (`CACHE_URL`), each with a fresh gunicorn.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_section  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python")
LOCUST = str(ROOT / ".venv" / "bin" / "locust")
PG = "postgres://postgres@127.0.0.1:5432"


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

    tag = f"{os.getpid() % 100000:05d}"  # unique per run: a loaded city may hold an earlier one
    county = County.objects.create(code=f"B{tag}", name="bench")
    school = School.objects.create(
        code=f"B{tag}", name="bench school", county=county, level="primary", urban_rural="urban"
    )
    term = Term.objects.filter(is_current=True).first() or Term.objects.create(
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
        slot, _new = TimeSlot.objects.get_or_create(  # a loaded city has its slots already
            weekday=k % 5 + 1,
            period=k // 5 + 1,
            defaults={"start": dt.time(15, 30), "end": dt.time(16, 30)},
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
        [User(username=f"p{tag}-{i:05d}", role="parent", password=hashed) for i in range(n)]
    )
    kids = Student.objects.bulk_create(
        [
            Student(code=f"B{tag}-{i:05d}", name=f"学生{i}", gender="F", school=school, grade=3)
            for i in range(n)
        ]
    )
    Guardianship.objects.bulk_create(
        [Guardianship(user=u, student=s) for u, s in zip(users, kids, strict=True)]
    )
    bureau = User.objects.create(username=f"bench-bureau-{tag}", role="bureau", password=hashed)
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

    window = json.loads(Path(out).with_name("seed.json").read_text())["window"]
    rows = list(Ranking.objects.filter(window_id=window).values("student_id", "version"))
    last = {}
    choices = RankingChoice.objects.filter(ranking__window_id=window)
    for r in choices.order_by("ranking__student_id", "rank").values_list(
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


def judge(
    stored: dict[str, Any],
    accepted: dict[str, tuple[list[str], list[int]]],
    sent: dict[str, list[tuple[str, list[int]]]],
) -> dict[str, Any]:
    """Compare what the database holds with what the clients sent and saw.

    For each parent: `a` distinct forms answered "stored" (a receipt), `s` distinct forms sent.
    A form that got no answer (the run stopped with it in flight) may be stored or not, so
    the stored version must lie in [a, s] and the stored choices must be those of a form
    sent; a version above `s` would be a form stored twice ("duplicates"). "exact": every
    answer matches the database and no form was left unanswered."""
    versions, choices = stored["versions"], stored["choices"]
    unanswered = duplicates = wrong = 0
    for student, forms in sent.items():
        tokens = {t for t, _plan in forms}
        toks, last = accepted.get(student, ([], []))
        a, n = len(set(toks)), len(tokens)
        v = versions.get(student, 0)
        unanswered += n - a
        got = choices.get(student)
        if v > n:
            duplicates += 1
            continue
        sent_plans = [p for _t, p in forms]
        # fewer versions than receipts, choices no form had, or (all answered) not the last
        if v < a or (v and got not in sent_plans) or (a == n and v and got != last):
            wrong += 1
    strays = sum(1 for s in versions if s not in sent)  # stored without being sent
    exact = (
        unanswered == 0
        and duplicates == wrong == strays == 0
        and all(versions.get(s, 0) == len(set(t)) for s, (t, _l) in accepted.items())
    )
    return {
        "exact": exact,
        "at_most_once": duplicates == wrong == strays == 0,
        "unanswered": unanswered,
        "duplicates": duplicates,
        "wrong": wrong + strays,
    }


def _cpu(server_pid: int) -> dict[int, tuple[str, float]]:
    """CPU seconds so far of each process of gunicorn (master and workers) and PostgreSQL."""
    import psutil

    out: dict[int, tuple[str, float]] = {}
    try:
        web = psutil.Process(server_pid)
        served = [web, *web.children(recursive=True)]
    except psutil.Error:
        served = []
    kinds = [("web", p) for p in served] + [
        ("db", p) for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"
    ]
    for kind, p in kinds:
        try:
            t = p.cpu_times()
        except psutil.Error:
            continue
        out[p.pid] = (kind, float(t.user + t.system))
    return out


def _cpu_used(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]], kind: str
) -> float:
    """CPU seconds a kind of process used between two `_cpu` readings (a process that ended
    meanwhile is not counted: a lower bound)."""
    return sum(t - before.get(pid, (k, 0.0))[1] for pid, (k, t) in after.items() if k == kind)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _locust(
    port: int, users: int, run_time: int, parents: Path, out: Path, think: str = "0"
) -> dict[str, float]:
    """One headless locust run; its aggregated figures from locust's CSV."""
    env = {
        **os.environ,
        "CHOICE_THINK": think,
        "CHOICE_PARENTS": str(parents),
        "CHOICE_ACCEPTED": str(out.with_suffix(".accepted.json")),
    }
    subprocess.run(
        [
            LOCUST,
            "-f",
            str(Path(__file__).with_name("locust_choice.py")),
            "--headless",
            "--host",
            f"http://127.0.0.1:{port}",
            "-u",
            str(users),
            "-r",
            str(users),
            "--run-time",
            f"{run_time}s",
            "--stop-timeout",
            "60",
            "--csv",
            str(out),
            "--only-summary",
        ],
        env=env,
        check=False,  # locust exits 1 when any request failed: the failures are reported
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(f"{out}_stats.csv", encoding="utf-8") as fh:
        agg = next(r for r in csv.DictReader(fh) if r["Name"] == "Aggregated")
    return {
        "requests": float(agg["Request Count"]),
        "failures": float(agg["Failure Count"]),
        "rps": float(agg["Requests/s"]),
        "p50": float(agg["50%"]),
        "p99": float(agg["99%"]),
        "max": float(agg["Max Response Time"]),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, nargs="+", default=[50, 200])
    ap.add_argument("--run-time", type=int, default=60)
    ap.add_argument("--parents", type=int, default=3000, help="per run")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--county", action="store_true", help="the database is the demo county")
    ap.add_argument(
        "--caches", nargs="+", default=[], metavar="CACHE_URL", help="one server run per cache"
    )
    ap.add_argument(
        "--think", nargs="+", default=["0", "1-3"], metavar="A-B",
        help="parents' reading time before each form, seconds (0: a closed loop); one run each",
    )  # fmt: skip
    args = ap.parse_args(argv if argv is not None else [])
    city = os.environ.get("BENCH_CITY_DATABASE_URL", "")
    db = None if city else f"junheng_bench_choice_{os.getpid()}"
    var = Path(tempfile.mkdtemp(prefix="junheng-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": city or f"{PG}/{db}",
        "JUNHENG_VAR": str(var),
        "CONN_MAX_AGE": "60",
        "WEB_CONCURRENCY": str(args.workers),
        "DJANGO_SETTINGS_MODULE": "junheng.config.settings",
        # `junheng serve` refuses a real database with the demo key; one key for the run.
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + secrets.token_urlsafe(40)),
    }
    if db:
        _psql(f"CREATE DATABASE {db}")
    server: subprocess.Popen[bytes] | None = None
    results = []
    runs: list[tuple[str, str, tuple[float, ...], tuple[float, ...]]] = []
    try:
        if db:
            subprocess.run(
                [PY, "-m", "junheng.cli", "manage", "migrate", "-v", "0"], env=env, check=True
            )
        for cache_url in args.caches or [os.environ.get("CACHE_URL", "db://")]:
            server_env = {**env, "CACHE_URL": cache_url}
            port = _free_port()
            server = subprocess.Popen(
                [
                    PY,
                    "-m",
                    "junheng.cli",
                    "serve",
                    "--port",
                    str(port),
                    "--workers",
                    str(args.workers),
                ],
                env=server_env,
                stdout=subprocess.DEVNULL,
                stderr=open(Path(var) / "server.log", "w"),  # noqa: SIM115 - as long as the server
            )
            for think, users in [(t, u) for t in args.think for u in args.users]:
                run_dir = var / f"u{users}-{len(results)}"
                run_dir.mkdir()
                seed_path = run_dir / "seed.json"
                subprocess.run(
                    [PY, __file__, "seed", str(args.parents), str(seed_path)],
                    env=server_env,
                    check=True,
                )
                for _ in range(600):
                    try:
                        http.client.HTTPConnection("127.0.0.1", port, timeout=2).request(
                            "GET", "/healthz"
                        )
                        break
                    except OSError:
                        if server.poll() is not None:
                            log = (Path(var) / "server.log").read_text()[-2000:]
                            raise RuntimeError(log) from None
                        time.sleep(0.5)
                time.sleep(1.0)
                load_before = os.getloadavg()
                cpu_before = _cpu(server.pid)
                figures = _locust(port, users, args.run_time, seed_path, run_dir / "locust", think)
                cpu_after = _cpu(server.pid)
                load_after = os.getloadavg()
                n = max(figures["requests"], 1.0)
                figures["web_ms"] = _cpu_used(cpu_before, cpu_after, "web") / n * 1000
                figures["db_ms"] = _cpu_used(cpu_before, cpu_after, "db") / n * 1000
                check_path = run_dir / "check.json"
                subprocess.run(
                    [PY, __file__, "check", "0", str(check_path)], env=server_env, check=True
                )
                stored = json.loads(check_path.read_text())
                client = json.loads((run_dir / "locust.accepted.json").read_text())
                verdict = judge(stored, client["accepted"], client["sent"])
                distinct = {s: len(set(toks)) for s, (toks, _last) in client["accepted"].items()}
                results.append((users, figures, len(distinct), sum(distinct.values()), verdict))
                runs.append((cache_url, think, load_before, load_after))
                print(cache_url, think, users, figures, verdict, flush=True)
            server.terminate()
            server.wait(timeout=30)
            server = None
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if db:
            _psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")

    where = (
        "the city profile (a bench school, its parents and window added to a loaded "
        "`junheng demo --profile city` database: 603 schools, ~1M students)"
        if city
        else "a scratch database holding only the bench school (not the city)"
    )
    table = "\n".join(
        f"| {_think(think)} | {u} | {f['requests']:.0f} | {f['rps']:.0f} | {f['p50']:.0f} | "
        f"{f['p99']:.0f} | {f['max']:.0f} | {f['failures']:.0f} | "
        f"{f.get('web_ms', 0):.1f} / {f.get('db_ms', 0):.1f} | {n} ({forms} forms) | "
        f"{v['unanswered']} | {v['duplicates']} / {v['wrong']} | "
        f"{'yes' if v['exact'] else 'at most once' if v['at_most_once'] else 'NO'} | "
        f"{_load(before)} → {_load(after)} |"
        for (u, f, n, forms, v), (_c, think, before, after) in zip(results, runs, strict=True)
    )
    body = f"""
Command: `.venv/bin/python benchmarks/bench_choice_load.py --users {" ".join(map(str, args.users))}
--run-time {args.run_time} --think {" ".join(args.think)}` — locust {_locust_version()} headless
(FastHttpUser), each run {args.run_time} s (users finish the parent in hand), against gunicorn
(`junheng serve`, {args.workers} workers × 4 threads) on PostgreSQL 15 over loopback, on {where}.
Client (locust), server and database share the 2-core machine; the load average (`uptime`) at
the start and end of each run is in the last column (above 2 means other work was running too).

Each simulated parent: GET the rank page, POST a 3-choice ranking, POST the same form again
(double tap), GET again, POST a changed 2-choice ranking. **Reading time:** with "none" a user
sends its next request the moment the answer comes (a closed loop: the most the server can
answer; by Little's law its mean latency is then users ÷ throughput, so at 200 users even 150
requests/s means ~1.3 s); with "a–b s" each parent reads the page for a uniformly drawn a to b
seconds before each form (not between the double tap's two posts), as real parents do: 200
such parents offer roughly the goal's 150 requests/s.

| reading time | users | requests | requests/s | p50 ms | p99 ms | max ms | failures | CPU ms per request: server / database | parents with an accepted form | forms left unanswered | stored twice / wrong | every submission stored exactly once | load (`uptime`) |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|
{table}

Goal: 150 requests/s with p99 under 1 s. "Exactly once": for every parent, one ranking whose
version equals the number of distinct forms accepted (the double tap changed nothing) and whose
choices are the last form's. A form left unanswered (the run stopped while it was in flight:
locust ends a user still waiting after `--stop-timeout`) may or may not have been stored; it
is counted apart, and "stored twice / wrong" counts a version above the forms sent or choices
no form had. "at most once" in the last column: no form stored twice, but some answers were
never read.
"""
    if args.county:
        _write_county(args, results, runs)
        return
    write_section("choice_load", "Choice page under load, locust (issues 5 and 12)", body)
    print(body)


def _write_county(
    args: argparse.Namespace,
    results: list[Any],
    runs: list[tuple[str, str, tuple[float, ...], tuple[float, ...]]],
) -> None:
    """The county's figures, a row per cache, reading time and user count, in their own
    section."""

    table = "\n".join(
        f"| `{cache}` | {_think(think)} | {u} | {f['requests']:.0f} | {f['rps']:.0f} | {f['p50']:.0f} | "
        f"{f['p99']:.0f} | {f['max']:.0f} | {f['failures']:.0f} | "
        f"{f.get('web_ms', 0):.1f} / {f.get('db_ms', 0):.1f} | {n} ({forms} forms) | "
        f"{v['unanswered']} | {v['duplicates']} / {v['wrong']} | "
        f"{'yes' if v['exact'] else 'at most once' if v['at_most_once'] else 'NO'} | "
        f"{_load(before)} → {_load(after)} |"
        for (u, f, n, forms, v), (cache, think, before, after) in zip(results, runs, strict=True)
    )
    body = f"""
**The demo COUNTY, not the city**: the bench school, its {args.parents} parents and an open
window added to a loaded `junheng demo` database on PostgreSQL 15 (40 schools, ~45,000 students;
the city's figures are in the section above). Command: `BENCH_CITY_DATABASE_URL=…/
exports_county .venv/bin/python benchmarks/bench_choice_load.py --county --users
{" ".join(map(str, args.users))} --run-time {args.run_time} --caches {
        " ".join(dict.fromkeys(c for c, *_r in runs))
    } --think {" ".join(args.think)}` — locust {_locust_version()} headless, each run {
        args.run_time
    } s
(users finish the parent in hand), against gunicorn (`junheng serve`, {args.workers} workers ×
4 threads) over loopback, one fresh server per shared cache (`CACHE_URL`). Client, server and
database share the 2-core machine (load average at the start and end of each run in the last
column: above 2 means other work was running too).

Each simulated parent: GET the rank page, POST a 3-choice ranking, POST the same form again
(double tap), GET again, POST a changed 2-choice ranking. "Exactly once" as in the city section.

| cache | reading time | users | requests | requests/s | p50 ms | p99 ms | max ms | failures | CPU ms per request: server / database | parents with an accepted form | forms left unanswered | stored twice / wrong | every submission stored exactly once | load (`uptime`) |
|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|
{table}

Goal: 150 requests/s with p99 under 1 s. Reading time as in the city section.
"""
    write_section(
        "choice_load_county", "Choice page under load, locust, demo county, shared cache", body
    )
    print(body)


def _load(la: tuple[float, ...]) -> str:
    return ", ".join(f"{x:.2f}" for x in la)


def _think(think: str) -> str:
    return "none" if float(think.split("-")[-1]) <= 0 else f"{think.replace('-', '–')} s"


def _locust_version() -> str:
    out = subprocess.run([LOCUST, "--version"], capture_output=True, text=True, check=False)
    return out.stdout.split()[1] if out.stdout else "?"


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        seed(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1:2] == ["check"]:
        check(sys.argv[3])
    else:
        main(sys.argv[1:])
