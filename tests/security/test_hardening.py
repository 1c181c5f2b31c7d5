"""Login lockout, registration limits, formula payloads in every export, the CSP, the deploy
check, the secret key refusal and the read-only admin; figures go to docs/security.md."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from tests.security.conftest import FIGURES

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = ('=HYPERLINK("http://x","click")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)")


@pytest.mark.django_db
def test_lockout_after_n_wrong_passwords_even_with_the_right_one(django_user_model, settings):
    django_user_model.objects.create_user("locky", password="right-password-1", role="parent")
    c = Client()
    limit = settings.AXES_FAILURE_LIMIT
    for i in range(limit):
        r = c.post(reverse("login"), {"username": "locky", "password": f"wrong-{i}"})
        FIGURES["wrong passwords tried"] += 1
        if i < limit - 1:
            assert r.status_code == 200
            assert f"再输错 {limit - 1 - i} 次" in r.content.decode()
    r = c.post(reverse("login"), {"username": "locky", "password": "right-password-1"})
    assert r.status_code == 429
    assert "已被暂时锁定 15 分钟" in r.content.decode()
    assert "_auth_user_id" not in c.session
    FIGURES["lockout after N failures (N)"] = limit
    # Another user logs in from the same address meanwhile (a school behind one NAT address).
    django_user_model.objects.create_user("neighbour", password="right-password-2", role="parent")
    r = c.post(reverse("login"), {"username": "neighbour", "password": "right-password-2"})
    assert r.status_code == 302


@pytest.mark.django_db
def test_one_address_spraying_many_usernames_is_stopped(settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    c = Client()
    for i in range(3):
        c.post(reverse("login"), {"username": f"user{i}", "password": "123456"})
    r = c.post(reverse("login"), {"username": "user9", "password": "123456"})
    assert "来自您所在网络的登录失败次数过多" in r.content.decode()


@pytest.mark.django_db
def test_provider_registration_is_rate_limited_per_address(settings):
    settings.REGISTRATION_LIMIT_PER_HOUR = 1
    c = Client()
    codes = [c.post(reverse("afterschool:register"), {}).status_code for _ in range(11)]
    FIGURES["registration attempts tried (limit 1/h, 10 attempts/h)"] = len(codes)
    assert codes[:10] == [200] * 10 and codes[10] == 429


def _xlsx_cells(data):
    book = openpyxl.load_workbook(io.BytesIO(data))
    for ws in book.worksheets:
        for row in ws.iter_rows():
            yield from row


@pytest.mark.django_db
def test_formula_payloads_are_neutralised_in_every_export(world):
    """Payloads in every name a user can type (provider, course, school, student, teacher),
    then every export URL of the site downloaded by the bureau and the urban school."""
    from junheng.afterschool.models import Course, Provider
    from junheng.region.models import School, Student, Teacher
    from tests.security.test_crawl import _urls

    for i, p in enumerate(Provider.objects.all()):
        Provider.objects.filter(pk=p.pk).update(name=f"{PAYLOADS[i % len(PAYLOADS)]}{i}")
    for i, c in enumerate(Course.objects.all()):
        Course.objects.filter(pk=c.pk).update(title=f"{PAYLOADS[(i + 1) % len(PAYLOADS)]}{i}")
    School.objects.update(name='=HYPERLINK("http://x","click")')
    Student.objects.filter(pk__in=Student.objects.order_by("pk")[:50]).update(
        name="=cmd|' /C calc'!A0"
    )
    Teacher.objects.update(name="@SUM(A1:A9)")
    exports = [
        (n, u)
        for n, u in _urls(world)
        if (u.endswith((".xlsx", ".csv")) or n in {"enrolment:settlement", "enrolment:bills"})
        and not n.startswith("admin:")
    ]
    files = neutralised = 0
    for role in ("bureau", "school_urban", "parent"):
        c = Client()
        c.force_login(world[role])
        for name, url in exports:
            if name in {"enrolment:settlement", "enrolment:bills"}:
                url += "?format=xlsx"
            r = c.get(url)
            if r.status_code != 200:
                continue
            data = b"".join(r.streaming_content) if r.streaming else r.content
            if data[:2] == b"PK":
                files += 1
                for cell in _xlsx_cells(data):
                    assert cell.data_type != "f", (name, cell.coordinate, cell.value)
                    if isinstance(cell.value, str) and cell.value[:1] in "=+-@\t\r":
                        assert cell.quotePrefix, (name, cell.coordinate, cell.value)
                        neutralised += 1
                with zipfile.ZipFile(io.BytesIO(data)) as z:
                    assert not any(b"<f>" in z.read(n) for n in z.namelist()), name
            elif "csv" in r["Content-Type"]:
                files += 1
                text = data.decode("utf-8-sig")
                for field in re.split(r"[,\r\n]+", text):
                    assert not field.startswith(("=", "+", "@")), (name, field)
                neutralised += text.count(",'=") + text.count(",'@") + text.count(",'+")
    FIGURES["export files downloaded with payloads"] = files
    FIGURES["formula cells neutralised"] = neutralised
    assert files >= 5 and neutralised > 0


def test_no_template_has_inline_script_handler_or_style():
    bad = []
    for path in (ROOT / "src" / "junheng").rglob("*.html"):
        text = path.read_text()
        for m in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=|\sstyle=\"|<style", text):
            bad.append(f"{path.relative_to(ROOT)}: {m.group(0)}")
    FIGURES["templates checked for inline script/handlers/styles"] = len(
        list((ROOT / "src" / "junheng").rglob("*.html"))
    )
    assert bad == []


@pytest.mark.django_db
def test_every_page_carries_a_strict_content_security_policy(client):
    r = client.get(reverse("login"))
    csp = r["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp


def _env(**extra):
    drop = {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONPATH"] = str(ROOT / "src")
    env.update(extra)
    return env


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k9$Qv2-production-secret-for-the-deploy-check-1234567890abcdefXYZ",
    "JUNHENG_HTTPS": "1",
    "ALLOWED_HOSTS": "junheng.example.cn",
}


def test_check_deploy_with_production_variables_prints_no_warning(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "junheng.cli", "manage", "check", "--deploy"],
        capture_output=True,
        text=True,
        env=_env(**PRODUCTION, DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3"),
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout + proc.stderr
    assert "System check identified no issues" in out and "WARNING" not in out


def test_https_switch_turns_on_redirect_hsts_and_secure_cookies(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS >= 31536000)"
    )
    run = [sys.executable, "-c", f"import django;django.setup();{code}"]
    on = subprocess.run(
        run,
        capture_output=True,
        text=True,
        check=True,
        env=_env(
            DJANGO_SETTINGS_MODULE="junheng.config.settings",
            JUNHENG_HTTPS="1",
            JUNHENG_VAR=str(tmp_path),
        ),
    )
    off = subprocess.run(
        run,
        capture_output=True,
        text=True,
        check=True,
        env=_env(DJANGO_SETTINGS_MODULE="junheng.config.settings", JUNHENG_VAR=str(tmp_path)),
    )
    assert on.stdout.split() == ["True"] * 4
    assert off.stdout.split() == ["False"] * 4


def test_serve_refuses_the_built_in_secret_key_outside_the_demo_database(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "junheng.cli", "serve", "--no-collectstatic"],
        capture_output=True,
        text=True,
        env=_env(
            DATABASE_URL="postgres://postgres@127.0.0.1:5432/nowhere", JUNHENG_VAR=str(tmp_path)
        ),
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "refusing to serve a real database with the built-in SECRET_KEY" in proc.stderr


@pytest.mark.django_db
def test_admin_cannot_change_what_actions_own_and_hides_unrevealed_seeds(world):
    from junheng.afterschool.models import Offering
    from junheng.placement.models import Placement

    c = Client()
    c.force_login(world["bureau"])  # the demo bureau is even a superuser
    offering = Offering.objects.order_by("pk").first()
    url = reverse("admin:afterschool_offering_change", args=[offering.pk])
    page = c.get(url)
    assert page.status_code == 200 and 'name="seats"' not in page.content.decode()
    r = c.post(url, {"seats": 999, "status": "cancelled"})
    assert r.status_code == 403
    offering.refresh_from_db()
    assert offering.seats != 999
    for name in ("enrolment_drawadjustment", "accounts_auditlog", "afterschool_offering"):
        assert c.get(reverse(f"admin:{name}_add")).status_code == 403, name
    p = Placement.objects.exclude(seed="").exclude(status="published").first()
    if p is not None:
        html = c.get(reverse("admin:placement_placement_change", args=[p.pk])).content.decode()
        assert p.seed not in html


@pytest.mark.django_db
def test_a_bureau_admin_who_is_not_superuser_has_per_model_permissions(django_user_model):
    u = django_user_model.objects.create_user("bureau2", password="x-Y-z-123456", role="bureau")
    assert u.has_perm("region.change_school") and u.has_perm("enrolment.add_subsidyrule")
    assert u.has_perm("afterschool.view_offering")
    assert not u.has_perm("afterschool.change_offering")
    assert not u.has_perm("enrolment.delete_drawadjustment")
    assert not u.has_perm("accounts.add_auditlog") and not u.has_perm("auth.change_group")


@pytest.mark.django_db
def test_staff_student_list_api_is_audited(world):
    from junheng.accounts.models import AuditLog

    c = Client()
    c.force_login(world["school_urban"])
    n = len(c.get("/api/region/students").json())
    log = AuditLog.objects.filter(action="view_students", actor=world["school_urban"]).latest("at")
    assert log.detail["via"] == "api" and log.detail["shown"] == n > 0
