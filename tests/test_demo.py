"""`junheng demo`: the county loads into a fresh database with one demo account per role."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction

from junheng.commands.demo import DEMO_PASSWORD, DEMO_SEED, accounts_table

ROOT = Path(__file__).resolve().parent.parent
JUNHENG = ROOT / ".venv" / "bin" / "junheng"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The real demo county loaded once for this module, rolled back afterwards."""
    from junheng.region.demo import create_accounts, load_region
    from junheng.synth import generate

    region = generate("county", DEMO_SEED)
    with django_db_blocker.unblock(), transaction.atomic():
        county = load_region(region, out=io.StringIO())
        accounts = create_accounts(region, county, DEMO_PASSWORD)
        yield region, county, accounts
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_demo_loads_every_school_teacher_student_and_class(demo):
    from junheng.region.models import School, SchoolClass, Student, Teacher, Term, TimeSlot

    region, county, _ = demo
    assert School.objects.filter(county=county).count() == len(region.schools)
    assert Teacher.objects.count() == len(region.teachers)
    assert Student.objects.count() == len(region.students)
    assert not Student.objects.filter(school_class__isnull=True).exists()
    # the class a student sits in is in their own school and grade
    s = Student.objects.select_related("school_class").order_by("code").first()
    assert s.school_class.school_id == s.school_id and s.school_class.grade == s.grade
    n_classes = region.students[["school_idx", "grade", "class_number"]].drop_duplicates()
    assert SchoolClass.objects.count() == len(n_classes)
    assert Term.objects.filter(is_current=True).count() == 1
    codes = sorted(t.code for t in TimeSlot.objects.all())
    assert codes == sorted(f"{d}-{k}" for d in ("mon", "tue", "wed", "thu", "fri") for k in (1, 2))
    slot = TimeSlot.objects.get(weekday=1, period=1)
    assert slot.start.strftime("%H:%M") == "15:40" and slot.end.strftime("%H:%M") == "16:40"
    nine = School.objects.filter(level="nine_year")
    assert nine.count() >= 2


@pytest.mark.django_db
def test_demo_creates_one_account_per_role_linked_to_fitting_rows(demo):
    from junheng.accounts.models import Role, User

    region, _, accounts = demo
    users = {u.username: u for u in User.objects.all()}
    assert {a.username for a in accounts} == set(users)
    assert {u.role for u in users.values()} >= {Role.BUREAU, Role.SCHOOL, Role.PARENT, Role.TEACHER}
    for u in users.values():
        assert u.check_password(DEMO_PASSWORD)
    assert users["bureau"].is_staff and users["bureau"].is_superuser
    urban = users["school_urban"].school
    rural = users["school_rural"].school
    assert urban.urban_rural == "urban" and rural.urban_rural == "rural"
    assert urban.students.count() > 5 * rural.students.count()
    kids = [g.student for g in users["parent"].guardianships.all()]
    assert len(kids) == 2
    assert {k.school_id for k in kids} == {rural.pk}
    assert kids[0].grade != kids[1].grade
    assert kids[0].name[0] == kids[1].name[0]  # siblings share a surname
    assert users["parent2"].guardianships.count() == 1
    teacher = users["teacher"].teacher
    assert teacher is not None and teacher.years_at_school >= 6


@pytest.mark.django_db
def test_parent_sees_only_own_children_in_the_demo(demo):
    from junheng.accounts import scoping
    from junheng.accounts.models import User

    parent = User.objects.get(username="parent")
    assert scoping.students_for(parent).count() == 2
    school_admin = User.objects.get(username="school_rural")
    assert scoping.students_for(school_admin).count() == school_admin.school.students.count()


@pytest.mark.django_db
def test_every_demo_account_logs_in_and_sees_its_home_page(demo, client):
    for username in ("bureau", "school_urban", "school_rural", "parent", "parent2", "teacher"):
        assert client.login(username=username, password=DEMO_PASSWORD), username
        response = client.get("/")
        assert response.status_code == 200, username
        client.logout()


def test_accounts_table_aligns_chinese_text():
    from junheng.commands.demo import _width

    text = accounts_table([("bureau", "pw", "教育局管理员", "试试"), ("p", "pw", "家长", "看看")])
    lines = text.splitlines()
    assert lines[0].startswith("username")
    # the "what to try" column starts at the same display column on every row
    starts = {
        _width(lines[2][: lines[2].index("试试")]),
        _width(lines[3][: lines[3].index("看看")]),
    }
    assert len(starts) == 1


def _env(tmp_path, **extra):
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["JUNHENG_VAR"] = str(tmp_path)
    env.update(extra)
    return env


def test_demo_command_builds_a_fresh_sqlite_database_and_prints_the_accounts(tmp_path):
    stale = tmp_path / "junheng.sqlite3"
    stale.write_bytes(b"not a database")
    proc = subprocess.run(
        [str(JUNHENG), "demo"],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    for username in ("bureau", "school_urban", "school_rural", "parent", "parent2", "teacher"):
        assert username in proc.stdout
    assert DEMO_PASSWORD in proc.stdout
    assert "http://127.0.0.1:" in proc.stdout
    with sqlite3.connect(stale) as db:
        (n_students,) = db.execute("select count(*) from region_student").fetchone()
        roles = {r for (r,) in db.execute("select distinct role from accounts_user")}
        kept = {k for (k,) in db.execute("select cache_key from junheng_cache")}
    assert 40_000 <= n_students <= 50_000
    assert {"bureau", "school", "parent", "teacher"} <= roles
    # the pages' region counts are kept: the first bureau home page does not count them
    assert any(k.endswith("junheng:region:glance") for k in kept), kept


def test_demo_refuses_to_wipe_a_non_sqlite_database_without_force(tmp_path):
    proc = subprocess.run(
        [str(JUNHENG), "demo"],
        capture_output=True,
        text=True,
        env=_env(tmp_path, DATABASE_URL="postgres://nobody:secret@127.0.0.1:1/junheng"),
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0
    assert "--force" in proc.stderr
    assert not (tmp_path / "junheng.sqlite3").exists()


def test_demo_command_is_registered():
    proc = subprocess.run(
        [sys.executable, "-m", "junheng.cli", "demo", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0
    assert "--force" in proc.stdout
