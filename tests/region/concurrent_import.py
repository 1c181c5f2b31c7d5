"""Run by test_import_concurrency.py in a child process on a SQLite *file* database (the
settings' WAL mode and busy timeout, as in production): a 50,000-row student import, dry run
then for real, in one thread while another logs in and opens the home page over and over.

    DATABASE_URL=sqlite:///db.sqlite3 python tests/region/concurrent_import.py ROWS OUT.json

Writes a JSON summary: the import reports, every login's outcome and timing.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import threading
import time
import traceback


def main(rows: int, out: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "junheng.config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.test import Client

    from junheng.accounts.models import User
    from junheng.region import actions
    from junheng.region.models import County, School

    county = County.objects.create(code="330424", name="海盐县")
    School.objects.create(
        code="S01", name="城关小学", county=county, level="primary", urban_rural="urban"
    )
    bureau = User.objects.create_user("bureau", password="pw-bureau-2026", role="bureau")
    User.objects.create_user("clerk", password="pw-clerk-2026", role="bureau")

    text = io.StringIO()
    w = csv.writer(text)
    w.writerow(["学生编码", "姓名", "性别", "学校代码", "年级", "班号"])
    for i in range(rows):
        w.writerow([f"P{i:07d}", f"学生{i}", "MF"[i % 2], "S01", i % 6 + 1, i % 10 + 1])
    data = text.getvalue().encode()

    journal = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
    # One login first, so the first timed one does not also pay for loading every view module
    # (in production the web process has long been warm when an import runs).
    warm = Client()
    warm.post("/login/", {"username": "clerk", "password": "pw-clerk-2026"})
    warm.get("/")
    phases: list[dict[str, object]] = []
    done = threading.Event()

    def run_imports() -> None:
        try:
            for dry_run in (True, False):
                t0 = time.monotonic()
                report = actions.import_rows(
                    "students", data, filename="s.csv", by=bureau, dry_run=dry_run
                )
                phases.append(
                    {
                        "dry_run": dry_run,
                        "start": t0,
                        "end": time.monotonic(),
                        "ok": report.ok,
                        "saved": report.saved,
                        "created": report.created,
                        "errors": [str(e) for e in report.errors[:5]],
                    }
                )
        except Exception:  # noqa: BLE001 - reported to the test
            phases.append({"exception": traceback.format_exc()})
        finally:
            connection.close()
            done.set()

    logins: list[dict[str, object]] = []

    def log_in_repeatedly() -> None:
        while not done.is_set():
            t0 = time.monotonic()
            entry: dict[str, object] = {"start": t0}
            try:
                c = Client()
                r = c.post("/login/", {"username": "clerk", "password": "pw-clerk-2026"})
                entry["login"] = r.status_code
                entry["home"] = c.get("/").status_code
            except Exception as exc:  # noqa: BLE001 - "database is locked" is the failure
                entry["error"] = f"{type(exc).__name__}: {exc}"
            entry["seconds"] = time.monotonic() - t0
            logins.append(entry)
            time.sleep(0.05)
        connection.close()

    importer = threading.Thread(target=run_imports)
    user = threading.Thread(target=log_in_repeatedly)
    importer.start()
    user.start()
    importer.join()
    user.join()
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"journal_mode": journal, "phases": phases, "logins": logins}, fh)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
