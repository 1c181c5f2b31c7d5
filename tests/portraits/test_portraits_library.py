"""The bureau's indicator library: versions in force from a year, edited row by row with every
row's problems shown, a version used for scores never rewritten, history, explanations citing
the version used; nobody else may touch it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from junheng.engines.portraits import DEFAULT_LIBRARY_CSV
from junheng.portraits import actions, library
from junheng.portraits.models import DimensionScore, IndicatorLibrary
from tests.accounts.matrix import BUREAU_ONLY, Case, expect, run_case
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def _lib(r):
    return IndicatorLibrary.objects.get().pk


CASES = [
    Case("library versions", lambda r: reverse("portraits:library"), BUREAU_ONLY),
    Case("library version", lambda r: reverse("portraits:library_detail", args=[_lib(r)]),
         BUREAU_ONLY),
    Case("new version form", lambda r: reverse("portraits:library_new"), BUREAU_ONLY),
    Case("publish a version", lambda r: reverse("portraits:library_new"),
         expect(403, anonymous=302, bureau=422), method="post",
         data={"version": "x", "year": "2030", "rows": "1"}),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permission_matrix(client, users, region, portraits, case):
    run_case(client, users, region, case)
    assert IndicatorLibrary.objects.count() == 1


def form_of(rows, version="2027", year="2026"):
    data = {"version": version, "year": year, "rows": str(len(rows))}
    for n, r in enumerate(rows, start=1):
        for k, v in r.items():
            data[f"row-{n}-{k}"] = v
    return data


def default_rows():
    lib = IndicatorLibrary.objects.get()
    return library.rows_of(lib)


def test_the_bureau_publishes_a_new_version_in_force_from_a_year(client, users, portraits):
    client.force_login(users["bureau"])
    page = client.get(reverse("portraits:library_new"))
    assert page.status_code == 200
    assert page.content.decode().count('name="row-') >= 19 * 10  # the latest version's rows
    rows = default_rows()
    maths = next(r for r in rows if r["indicator"] == "academic.maths")
    maths["low"], maths["high"] = "50", "100"
    rows = [r for r in rows if r["indicator"] != "moral.service"]  # one dropped…
    rows.append(
        {
            "indicator": "moral.volunteer",
            "label": "志愿服务",
            "dimension": "moral",
            "weight": "1.5",
            "method": "bands",
            "aggregate": "sum",
            "missing": "zero",
            "bands": "0:60|3:80|6:100",
        }
    )  # fmt: skip  … one added
    response = client.post(reverse("portraits:library_new"), form_of(rows))
    assert response.status_code == 302, response.content.decode()[:2000]
    new = IndicatorLibrary.objects.get(version="2027")
    assert new.year == 2026 and new.created_by == users["bureau"]
    inds = {i.indicator: i for i in library.parse_library(new.table)}
    assert "moral.service" not in inds and inds["moral.volunteer"].weight == 1.5
    assert (inds["academic.maths"].low, inds["academic.maths"].high) == (50, 100)
    assert IndicatorLibrary.objects.filter(version="2026", year=2025).exists()  # history kept
    history = client.get(reverse("portraits:library")).content.decode()
    assert "2027" in history and "2026" in history and "执行中" in history
    detail = client.get(reverse("portraits:library_detail", args=[new.pk])).content.decode()
    assert "志愿服务" in detail and "50 为 0 分，100 为 100 分，之间按比例" in detail


def test_every_bad_row_is_marked_and_nothing_is_saved(client, users, portraits):
    client.force_login(users["bureau"])
    rows = default_rows()[:3] + [
        {"indicator": "Moral Bad", "dimension": "moral", "weight": "1", "method": "linear",
         "low": "1", "high": "1"},
        {"indicator": "moral.observation", "dimension": "", "weight": "-2", "method": "bands",
         "bands": "5:60|2:80"},
        {"indicator": "arts.x", "dimension": "arts", "weight": "1.23456", "method": "",
         "bands": ""},
    ]  # fmt: skip
    response = client.post(reverse("portraits:library_new"), form_of(rows))
    assert response.status_code == 422
    problems = {(p.row, p.field) for p in library.check_rows(library.form_rows(form_of(rows), 6))}
    assert problems == {
        (4, "indicator"), (4, "high"),
        (5, "indicator"), (5, "dimension"), (5, "weight"), (5, "bands"),
        (6, "weight"), (6, "method"),
    }  # fmt: skip
    html = response.content.decode()
    assert html.count('data-testid="bad-row"') == 3
    assert "与第 1 行的指标重复" in html and "门槛须从小到大排列" in html and "两端不能相同" in html
    assert 'value="Moral Bad"' in html  # what was typed stays, to be corrected
    assert IndicatorLibrary.objects.count() == 1


def test_a_version_used_for_scores_is_never_rewritten(client, users, portraits):
    client.force_login(users["bureau"])
    rows = default_rows()
    response = client.post(reverse("portraits:library_new"), form_of(rows, "2026b", "2025"))
    assert response.status_code == 422
    assert "已用于评分" in response.content.decode()
    assert IndicatorLibrary.objects.get().version == "2026"
    # a version nobody scored with yet may be corrected in place
    actions.do_save_library(version="2030", year=2030, table=DEFAULT_LIBRARY_CSV, by=None)
    response = client.post(reverse("portraits:library_new"), form_of(rows, "2030b", "2030"))
    assert response.status_code == 302
    assert IndicatorLibrary.objects.get(year=2030).version == "2030b"
    # a name another year's version has is refused
    response = client.post(reverse("portraits:library_new"), form_of(rows, "2026", "2031"))
    assert response.status_code == 422


def test_the_explanation_cites_the_version_the_scores_used(client, users, region, portraits):
    rows = default_rows()
    for r in rows:
        if r["indicator"] == "moral.observation":
            r["low"], r["high"] = "2", "6"
    actions.do_publish_library(
        version="2027", year=2026, rows=list(enumerate(rows, 1)), by=users["bureau"]
    )
    client.force_login(users["parent"])
    url = reverse("portraits:student", args=[region["student_a"].pk])
    html = client.get(url).content.decode()
    assert "按评价指标库版本「2026」计分" in html and "1 为 0 分，5 为 100 分" in html
    actions.do_score(by=users["bureau"])  # the autumn term now scores with 2027
    versions = dict(
        DimensionScore.objects.filter(student=region["student_a"]).values_list("term", "version")
    )
    assert versions == {portraits["spring"].pk: "2026", portraits["autumn"].pk: "2027"}
    html = client.get(url).content.decode()
    assert "按评价指标库版本「2027」计分" in html and "2 为 0 分，6 为 100 分" in html
    assert "教师观察（1–5 分）" in html  # the default library's label, in Chinese


def test_the_version_list_makes_the_same_queries_for_many_versions(
    client, users, portraits, django_assert_max_num_queries
):
    client.force_login(users["bureau"])

    def grow():
        for y in range(2030, 2040):
            actions.do_save_library(version=str(y), year=y, table=DEFAULT_LIBRARY_CSV, by=None)

    assert_constant_queries(
        client, reverse("portraits:library"), grow, django_assert_max_num_queries
    )


def test_the_pages_speak_english(client, users, portraits):
    client.force_login(users["bureau"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(reverse("portraits:library_new")).content.decode()
    assert "Publish a new indicator library version" in html
    lib = IndicatorLibrary.objects.get()
    html = client.get(
        reverse("portraits:library_detail", args=[lib.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "teacher observation (1-5)" in html and "1 scores 0, 5 scores 100" in html
