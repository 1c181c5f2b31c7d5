"""`junheng demo`: a fresh demo database with the county profile and demo accounts (演示).

Deletes and recreates the SQLite database (refuses a non-SQLite `DATABASE_URL` unless
`--force`, which then empties it with `flush` after migrating it), builds the fresh database's
schema in one step (`junheng.fresh_schema`: what `migrate` builds, without replaying 76
migrations), loads the synthetic county
(seed "junheng-demo") with bulk inserts, creates one account per role, lets every app add its
own demo data and accounts (`junheng.<app>.demo.load(ctx)`), and prints the accounts table.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path
from typing import Any

from junheng.synth import PROFILES

DEMO_SEED = "junheng-demo"
DEMO_PASSWORD = "junheng2026"  # noqa: S105  (printed on purpose: demo accounts only)
APPS = (
    "afterschool",
    "enrolment",
    "balance",
    "placement",
    "rotation",
    "quotas",
    "places",
    "communities",
    "portraits",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", default=DEMO_SEED, help="synthetic region seed")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="county")
    parser.add_argument("--password", default=DEMO_PASSWORD, help="password of every demo account")
    parser.add_argument(
        "--force", action="store_true", help="also wipe a non-SQLite database (DATABASE_URL)"
    )


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def accounts_table(rows: list[tuple[str, str, str, str]]) -> str:
    head = ("username", "password", "role / 角色", "what to try / 试试看")
    table = [head, *rows]
    widths = [max(_width(r[i]) for r in table) for i in range(3)]
    lines = []
    for k, r in enumerate(table):
        lines.append("  ".join(_pad(r[i], widths[i]) for i in range(3)) + "  " + r[3])
        if k == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 20)
    return "\n".join(lines)


def _fresh_database(force: bool) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from junheng.fresh_schema import create_or_migrate, create_schema

    db = settings.DATABASES["default"]
    connections.close_all()
    if db["ENGINE"].endswith("sqlite3"):
        path = Path(str(db["NAME"]))
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            p.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        create_schema()
        return
    if not force:
        print(
            f"junheng demo: refusing to wipe the {db['ENGINE'].rsplit('.', 1)[-1]} database "
            f"{db.get('NAME')!r} (DATABASE_URL); run with --force to empty it and load the demo",
            file=sys.stderr,
        )
        raise SystemExit(1)
    if create_or_migrate() == "migrated":  # an empty database (createdb) was created instead
        call_command("flush", interactive=False, verbosity=0)


def load_demo(
    profile: str, seed: str, password: str, err: Any, apps: tuple[str, ...] = APPS
) -> tuple[Any, Any, list[tuple[str, str, str]]]:
    """Load the synthetic region and every app's demo data into the current database.

    Returns (region, county, [(username, role, note)]). Used by `run` and the browser test
    that logs in with every demo account. `apps` limits the apps whose demo data are added
    (tests that need only some of them skip the rest: the portraits' 1.7 M records take most
    of the load time).
    """
    from junheng.jobs.actions import run_inline

    with run_inline():  # the demo's draws and runs are computed now, not left to a worker
        loaded = _load(profile, seed, password, err, apps)
    _analyze(err)
    _keep_page_counts(err)
    return loaded


def _keep_page_counts(err: Any) -> None:
    """Count the pages' whole-region aggregates now (`junheng.kept`), so that the first page
    view after the load does not: the bureau's home page would count the city's million
    students itself (0.4-1 s) when nothing is kept and no worker has ticked yet."""
    from junheng import kept

    if kept.keep_seconds() <= 0:
        return
    err.write("junheng demo: counting the pages' region counts…\n")
    kept.refresh_page_counts()


def _analyze(err: Any) -> None:
    """Refresh PostgreSQL's planner statistics after the bulk load. Without them (a server
    with autovacuum off, or before autovacuum comes round) the planner takes the freshly
    filled tables for empty: on the city, the parent's course page took 350 ms of queries
    instead of 40, the school list's page 5 half a second."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    err.write("junheng demo: ANALYZE…\n")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def _load(
    profile: str, seed: str, password: str, err: Any, apps: tuple[str, ...] = APPS
) -> tuple[Any, Any, list[tuple[str, str, str]]]:
    from junheng.region.demo import DemoContext, create_accounts, load_region
    from junheng.synth import generate

    region = generate(profile, seed)
    county = load_region(region, out=err)
    accounts = [(a.username, a.role, a.note) for a in create_accounts(region, county, password)]
    ctx = DemoContext(region=region, county=county, out=err, password=password)
    for app in apps:
        name = f"junheng.{app}.demo"
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        load = getattr(module, "load", None)
        if load is None:
            continue
        err.write(f"junheng demo: {app}…\n")
        for role, username, note in load(ctx):
            accounts.append((username, role, note))
    return region, county, accounts


@contextmanager
def _bulk_sqlite() -> Iterator[None]:
    """While the demo fills its fresh SQLite file: the rollback journal in memory (rollbacks
    still work) and no fsync (`synchronous=OFF`; a crash mid-load leaves a broken file, which
    the next `junheng demo` deletes anyway), a 256 MiB page cache. Then the file goes back to
    WAL and the settings' synchronous=NORMAL, as every other connection opens it."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA journal_mode = MEMORY")
        cur.execute("PRAGMA synchronous = OFF")
        cur.execute("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute("PRAGMA cache_size = -2000")  # SQLite's default
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")


def run(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    err = sys.stderr
    err.write("junheng demo: fresh database, schema…\n")
    _fresh_database(args.force)
    err.write(f"junheng demo: synthetic {args.profile} (seed {args.seed!r})…\n")
    with _bulk_sqlite():
        region, county, accounts = load_demo(args.profile, args.seed, args.password, err)
    err.write(f"junheng demo: loaded in {time.perf_counter() - t0:.1f} s\n")
    rows = [(u, args.password, role, note) for u, role, note in accounts]
    port = os.environ.get("PORT", "8000")
    print(
        f"\n均衡 junheng demo — {county.name}: {len(region.schools)} schools, "
        f"{len(region.students)} students, {len(region.teachers)} teachers\n"
    )
    print(accounts_table(rows))
    print(f"\nOpen http://127.0.0.1:{port}/ and log in with any account above.", flush=True)
