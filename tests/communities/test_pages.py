"""The community pages: what the bureau and the schools see, the maps, the forms."""

from __future__ import annotations

import re

from junheng.communities import actions
from junheng.communities.models import Community, SchoolResult


def test_the_bureau_pairs_from_the_round_page_and_sees_both_maps(client, cusers, rnd, community):
    client.force_login(cusers["bureau"])
    page = client.get(f"/communities/pairing/{rnd.pk}/").content.decode()
    assert 'data-testid="run-pairing"' in page and 'data-testid="publish"' not in page
    r = client.post(f"/communities/pairing/{rnd.pk}/run/", follow=True)
    page = r.content.decode()
    assert 'data-testid="run-status"' in page and "已完成" in page
    current = re.search(r'data-testid="current-map" data-lines="(\d+)"', page)
    proposed = re.search(r'data-testid="proposed-map" data-lines="(\d+)"', page)
    assert current and current.group(1) == "2"  # the existing community's two pairs
    assert proposed and proposed.group(1) == str(rnd.latest_run().pairs.count())
    assert "<script" not in page.split("<main>")[1].split("</main>")[0]  # no inline script
    assert 'data-testid="publish"' in page


def test_publishing_from_the_page_lists_the_new_communities(client, cusers, rnd, county9):
    client.force_login(cusers["bureau"])
    client.post(f"/communities/pairing/{rnd.pk}/run/")
    r = client.post(f"/communities/pairing/{rnd.pk}/publish/", follow=True)
    assert "已发布" in r.content.decode()
    page = client.get("/communities/").content.decode()
    for c in Community.objects.all():
        assert c.name in page
    page = client.get("/communities/public/").content.decode()
    assert county9.schools["M01"].name in page


def test_pin_buttons_lock_and_forbid_a_proposed_pair(client, cusers, rnd, county9):
    client.force_login(cusers["bureau"])
    client.post(f"/communities/pairing/{rnd.pk}/run/")
    p = rnd.latest_run().pairs.select_related("member", "core").first()
    page = client.get(f"/communities/pairing/{rnd.pk}/").content.decode()
    assert f'data-testid="lock-{p.member.code}"' in page
    client.post(
        f"/communities/pairing/{rnd.pk}/pin/",
        {"member": p.member_id, "core": p.core_id, "kind": "forbid"},
    )
    client.post(f"/communities/pairing/{rnd.pk}/run/")
    assert not rnd.latest_run().pairs.filter(member=p.member, core=p.core).exists()
    pin = rnd.pins.get()
    client.post(f"/communities/pairing/{rnd.pk}/pins/{pin.pk}/delete/")
    assert not rnd.pins.exists()


def test_roles_form_sets_roles_and_capacities(client, cusers, rnd, county9):
    client.force_login(cusers["bureau"])
    s = county9.schools
    client.post(
        f"/communities/pairing/{rnd.pk}/roles/",
        {f"role_{s['N01'].pk}": "core", f"cap_{s['N01'].pk}": "2", f"role_{s['M04'].pk}": "none"},
    )
    roles = dict(rnd.schools.values_list("school__code", "role"))
    assert roles["N01"] == "core" and roles["M04"] == "none"
    assert rnd.schools.get(school=s["N01"]).capacity == 2
    r = client.post(
        f"/communities/pairing/{rnd.pk}/roles/",
        {f"cap_{s['N01'].pk}": "x", f"role_{s['N01'].pk}": "core"},
        follow=True,
    )
    assert "整数" in r.content.decode()


def test_new_community_form_and_its_refusals(client, cusers, county9, community):
    client.force_login(cusers["bureau"])
    s = county9.schools
    r = client.post(
        "/communities/new/",
        {"core": s["C02"].pk, "members": [s["M01"].pk], "kind": "integration", "start_year": 2026},
    )
    assert r.status_code == 200 and "百步乡小学" in r.content.decode()
    assert Community.objects.count() == 1
    r = client.post(
        "/communities/new/",
        {
            "core": s["C02"].pk,
            "kind": "cross_region",
            "start_year": 2026,
            "partner_region": "云和县",
            "partner_school": "云和县实验小学",
        },
    )
    c = Community.objects.get(kind="cross_region")
    assert r.status_code == 302 and r["Location"] == f"/communities/{c.pk}/"
    page = client.get(f"/communities/{c.pk}/").content.decode()
    assert "云和县实验小学" in page


def test_the_community_page_shows_members_goals_and_manages_them(
    client, cusers, community, county9
):
    client.force_login(cusers["bureau"])
    s = county9.schools
    client.post(
        f"/communities/{community.pk}/goals/",
        {"year": 2026, "lessons": 60, "activities": 8, "text": "教研共建"},
    )
    client.post(
        f"/communities/{community.pk}/members/",
        {"school": s["M03"].pk, "mode": "remote", "year": 2026},
    )
    page = client.get(f"/communities/{community.pk}/").content.decode()
    assert "澉浦乡小学" in page and "教研共建" in page and 'data-year="2026"' in page
    client.post(f"/communities/{community.pk}/members/{s['M03'].pk}/remove/")
    assert not community.memberships.filter(school=s["M03"]).exists()
    # a member school's admin reads the page without the management forms
    client.force_login(cusers["member"])
    page = client.get(f"/communities/{community.pk}/").content.decode()
    assert "百步乡小学" in page and 'data-testid="manage"' not in page


def test_results_page_saves_scores_and_refuses_bad_ones(client, cusers, county9):
    client.force_login(cusers["bureau"])
    s = county9.schools
    r = client.post("/communities/results/", {"year": 2026, f"score_{s['M01'].pk}": "71.5"})
    assert r.status_code == 302
    assert SchoolResult.objects.get(school=s["M01"]).score == 71.5
    r = client.post(
        "/communities/results/", {"year": 2026, f"score_{s['M01'].pk}": "abc"}, follow=True
    )
    assert "数字" in r.content.decode()
    r = client.post(
        "/communities/results/", {"year": 2026, f"score_{s['M01'].pk}": "120"}, follow=True
    )
    assert SchoolResult.objects.get(school=s["M01"]).score == 71.5


def test_history_compares_members_with_the_core_over_the_years(client, cusers, community, county9):
    from junheng.balance import actions as balance_actions

    balance_actions.do_take_snapshot(by=cusers["bureau"], year=2025, label="2025")
    client.force_login(cusers["bureau"])
    page = client.get(f"/communities/{community.pk}/").content.decode()
    history = page.split('data-testid="history"')[1].split("</section>")[0]
    assert "2025" in history and "城南实验小学" in history and "百步乡小学" in history


def test_english_pages(client, cusers, community, rnd):
    client.force_login(cusers["bureau"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/communities/").content.decode()
    assert "Education communities" in page
    page = client.get(f"/communities/pairing/{rnd.pk}/").content.decode()
    assert "Compute the pairing" in page
    actions.do_set_goal(community, by=cusers["bureau"], year=2026, lessons=1, activities=1)


def test_every_string_of_the_app_has_an_english_translation():
    from pathlib import Path

    import polib

    import junheng.communities

    po = polib.pofile(
        str(Path(junheng.communities.__file__).parent / "locale/en/LC_MESSAGES/django.po")
    )
    assert len(po) > 300
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


def test_history_shows_each_indicator_over_the_years_and_whether_the_gap_closes(
    client, cusers, community, county9
):
    from junheng.balance import actions as balance_actions
    from junheng.region.models import Teacher

    s = county9.schools
    balance_actions.do_take_snapshot(by=cusers["bureau"], year=2024, label="2024")
    # M01 gains county backbone teachers and a multimedia room; M02 stays as it was
    Teacher.objects.filter(school=s["M01"]).update(backbone_level="county")
    s["M01"].multimedia_classrooms += 2
    s["M01"].save(update_fields=["multimedia_classrooms"])
    balance_actions.do_take_snapshot(by=cusers["bureau"], year=2025, label="2025")
    client.force_login(cusers["member"])
    page = client.get(f"/communities/{community.pk}/").content.decode()
    history = page.split('data-testid="history"')[1].split("</section>")[0]
    rows = {
        code: history.split(f'data-school="{code}"')[1].split("</tr>")[0] for code in ("M01", "M02")
    }
    assert 'data-testid="closing"' in rows["M01"]  # 缩小
    assert "未缩小" in rows["M02"]
    latest = history.split('data-testid="indicators-2025"')[1].split("</details>")[0]
    assert "县级以上骨干教师" in latest and latest.index("城南实验小学") < latest.index(
        "百步乡小学"
    )
    cells = latest.split('data-school="M01"')[1].split("</tr>")[0]
    assert cells.count('class="num') == 7
    assert 'data-testid="indicators-2024"' in history


def test_the_admin_lists_every_community_table_read_only(client, cusers, community):
    """The bureau's admin shows the timetable, synchronous-classroom, activity, exchange and
    shared-course tables too (read only: the actions write them); the school admin is refused."""
    from django.contrib import admin

    from junheng.communities import models

    tables = [m for m in admin.site._registry if m.__module__ == models.__name__]
    assert {m.__name__ for m in tables} >= {
        "TimetableEntry", "SyncRequest", "SyncSchedule", "SyncLesson", "Activity",
        "TeacherExchange", "SharedCourse",
    }  # fmt: skip
    client.force_login(cusers["bureau"])
    for model in tables:
        url = f"/admin/communities/{model._meta.model_name}/"
        assert client.get(url).status_code == 200, url
        assert client.get(url + "add/").status_code == 403, url
    client.force_login(cusers["core"])
    r = client.get("/admin/communities/activity/")
    assert r.status_code == 302 and "/admin/login/" in r["Location"]


def test_results_are_paged_and_a_page_saves_only_its_schools(client, cusers, county9, settings):
    """A city's schools are entered a page at a time: posting page 2 leaves page 1's scores."""
    from junheng.region.models import School

    county = county9.schools["M01"].county
    School.objects.bulk_create(
        School(
            code=f"Z{i:03d}", name=f"新校{i}", county=county, level="primary", urban_rural="rural"
        )
        for i in range(60)
    )
    client.force_login(cusers["bureau"])
    codes = list(School.objects.filter(county=county).order_by("code").values_list("pk", "code"))
    first, second = codes[0], codes[55]
    client.post("/communities/results/", {"year": 2026, f"score_{first[0]}": "60"})
    page2 = client.get("/communities/results/", {"year": 2026, "page": 2})
    html = page2.content.decode()
    assert f'data-school="{second[1]}"' in html and f'data-school="{first[1]}"' not in html
    assert 'data-testid="pager"' in html
    r = client.post("/communities/results/?year=2026&page=2", {f"score_{second[0]}": "80"})
    assert r.status_code == 302 and r["Location"].endswith("page=2")
    scores = dict(SchoolResult.objects.filter(year=2026).values_list("school_id", "score"))
    assert scores == {first[0]: 60.0, second[0]: 80.0}
