"""The bureau's run of every school's placement of a grade, as a background task."""

from __future__ import annotations

from collections import Counter

import pytest
from django.urls import reverse

from junheng.engines.lottery import final_seed, seed_commitment
from junheng.engines.placement import place
from junheng.errors import ActionError
from junheng.placement import actions
from junheng.placement.models import (
    BulkPlacementRun,
    BulkPlacementSchool,
    BulkStatus,
    Placement,
    PlacementStatus,
)
from tests.conftest import ENTROPY

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_school(cohort, region):
    from junheng.region.models import Student

    Student.objects.bulk_create(
        [
            Student(
                code=f"B1{i:03d}",
                name=f"学生{i}",
                gender="FM"[i % 2],
                school=region["school_b"],
                grade=1,
                score=float(50 + i),
            )
            for i in range(23)
        ]
    )
    return region["school_b"]


def _start(users, term, **kw):
    return actions.do_start_bulk_run(
        term=term,
        grade=1,
        method=kw.get("method", "balanced"),
        max_class_size=12,
        witnesses=[("孙监督", "inspector")],
        by=users["bureau"],
    )


def test_bulk_run_places_every_school_and_reports_progress(users, term, second_school):
    run = _start(users, term)
    assert run.status == BulkStatus.COMMITTED and run.seed_commitment == seed_commitment(run.seed)
    assert run.schools_total == 2 and run.students_total == 63
    run = actions.do_run_bulk(run, by=users["bureau"], entropy=ENTROPY)  # immediate: done now
    assert run.entropy == ENTROPY
    assert run.status == BulkStatus.DONE and run.progress == 100 and run.schools_done == 2
    assert run.summary["violations"] == 0 and run.summary["students"] == 63
    for p in Placement.objects.filter(bulk_run=run):
        assert p.status == PlacementStatus.DRAWN
        assert p.seed == f"{run.seed}:{p.school.code}"
        sizes = Counter(p.members.values_list("class_no", flat=True))
        assert len(sizes) == p.n_classes == -(-p.members.count() // 12)
        assert max(sizes.values()) - min(sizes.values()) <= 1
        assert p.entropy == ENTROPY
        assert p.final_seed == final_seed(p.seed, p.inputs_sha256, ENTROPY)
        data = actions.engine_input_of(p)
        again = place(data.students, p.n_classes, p.final_seed, p.method)
        assert again.summary["result_sha256"] == p.result_sha256
    assert set(run.schools.values_list("status", flat=True)) == {"done"}


def test_bulk_run_uses_a_schools_draft_and_skips_a_committed_one(users, term, draft, second_school):
    from junheng.region.models import Student

    actions.do_add_request(
        draft,
        kind="apart",
        students=list(Student.objects.filter(code__in=["G1000", "G1001"])),
        reason="分开",
        requested_by_name="校方",
        requested_by_role="school",
        by=users["school"],
    )
    run = actions.do_run_bulk(_start(users, term), by=users["bureau"], entropy=ENTROPY)
    draft.refresh_from_db()
    assert draft.bulk_run == run and draft.status == PlacementStatus.DRAWN
    assert draft.n_classes == 4  # the school's own number of classes is kept
    cls = dict(draft.members.values_list("code", "class_no"))
    assert cls["G1000"] != cls["G1001"]
    later = _start(users, term)
    assert set(later.schools.values_list("status", flat=True)) == {
        BulkPlacementSchool.Status.SKIPPED
    }


def test_a_bulk_run_is_run_once(users, term, second_school):
    run = actions.do_run_bulk(_start(users, term), by=users["bureau"], entropy=ENTROPY)
    with pytest.raises(ActionError, match="本次统一编班已运行，不能再次运行"):
        actions.do_run_bulk(run, by=users["bureau"], entropy=ENTROPY)


def test_publishing_the_run_writes_every_schools_classes(users, term, second_school):
    from junheng.region.models import Student

    run = actions.do_run_bulk(_start(users, term), by=users["bureau"], entropy=ENTROPY)
    assert actions.do_publish_bulk(run, by=users["bureau"]) == 2
    assert not Student.objects.filter(grade=1, school_class=None).exists()


def test_bulk_pages_are_for_the_bureau_only(login, users, term, second_school):
    c = login(users["bureau"])
    r = c.post(
        reverse("placement:bulk"),
        {
            "term": term.pk,
            "grade": 1,
            "method": "balanced",
            "max_class_size": 45,
            "witnesses": "孙监督，纪检监察人员",
        },
    )
    assert r.status_code == 302
    run_url = r.url
    page = c.get(run_url).content.decode()
    assert 'data-testid="bulk-run"' in page
    pk = int(run_url.rstrip("/").split("/")[-1])
    c.post(reverse("placement:bulk_run", args=[pk]))  # no entropy: refused, nothing runs
    assert BulkPlacementRun.objects.get(pk=pk).status == BulkStatus.COMMITTED
    c.post(reverse("placement:bulk_run", args=[pk]), {"entropy": ENTROPY})
    assert BulkPlacementRun.objects.get(pk=pk).entropy == ENTROPY
    progress = c.get(reverse("placement:bulk_progress", args=[pk])).content.decode()
    assert 'data-status="done"' in progress
    school = login(users["school"])
    assert school.get(run_url).status_code == 403


def _cohorts(n_schools: int, bad: int | None = None):
    from junheng.engines.placement import Cohort, PlacementStudent

    out = []
    for k in range(n_schools):
        students = [
            PlacementStudent(
                f"K{k}-{i:02d}", "FM"[i % 2], None if (k == bad and i == 3) else float((i * 7) % 30)
            )
            for i in range(24)
        ]
        out.append(Cohort(key=str(100 + k), students=students, n_classes=3, seed=f"s:{k}"))
    return out


def test_worker_processes_give_the_same_results_as_one():
    seen = []
    many = actions._place_many(_cohorts(8), "balanced", 2, lambda d, t: seen.append((d, t)))
    one = actions._place_many(_cohorts(8), "balanced", 1, lambda d, t: None)
    assert [r.summary["result_sha256"] for r in many] == [r.summary["result_sha256"] for r in one]
    assert seen[-1] == (8, 8)


def test_a_bad_cohort_is_named_even_from_worker_processes():
    from junheng.engines.io import InputError

    with pytest.raises(InputError, match="missing score") as err:
        actions._place_many(_cohorts(8, bad=5), "balanced", 2, lambda d, t: None)
    assert err.value.reason.startswith("105:")


def test_a_cancelled_bulk_run_stores_nothing_and_runs_again_to_the_same_classes(
    users, term, second_school, settings
):
    from junheng.jobs.actions import request_cancel
    from junheng.jobs.models import Job
    from junheng.jobs.worker import drain

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    run = actions.do_run_bulk(_start(users, term), by=users["bureau"], entropy=ENTROPY)
    assert run.status == BulkStatus.QUEUED
    job = Job.latest_for(run)
    request_cancel(job, by=users["bureau"])
    drain()
    run.refresh_from_db()
    assert run.status == BulkStatus.FAILED and "取消" in run.message
    assert not Placement.objects.filter(bulk_run=run, status=PlacementStatus.DRAWN).exists()
    with pytest.raises(ActionError, match="同一组数"):  # no second roll of the dice
        actions.do_run_bulk(run, by=users["bureau"], entropy="99 99 99")
    run = actions.do_run_bulk(run, by=users["bureau"], entropy=ENTROPY)
    drain()
    run.refresh_from_db()
    assert run.status == BulkStatus.DONE and run.schools_done == 2
    assert Job.latest_for(run).state == "done"
