"""`fresh_schema.create_schema` (what `junheng demo` builds its fresh database with) leaves the
same database as `migrate`: every table, column, index and constraint, the rows migrate writes
(migration records, content types, permissions) and the id sequences — on SQLite and, when the
suite runs on it, PostgreSQL. So a demo database upgrades with a later release's migrations
like a migrated one."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

# Run in a fresh process on the DATABASE_URL it is given: build the schema one way or the other,
# then print what introspection says of every table, and the rows and sequences migrate leaves.
DESCRIBE = r"""
import json, os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "junheng.config.settings"
import django
django.setup()
from django.core.management import call_command
from django.db import connection
if sys.argv[1] == "migrate":
    call_command("migrate", interactive=False, verbosity=0)
else:
    from junheng.fresh_schema import create_schema
    create_schema()
intro = connection.introspection
out = {"tables": {}}
with connection.cursor() as cur:
    for table in sorted(intro.table_names(cur)):
        columns = [
            [c.name, str(c.type_code), c.null_ok, c.default, getattr(c, "pk", None),
             c.internal_size, c.precision, c.scale, c.collation]
            for c in intro.get_table_description(cur, table)
        ]
        constraints = {name: {k: (sorted(v) if k == "columns" and c.get("check") else v)
                              for k, v in c.items()}
                       for name, c in intro.get_constraints(cur, table).items()}
        cur.execute("SELECT COUNT(*) FROM " + connection.ops.quote_name(table))
        out["tables"][table] = {"columns": columns, "constraints": constraints,
                                "rows": cur.fetchone()[0]}
    cur.execute("SELECT id, app, name FROM django_migrations ORDER BY id")
    out["migrations"] = cur.fetchall()
    cur.execute("SELECT id, app_label, model FROM django_content_type ORDER BY id")
    out["content_types"] = cur.fetchall()
    cur.execute("SELECT id, content_type_id, codename, name FROM auth_permission ORDER BY id")
    out["permissions"] = cur.fetchall()
    if connection.vendor == "sqlite":  # a remade table's entry is 0: the same next id
        cur.execute("SELECT name, seq FROM sqlite_sequence WHERE seq <> 0 ORDER BY name")
    else:
        cur.execute("SELECT sequencename, last_value FROM pg_sequences ORDER BY sequencename")
    out["sequences"] = cur.fetchall()
print(json.dumps(out, default=str))
"""

# SQLite's introspection names its unnamed constraints by position (fk_0, …): compare by content
SYNTHETIC = re.compile(r"^(fk_\d+|__unnamed_constraint_\d+__|__primary__)$")


def describe(how: str, database_url: str, var: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(DATABASE_URL=database_url, JUNHENG_VAR=str(var))
    proc = subprocess.run(
        [sys.executable, "-c", DESCRIBE, how],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def comparable(schema: dict, *, column_order: bool) -> dict:
    tables = {}
    for name, t in schema["tables"].items():
        columns = t["columns"] if column_order else sorted(t["columns"])
        constraints = sorted(
            json.dumps([None if SYNTHETIC.match(k) else k, c], sort_keys=True)
            for k, c in t["constraints"].items()
        )
        tables[name] = {"columns": columns, "constraints": constraints, "rows": t["rows"]}
    return {**schema, "tables": tables}


def assert_same(migrated: dict, fresh: dict, *, column_order: bool) -> None:
    a = comparable(migrated, column_order=column_order)
    b = comparable(fresh, column_order=column_order)
    assert sorted(a["tables"]) == sorted(b["tables"])
    for table in a["tables"]:
        assert a["tables"][table] == b["tables"][table], table
    assert a == b
    assert len(a["migrations"]) > 50
    assert len(a["permissions"]) > 100


def test_fresh_schema_equals_the_migrated_one_on_sqlite(tmp_path):
    dbs = {}
    for how in ("migrate", "fresh"):
        (tmp_path / how).mkdir()
        dbs[how] = describe(how, f"sqlite:///{tmp_path / how / 'db.sqlite3'}", tmp_path / how)
    # SQLite remakes a table to alter a column and puts that column last: a migrated table's
    # columns may stand in another order (nothing depends on it: every query names its columns)
    assert_same(dbs["migrate"], dbs["fresh"], column_order=False)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the suite runs on SQLite")
def test_fresh_schema_equals_the_migrated_one_on_postgresql(tmp_path):
    import psycopg

    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    server = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    names = {how: f"{s['NAME']}_schema_{how}" for how in ("migrate", "fresh")}
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        for name in names.values():
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            dbs = {how: describe(how, f"{server}/{name}", tmp_path) for how, name in names.items()}
        finally:
            for name in names.values():
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    assert_same(dbs["migrate"], dbs["fresh"], column_order=True)


def test_fresh_schema_refuses_a_database_with_tables(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", DESCRIBE + "\ncreate_schema()\n", "fresh"],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert proc.returncode != 0
    assert "is not empty: run migrate" in proc.stderr


def test_junheng_migrate_creates_an_empty_database_then_migrates_it(tmp_path):
    """`make install`'s step: the one-step schema on a fresh file, `migrate` on a second run,
    and nothing left unapplied either way."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    cli = [sys.executable, "-m", "junheng.cli"]

    def junheng(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*cli, *args], env=env, capture_output=True, text=True, check=True, cwd=tmp_path
        )

    assert junheng("migrate").stderr.strip().endswith(": created")
    assert junheng("migrate").stderr.strip().endswith(": migrated")
    plan = junheng("manage", "showmigrations", "--plan").stdout
    assert "[X]" in plan and "[ ]" not in plan
