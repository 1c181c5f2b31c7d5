"""A 50,000-row import never makes another user's login fail (SQLite: WAL and a busy timeout;
the rows are checked with no write lock held, then written in chunks of short transactions
with a pause after each in which waiting writers take their turn: region/batches.py).

Regression for issue 12: a dry run of such a file held SQLite's write lock for 47 s and a
concurrent login failed with "database is locked".
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
ROWS = 50_000


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_logins_succeed_throughout_a_50000_row_import(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's single-writer lock is what this guards; PostgreSQL has row locks")
    db = tmp_path / "junheng.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(db)
    connection.connection.backup(target)  # the migrated test schema, as a file
    target.close()
    out = tmp_path / "result.json"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "JUNHENG_VAR": str(tmp_path),
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "DJANGO_SETTINGS_MODULE": "junheng.config.test_settings",
    }
    subprocess.run(
        [sys.executable, str(Path(__file__).with_name("concurrent_import.py")), str(ROWS), out],
        env=env,
        check=True,
        timeout=540,
    )
    result = json.loads(out.read_text())
    assert result["journal_mode"] == "wal"
    dry, real = result["phases"]
    assert (dry["dry_run"], dry["ok"], dry["saved"], dry["created"]) == (True, True, False, ROWS)
    assert (real["dry_run"], real["ok"], real["saved"], real["created"]) == (
        False,
        True,
        True,
        ROWS,
    )

    logins = result["logins"]
    failed = [e for e in logins if "error" in e or e.get("login") != 302 or e.get("home") != 200]
    assert failed == []
    # The logins really overlapped both imports (a few each, at the very least).
    during_dry = [e for e in logins if dry["start"] <= e["start"] <= dry["end"]]
    during_real = [e for e in logins if real["start"] <= e["start"] <= real["end"]]
    assert len(during_dry) >= 3 and len(during_real) >= 1
