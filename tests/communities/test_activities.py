"""Joint activities, the county view (weakest members first) and the annual report."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from junheng.accounts.models import AuditLog
from junheng.communities import lessons
from junheng.communities.models import Activity
from junheng.errors import ActionError


def _log(community, by, **kw):
    args = {
        "kind": "research",
        "title": "联合教研：小学数学",
        "date": timezone.localdate(),
        "host": community.core,
        "participants": 24,
    }
    args.update(kw)
    return lessons.do_log_activity(community, by=by, **args)


def test_schools_of_the_community_log_activities_and_others_cannot(community, cusers, county9):
    a = _log(community, cusers["member"], host=county9.schools["M01"], kind="observation")
    assert a.host.code == "M01" and a.recorded_by == cusers["member"]
    _log(community, cusers["core"])
    _log(community, cusers["bureau"], kind="exchange")
    for who in ("other", "teacher", "parent", "provider"):
        with pytest.raises(PermissionDenied):
            _log(community, cusers[who])
    assert Activity.objects.count() == 3


def test_activities_are_past_hosted_inside_and_titled(community, cusers, county9):
    with pytest.raises(ActionError, match="只能登记已经开展的活动"):
        _log(community, cusers["core"], date=timezone.localdate() + dt.timedelta(days=3))
    with pytest.raises(ActionError, match="承办学校须是本教共体的学校"):
        _log(community, cusers["core"], host=county9.schools["J01"])
    with pytest.raises(ActionError, match="请填写活动主题"):
        _log(community, cusers["core"], title="  ")
    with pytest.raises(ActionError, match="未知的活动类型"):
        _log(community, cusers["core"], kind="party")
    assert not Activity.objects.exists()


def test_a_school_deletes_only_what_it_logged(community, cusers):
    a = _log(community, cusers["core"])
    with pytest.raises(PermissionDenied):
        lessons.do_delete_activity(a, by=cusers["member"])
    assert Activity.objects.filter(pk=a.pk).exists()
    lessons.do_delete_activity(a, by=cusers["core"])
    assert not Activity.objects.exists()


def test_the_page_offers_delete_only_to_the_recorder_and_the_bureau(community, cusers, client):
    a = _log(community, cusers["core"])
    url = f"/communities/{community.pk}/activities/{a.pk}/delete/"
    client.force_login(cusers["member"])
    assert url not in client.get(f"/communities/{community.pk}/").content.decode()
    assert client.post(url).status_code == 403
    assert Activity.objects.filter(pk=a.pk).exists()
    for who in ("core", "bureau"):
        client.force_login(cusers[who])
        assert url in client.get(f"/communities/{community.pk}/").content.decode()
    assert client.post(url).status_code == 302
    assert not Activity.objects.filter(pk=a.pk).exists()


def test_the_community_page_counts_activities_per_term_and_against_the_goal(
    community, cusers, client
):
    from junheng.communities import actions
    from junheng.region.models import Term

    today = timezone.localdate()
    Term.objects.create(
        name="本学期", start=today - dt.timedelta(days=40), end=today + dt.timedelta(days=40)
    )
    actions.do_set_goal(community, by=cusers["bureau"], year=today.year, lessons=10, activities=6)
    _log(community, cusers["core"])
    _log(community, cusers["core"], kind="lesson_prep")
    client.force_login(cusers["member"])
    page = client.get(f"/communities/{community.pk}/").content.decode()
    section = page.split('data-testid="activities"')[1].split("</section>")[0]
    assert f"{today.year} 年已开展 2 次" in section and "年度目标 6 次" in section
    assert "本学期" in section and "联合教研：小学数学" in section
    r = client.post(
        f"/communities/{community.pk}/activities/",
        {
            "kind": "shared_course",
            "title": "共享课程：书法",
            "date": today.isoformat(),
            "host": community.core_id,
            "participants": 40,
        },
        follow=True,
    )
    assert "已登记活动" in r.content.decode()
    assert Activity.objects.filter(kind="shared_course").exists()


def test_county_view_lists_members_weakest_first(community, cusers, county9, client):
    from junheng.communities import actions

    actions.do_create_community(
        by=cusers["bureau"],
        county=county9.county,
        core=county9.schools["C02"],
        kind="integration",
        start_year=2026,
        members=[county9.schools["M04"], county9.schools["M03"]],
    )
    client.force_login(cusers["bureau"])
    page = client.get("/communities/county/").content.decode()
    order = [c for c in ("M04", "M03", "M02", "M01") if f'data-school="{c}"' in page]
    positions = [page.index(f'data-school="{c}"') for c in order]
    assert order == ["M04", "M03", "M02", "M01"] and positions == sorted(positions)
    for who in ("core", "member", "teacher", "parent"):
        client.force_login(cusers[who])
        assert client.get("/communities/county/").status_code == 403


def test_the_report_has_communities_members_and_activities_and_is_audited(
    community, cusers, client
):
    from openpyxl import load_workbook

    _log(community, cusers["core"], title='=HYPERLINK("http://x")')
    client.force_login(cusers["bureau"])
    r = client.get("/communities/report.xlsx")
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)))
    assert wb.sheetnames == ["教共体", "成员校（由弱到强）", "活动"]
    names = [row[0].value for row in wb["教共体"].iter_rows(min_row=3)]
    assert community.name in names
    header = [c.value for c in next(wb["教共体"].iter_rows(min_row=2, max_row=2))]
    assert header[-2:] == ["教师交流（人）", "共享课程（门）"]
    members = [row[1].value for row in wb["成员校（由弱到强）"].iter_rows(min_row=3)]
    assert members == ["六里乡小学", "百步乡小学"]  # M02 is the weaker of the two
    cells = [row[3] for row in wb["活动"].iter_rows(min_row=3)]
    assert cells and cells[0].data_type == "s"  # formula-like text stays text (export writer)
    assert AuditLog.objects.filter(action="communities.export_report").exists()
    client.force_login(cusers["core"])
    assert client.get("/communities/report.xlsx").status_code == 403


def test_a_large_report_is_a_job(community, cusers, client, settings):
    from tests.exportcheck import FORMULA, assert_formula_stays_text, assert_job_path

    _log(community, cusers["core"], title=FORMULA)
    client.force_login(cusers["bureau"])
    assert_formula_stays_text(assert_job_path(client, settings, "/communities/report.xlsx"))
