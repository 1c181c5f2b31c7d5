"""The job record: progress, failure without leftovers, cancel, notification, lost workers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from junheng.jobs.actions import request_cancel, start_job, sweep_lost_jobs
from junheng.jobs.models import Job, JobState
from junheng.jobs.worker import drain
from junheng.region.models import County
from tests.jobs import bodies

pytestmark = pytest.mark.django_db


def test_job_runs_reports_progress_and_stores_its_result(users):
    job = start_job("count", bodies.count_to, by=users["bureau"], title="计数任务", n=5)
    assert job.state == JobState.DONE
    assert job.pct == 100
    assert job.result == {"counted": 5}
    assert job.attempts == 1
    assert job.started_at and job.finished_at


def test_failure_leaves_nothing_half_done_and_reason_is_chinese(users):
    job = start_job("fail", bodies.write_then_fail, by=users["bureau"], code="999001")
    assert job.state == JobState.FAILED
    assert "内部错误" in job.error and "RuntimeError" in job.error
    assert not County.objects.filter(code="999001").exists()


def test_user_facing_failure_keeps_its_message(users):
    job = start_job("refuse", "tests.jobs.bodies.refuse", by=users["school"])
    assert job.state == JobState.FAILED
    assert job.error == "文件第 3 行缺少学校代码。"


def test_result_that_is_not_json_fails_the_job(users):
    job = start_job("bad", bodies.not_json, by=users["bureau"])
    job.refresh_from_db()
    assert job.state == JobState.FAILED


def test_user_is_notified_when_the_job_ends(users):
    from junheng.enrolment.models import Notification

    ok = start_job("count", bodies.count_to, by=users["bureau"], title="计数任务", n=1)
    bad = start_job("refuse", bodies.refuse, by=users["bureau"], title="导入学生")
    texts = list(Notification.objects.filter(user=users["bureau"]).values_list("text", "link"))
    assert ("“计数任务”已完成。", ok.get_absolute_url()) in texts
    assert ("“导入学生”失败：文件第 3 行缺少学校代码。", bad.get_absolute_url()) in texts


def test_queued_job_waits_for_a_worker_then_runs(users, db_queue):
    job = start_job("count", bodies.count_to, by=users["bureau"], n=3)
    assert job.state == JobState.QUEUED
    assert job.task_result_id
    assert drain() == 1
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.result == {"counted": 3}


def test_cancel_a_queued_job_means_it_never_runs(users, db_queue):
    job = start_job("count", bodies.count_to, by=users["bureau"], n=3)
    request_cancel(job, by=users["bureau"])
    assert job.state == JobState.CANCELLED
    drain()
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and job.result is None and job.attempts == 0


def test_cancel_a_running_job_rolls_back_its_writes(users):
    job = start_job("cancel", bodies.cancel_midway, by=users["bureau"], code="999002")
    assert job.state == JobState.CANCELLED
    assert not County.objects.filter(code="999002").exists()


def test_a_job_whose_worker_died_is_queued_again_then_failed(users, db_queue):
    job = start_job("count", bodies.count_to, by=users["bureau"], n=2)
    # A worker claimed it and died: running, no heartbeat for a long time.
    long_ago = timezone.now() - timedelta(hours=1)
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, attempts=1, heartbeat_at=long_ago, started_at=long_ago
    )
    assert sweep_lost_jobs() == {"requeued": 1, "failed": 0}
    job.refresh_from_db()
    assert job.state == JobState.QUEUED
    drain()
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.attempts == 2

    again = start_job("count", bodies.count_to, by=users["bureau"], n=2)
    Job.objects.filter(pk=again.pk).update(
        state=JobState.RUNNING, attempts=2, heartbeat_at=long_ago
    )
    assert sweep_lost_jobs() == {"requeued": 0, "failed": 1}
    again.refresh_from_db()
    assert again.state == JobState.FAILED
    assert "工作进程已中断" in again.error


def test_a_live_job_is_left_alone_by_the_sweep(users, db_queue):
    job = start_job("count", bodies.count_to, by=users["bureau"], n=2)
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING, attempts=1, heartbeat_at=timezone.now()
    )
    assert sweep_lost_jobs() == {"requeued": 0, "failed": 0}


def test_a_queued_job_whose_message_vanished_is_failed(users, db_queue):
    from django_tasks_db.models import DBTaskResult

    job = start_job("count", bodies.count_to, by=users["bureau"], n=2)
    DBTaskResult.objects.all().delete()
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(hours=1))
    assert sweep_lost_jobs()["failed"] == 1
    job.refresh_from_db()
    assert job.state == JobState.FAILED


def test_progress_partial_polls_while_active_and_refreshes_the_page_at_the_end(
    users, login, db_queue
):
    job = start_job("count", bodies.count_to, by=users["bureau"], title="计数任务", n=2)
    client = login(users["bureau"])
    url = reverse("jobs:progress", args=[job.pk]) + "?then=refresh"
    page = client.get(url, HTTP_HX_REQUEST="true")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'hx-trigger="every 1s"' in body and 'data-state="queued"' in body
    assert "<script" not in body and "HX-Refresh" not in page.headers
    drain()
    page = client.get(url, HTTP_HX_REQUEST="true")
    assert page.headers["HX-Refresh"] == "true"
    assert "hx-trigger" not in page.content.decode()


def test_only_the_starter_its_school_and_the_bureau_see_a_job(users, login, client):
    from junheng.accounts.models import User

    job = start_job("count", bodies.count_to, by=users["school"], n=1)
    url = reverse("jobs:progress", args=[job.pk])
    same_school = User.objects.create(
        username="school_a2", role="school", school=users["school"].school
    )
    for who, status in [
        (users["school"], 200),
        (same_school, 200),
        (users["bureau"], 200),
        (users["school_b"], 404),
        (users["parent"], 404),
        (users["provider"], 404),
        (users["teacher"], 404),
    ]:
        client.force_login(who)
        assert client.get(url).status_code == status, who.username
        assert client.get(reverse("jobs:detail", args=[job.pk])).status_code == status
    client.logout()
    assert client.get(url).status_code == 302


def test_other_users_cannot_cancel(users, login, db_queue):
    job = start_job("count", bodies.count_to, by=users["school"], n=1)
    client = login(users["school_b"])
    assert client.post(reverse("jobs:cancel", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.state == JobState.QUEUED
    client = login(users["school"])
    page = client.post(reverse("jobs:cancel", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert 'data-state="cancelled"' in page.content.decode()


def test_my_jobs_page_lists_only_mine(users, login):
    start_job("count", bodies.count_to, by=users["school"], title="我的任务", n=1)
    start_job("count", bodies.count_to, by=users["bureau"], title="别人的任务", n=1)
    page = login(users["school"]).get(reverse("jobs:mine")).content.decode()
    assert "我的任务" in page and "别人的任务" not in page


def test_job_texts_are_translated_for_english_users(users, login, db_queue):
    from pathlib import Path

    import polib

    import junheng

    po = polib.pofile(str(Path(junheng.__file__).parent / "jobs/locale/en/LC_MESSAGES/django.po"))
    assert po.untranslated_entries() == [] and len(po) > 20
    job = start_job("count", bodies.count_to, by=users["bureau"], n=1)
    client = login(users["bureau"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(reverse("jobs:progress", args=[job.pk])).content.decode()
    assert "Queued" in page and "Waiting in the queue" in page and "Cancel job" in page
