"""Balanced supply in the app: live data -> engine -> placements -> lock/forbid -> publish."""

from __future__ import annotations

import pytest

from junheng.afterschool import actions, adapters
from junheng.afterschool.adapters import OfferingRow, SchoolRow
from junheng.afterschool.models import (
    Offering,
    OfferingSource,
    OfferingStatus,
    PlacementStatus,
    RunStatus,
    SupplyPlacement,
)
from junheng.errors import ActionError
from junheng.region.models import Student


def _students(school, n, start):
    Student.objects.bulk_create(
        [
            Student(code=f"X{start + i:05d}", name="学生", gender="F", school=school, grade=4)
            for i in range(n)
        ]
    )


@pytest.fixture
def county(region, make_provider, make_course, slots):
    """School A (urban, 200 students) beside the provider; school B (rural, 40) 22.6 km away."""
    _students(region["school_a"], 199, 0)
    _students(region["school_b"], 39, 1000)
    staff, p = make_provider(weekly_sessions=3)
    course = make_course(p, staff)
    return {"provider": p, "staff": staff, "course": course, **region}


def test_pure_figures_hand_computed():
    schools = [
        SchoolRow(1, "A", "甲", "urban", 200, 10, 0, 0),
        SchoolRow(2, "B", "乙", "rural", 40, 10, 0, 0),
    ]
    offers = [OfferingRow(1, "arts", 20), OfferingRow(1, "sports", 10), OfferingRow(2, "arts", 2)]
    f = adapters.school_figures(schools, offers, target=10)
    a, b = f["schools"]
    assert (a["seats"], a["seats_per100"], a["categories"]) == (30, 15.0, ["arts", "sports"])
    assert (b["seats"], b["seats_per100"]) == (2, 5.0)
    assert f["classes"]["urban"]["seats_per100"] == 15.0
    assert f["classes"]["rural"]["seats_per100"] == 5.0
    assert f["classes"]["town"]["schools"] == 0
    assert f["min_seats_per100"] == 5.0 and f["schools_at_target"] == 1
    # capped values 10 and 5 weighted 200:40 -> mean 55/6, S = sqrt((200*(5/6)^2+40*(25/6)^2)/240)
    mean = (200 * 10 + 40 * 5) / 240
    s = ((200 * (10 - mean) ** 2 + 40 * (5 - mean) ** 2) / 240) ** 0.5
    assert f["cv_seats_per100"] == round(s / mean, 4)


def test_slots_are_spread_deterministically():
    got = adapters.assign_slots(
        [(1, 7, 3), (1, 5, 2), (2, 5, 1)], {1: [10, 11, 12], 2: [10]}, load={(1, 10): 1}
    )
    # school 1: course 5 first (pk order) avoids the loaded slot 10, then course 7 fills round.
    assert got == [(1, 5, 11), (1, 5, 12), (1, 7, 10), (1, 7, 11), (1, 7, 12), (2, 5, 10)]
    assert got == adapters.assign_slots(
        [(2, 5, 1), (1, 7, 3), (1, 5, 2)], {1: [10, 11, 12], 2: [10]}, load={(1, 10): 1}
    )


@pytest.mark.django_db
def test_run_plans_both_schools_and_publish_creates_offerings(county, users, term, slots):
    run = actions.do_start_supply_run(term, by=users["bureau"], target=10, time_limit_s=10)
    assert run.status == RunStatus.DONE and run.progress == 100, run.message
    placed = {p.school.code: p.sections for p in SupplyPlacement.objects.filter(run=run)}
    assert placed == {"S01": 1, "S02": 1}
    assert run.before["min_seats_per100"] == 0.0
    after = {r["school_id"]: r["seats_per100"] for r in run.after["schools"]}
    assert after == {"S01": 10.0, "S02": 50.0}
    assert run.after["classes"]["rural"]["seats_per100"] == 50.0
    assert run.summary["violations"] == 0

    n, skipped = actions.do_publish_supply_run(run, by=users["bureau"])
    assert (n, skipped) == (2, [])
    offers = Offering.objects.filter(term=term, source=OfferingSource.SUPPLY)
    assert sorted(o.school.code for o in offers) == ["S01", "S02"]
    assert all(o.slot == slots[0] and o.seats == 20 and o.supply_run == run for o in offers)
    run.refresh_from_db()
    assert run.status == RunStatus.PUBLISHED
    with pytest.raises(ActionError, match="只有计算完成的方案可以发布"):
        actions.do_publish_supply_run(run, by=users["bureau"])


@pytest.mark.django_db
def test_forbid_then_rerun_keeps_the_course_away(county, users, term):
    run = actions.do_start_supply_run(term, by=users["bureau"], target=10, time_limit_s=10)
    p = SupplyPlacement.objects.get(run=run, school=county["school_b"])
    actions.do_set_placement_status(p, by=users["bureau"], status=PlacementStatus.FORBIDDEN)
    actions.do_rerun_supply(run, by=users["bureau"])
    assert run.status == RunStatus.DONE
    rows = {(x.school.code, x.status): x.sections for x in SupplyPlacement.objects.filter(run=run)}
    assert ("S02", "forbidden") in rows and ("S02", "planned") not in rows
    after = {r["school_id"]: r["seats_per100"] for r in run.after["schools"]}
    assert after["S02"] == 0.0
    actions.do_publish_supply_run(run, by=users["bureau"])
    assert not Offering.objects.filter(school=county["school_b"]).exists()


@pytest.mark.django_db
def test_locked_placement_is_kept_on_rerun(county, users, term):
    run = actions.do_start_supply_run(term, by=users["bureau"], target=10, time_limit_s=10)
    p = SupplyPlacement.objects.get(run=run, school=county["school_a"])
    actions.do_set_placement_status(p, by=users["bureau"], status=PlacementStatus.LOCKED)
    actions.do_rerun_supply(run, by=users["bureau"])
    p.refresh_from_db()
    assert (p.status, p.sections) == ("locked", 1)
    assert SupplyPlacement.objects.filter(run=run, school=county["school_a"]).count() == 1


@pytest.mark.django_db
def test_courses_of_lapsed_providers_are_left_out(county, users, term):
    actions.do_suspend_provider(county["provider"], by=users["bureau"], reason="调查")
    run = actions.do_start_supply_run(term, by=users["bureau"], target=10, time_limit_s=10)
    assert run.status == RunStatus.DONE
    assert not SupplyPlacement.objects.filter(run=run).exists()


def test_supply_run_cancelled_between_stages_keeps_nothing(county, users, term, monkeypatch):
    from junheng.afterschool.actions import supply
    from junheng.jobs.models import Job

    real = supply.progress

    def cancel_at_save(job, stage, pct):
        if pct == 80:  # the user presses cancel while the solver runs
            Job.objects.filter(pk=job.pk).update(cancel_requested=True)
        real(job, stage, pct)

    monkeypatch.setattr(supply, "progress", cancel_at_save)
    run = actions.do_start_supply_run(term, by=users["bureau"], target=10, time_limit_s=10)
    job = Job.latest_for(run)
    assert job.state == "cancelled" and job.pct == 20
    assert run.status == RunStatus.FAILED
    assert not SupplyPlacement.objects.filter(run=run).exists()


def test_failed_supply_job_fails_the_run_with_the_reason(county, users, term, monkeypatch):
    from junheng.engines import supply
    from junheng.jobs.models import Job

    def broken(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(supply, "plan_supply", broken)
    run = actions.do_start_supply_run(term, by=users["bureau"], target=10, time_limit_s=10)
    job = Job.latest_for(run)
    assert job.state == "failed" and "MemoryError" in job.error
    assert run.status == RunStatus.FAILED and run.message == job.error


@pytest.mark.django_db
def test_publish_skips_a_provider_suspended_after_planning(county, users, term):
    run = actions.do_start_supply_run(term, by=users["bureau"], target=10, time_limit_s=10)
    actions.do_suspend_provider(county["provider"], by=users["bureau"], reason="调查")
    n, skipped = actions.do_publish_supply_run(run, by=users["bureau"])
    assert n == 0 and len(skipped) == 1 and "暂停" in skipped[0]


@pytest.mark.django_db
def test_second_publish_replaces_earlier_supply_offerings(county, users, term):
    r1 = actions.do_start_supply_run(term, by=users["bureau"], target=10, time_limit_s=10)
    actions.do_publish_supply_run(r1, by=users["bureau"])
    r2 = actions.do_start_supply_run(term, by=users["bureau"], target=10, time_limit_s=10)
    # before of run 2 counts the offerings run 1 published
    assert r2.before["min_seats_per100"] == 10.0
    actions.do_publish_supply_run(r2, by=users["bureau"])
    assert Offering.objects.filter(supply_run=r1, status=OfferingStatus.CANCELLED).count() == 2
    assert Offering.objects.filter(supply_run=r2, status=OfferingStatus.OPEN).count() == 2


@pytest.mark.django_db
def test_supply_pages_are_bureau_only(client, county, users, term):
    run = actions.do_start_supply_run(term, by=users["bureau"], target=10, time_limit_s=10)
    for key in ("school", "provider", "parent"):
        client.force_login(users[key])
        assert client.get(f"/afterschool/supply/{run.pk}/").status_code == 403
    client.force_login(users["bureau"])
    page = client.get(f"/afterschool/supply/{run.pk}/").content.decode()
    assert 'data-testid="class-rural"' in page and "50.0" in page


@pytest.fixture
def db_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_supply_page_returns_at_once_and_the_worker_computes_the_run(
    client, county, users, term, db_queue
):
    from junheng.jobs.models import Job
    from junheng.jobs.worker import drain

    client.force_login(users["bureau"])
    resp = client.post(
        "/afterschool/supply/", {"term": term.pk, "target": 10, "seed": 0, "time_limit_s": 10}
    )
    assert resp.status_code == 302
    from junheng.afterschool.models import SupplyRun

    run = SupplyRun.objects.get()
    assert run.status == RunStatus.QUEUED
    job = Job.latest_for(run, "supply_run")
    assert job.state == "queued" and job.created_by == users["bureau"]
    page = client.get(resp["Location"]).content.decode()
    assert 'data-testid="job-progress"' in page and 'hx-trigger="every 1s"' in page
    assert drain() == 1
    run.refresh_from_db()
    job.refresh_from_db()
    assert run.status == RunStatus.DONE and job.state == "done" and job.pct == 100
    assert SupplyPlacement.objects.filter(run=run).exists()
    page = client.get(resp["Location"]).content.decode()
    assert 'data-testid="job-progress"' not in page  # done: the run's own figures show


def test_cancelled_supply_run_writes_no_placement(county, users, term, db_queue):
    from junheng.jobs.actions import request_cancel
    from junheng.jobs.models import Job
    from junheng.jobs.worker import drain

    run = actions.do_start_supply_run(term, by=users["bureau"], target=10, time_limit_s=10)
    job = Job.latest_for(run)
    request_cancel(job, by=users["bureau"])  # still queued: cancelled at once
    drain()
    job.refresh_from_db()
    run.refresh_from_db()
    assert job.state == "cancelled"
    assert run.status == RunStatus.FAILED and "取消" in run.message
    assert not SupplyPlacement.objects.filter(run=run).exists()


@pytest.mark.django_db
def test_supply_page_draws_routes_over_the_county_outline(client, county, users, term):
    run = actions.do_start_supply_run(term, by=users["bureau"], target=10, time_limit_s=10)
    client.force_login(users["bureau"])
    page = client.get(f"/afterschool/supply/{run.pk}/").content.decode()
    n = SupplyPlacement.objects.filter(run=run).count()
    assert n == 2
    assert 'data-testid="supply-map"' in page and 'data-segments="2"' in page
    assert page.count('<line class="seg route"') == 2
    assert 'class="outline hull"' in page and "机构 → 学校" in page
