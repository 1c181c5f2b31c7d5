"""The foundation's permission matrix, and what each role's lists contain.

Every role (anonymous, bureau, school admin A, school admin B, provider, parent, teacher) tries
every foundation page and API object. Pages a role may not use at all answer 403; objects
outside a role's scope answer 404 (their existence does not leak); anonymous users are sent
to the login page (302) or, on the API, get 401.
"""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from tests.accounts.matrix import (
    ANY_USER,
    API_ANY_USER,
    BUREAU_ONLY,
    ROLES,
    SCHOOL_A,
    SCHOOL_B,
    STAFF,
    Case,
    expect,
    run_case,
)


def school_a(r):
    return r["school_a"].pk


def school_b(r):
    return r["school_b"].pk


CASES = [
    Case("home", lambda r: reverse("home"), ANY_USER),
    Case("password change", lambda r: reverse("password_change"), ANY_USER),
    Case("school list", lambda r: reverse("region:schools"), STAFF),
    Case("school A page", lambda r: reverse("region:school", args=[school_a(r)]), SCHOOL_A),
    Case("school B page", lambda r: reverse("region:school", args=[school_b(r)]), SCHOOL_B),
    Case("school A students", lambda r: reverse("region:students", args=[school_a(r)]), SCHOOL_A),
    Case("school B students", lambda r: reverse("region:students", args=[school_b(r)]), SCHOOL_B),
    Case("school A teachers", lambda r: reverse("region:teachers", args=[school_a(r)]), SCHOOL_A),
    Case("school B teachers", lambda r: reverse("region:teachers", args=[school_b(r)]), SCHOOL_B),
    Case(
        "missing school",
        lambda r: reverse("region:school", args=[999999]),
        expect(403, anonymous=302, bureau=404, school=404, school_b=404),
    ),
    Case("import page", lambda r: reverse("region:import"), STAFF),
    Case("school template", lambda r: reverse("region:template", args=["schools"]), BUREAU_ONLY),
    Case("teacher template", lambda r: reverse("region:template", args=["teachers"]), STAFF),
    Case("student template", lambda r: reverse("region:template", args=["students"]), STAFF),
    Case(
        "unknown template",
        lambda r: reverse("region:template", args=["parents"]),
        expect(403, anonymous=302, bureau=404, school=404, school_b=404),
    ),
    Case("export schools", lambda r: reverse("region:export", args=["schools"]), STAFF),
    Case("export teachers", lambda r: reverse("region:export", args=["teachers"]), STAFF),
    Case("export students", lambda r: reverse("region:export", args=["students"]), STAFF),
    Case(
        "export school A students",
        lambda r: reverse("region:export", args=["students"]) + f"?school={school_a(r)}",
        SCHOOL_A,
    ),
    Case(
        "export school B teachers",
        lambda r: reverse("region:export", args=["teachers"]) + f"?school={school_b(r)}",
        SCHOOL_B,
    ),
    Case(
        "import a file",
        lambda r: reverse("region:import"),
        STAFF,
        method="post",
        data={"kind": "students"},
    ),  # no file: the form answers, nothing is imported
    Case("api schools", lambda r: "/api/region/schools", API_ANY_USER),
    Case(
        "api school A",
        lambda r: f"/api/region/schools/{school_a(r)}",
        expect(200, anonymous=401, school_b=404),
    ),
    Case(
        "api school B",
        lambda r: f"/api/region/schools/{school_b(r)}",
        expect(404, anonymous=401, bureau=200, school_b=200, provider=200),
    ),
    Case("api students", lambda r: "/api/region/students", API_ANY_USER),
    Case(
        "api own child (student A)",
        lambda r: f"/api/region/students/{r['student_a'].pk}",
        expect(404, anonymous=401, bureau=200, school=200, parent=200),
    ),
    Case(
        "api another child (student B)",
        lambda r: f"/api/region/students/{r['student_b'].pk}",
        expect(404, anonymous=401, bureau=200, school_b=200),
    ),
    Case("admin", lambda r: "/admin/", expect(302, bureau=200)),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permission_matrix(client, users, region, case):
    run_case(client, users, region, case)


def test_matrix_covers_every_role(users):
    """Every role of the model (and anonymous) is a column of the matrix, with a user of that
    role in the fixture; every case has an expectation for every column."""
    from junheng.accounts.models import Role

    assert {u.role for u in users.values()} == set(Role.values)
    assert set(ROLES) == {"anonymous", *users}
    for case in CASES:
        assert set(case.expected) == set(ROLES), case.name
    with pytest.raises(ValueError, match="no expectation"):
        expect(bureau=200)


def _codes(response):
    return sorted(s["code"] for s in response.json())


@pytest.mark.parametrize(
    ("role", "students", "schools"),
    [
        ("bureau", ["P0001", "P0002"], ["S01", "S02"]),
        ("school", ["P0001"], ["S01"]),
        ("school_b", ["P0002"], ["S02"]),
        ("provider", [], ["S01", "S02"]),  # schools are public to providers; students never
        ("parent", ["P0001"], ["S01"]),
        ("teacher", [], ["S01"]),
    ],
)
def test_api_lists_hold_exactly_the_roles_scope(client, users, role, students, schools):
    client.force_login(users[role])
    assert _codes(client.get("/api/region/students")) == students
    assert _codes(client.get("/api/region/schools")) == schools


def test_parent_never_sees_another_child_even_by_school_filter(client, users, region):
    client.force_login(users["parent"])
    response = client.get(f"/api/region/students?school_id={school_b(region)}")
    assert response.json() == []
    home = client.get(reverse("home")).content.decode()
    assert "张小明" in home and "陈小红" not in home


def test_school_admin_never_sees_another_schools_people_anywhere(client, users, region):
    client.force_login(users["school"])
    pages = [
        reverse("home"),
        reverse("region:schools"),
        reverse("region:school", args=[school_a(region)]),
        reverse("region:students", args=[school_a(region)]),
        reverse("region:teachers", args=[school_a(region)]),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert "陈小红" not in html and "李老师" not in html and "澉浦镇中学" not in html, url
    for kind in ("schools", "teachers", "students"):
        response = client.get(reverse("region:export", args=[kind]))
        content = b"".join(response.streaming_content)  # streamed (junheng.exports.serve)
        cells = {
            c
            for row in openpyxl.load_workbook(io.BytesIO(content))
            .worksheets[0]
            .iter_rows(values_only=True)
            for c in row
        }
        assert not cells & {"P0002", "陈小红", "T02", "李老师", "S02"}, kind
    assert client.get(f"/api/region/students?school_id={school_b(region)}").json() == []


def test_non_parent_access_to_a_student_is_audited(client, users, region):
    from junheng.accounts.models import AuditLog

    client.force_login(users["school"])
    client.get(f"/api/region/students/{region['student_a'].pk}")
    client.force_login(users["parent"])
    client.get(f"/api/region/students/{region['student_a'].pk}")
    logs = AuditLog.objects.filter(action="view_student")
    assert [a.actor.username for a in logs] == ["school_a"]
