"""A city-size preview is a job: a GET never starts it, a POST does; the page shows its progress
and then the stored preview, the same as one computed in the page, for as long as the table's
inputs are unchanged; it can be cancelled; a failure gives its reason in Chinese."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from junheng.jobs.actions import request_cancel
from junheng.jobs.models import Job, JobState
from junheng.jobs.worker import drain
from junheng.quotas import actions, adapters
from junheng.quotas import tasks as quota_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def big(settings):
    """Every table counts as city-size (the draft has 2 high schools × 4 juniors = 8 pairs)."""
    settings.JUNHENG_QUOTA_PREVIEW_INLINE_PAIRS = 0
    return settings


def _cells(html: str) -> list[tuple[str, str]]:
    return re.findall(r'data-junior="([^"]+)"|data-seats="(\d+)"', html)


def test_the_page_offers_the_job_and_then_shows_its_preview(draft, users, login, big):
    big.JUNHENG_QUOTA_PREVIEW_INLINE_PAIRS = 8  # first computed in the page, as a small table
    inline = login(users["bureau"]).get(reverse("quotas:preview", args=[draft.pk]), {"hs": "H1"})
    big.JUNHENG_QUOTA_PREVIEW_INLINE_PAIRS = 0
    c = login(users["bureau"])
    url = reverse("quotas:preview", args=[draft.pk])
    page = c.get(url, {"hs": "H1"})
    html = page.content.decode()
    assert page.status_code == 200 and not Job.objects.exists()  # a GET starts nothing
    assert 'data-testid="preview-start"' in html and 'data-testid="side-by-side"' not in html

    r = c.post(reverse("quotas:preview_start", args=[draft.pk]), {"hs": "H1"})
    assert r.status_code == 302 and r["Location"] == f"{url}?hs=H1"
    job = Job.objects.get(kind="quotas_preview")
    assert job.state == JobState.DONE  # the immediate backend in tests
    assert job.args == {"table_id": draft.pk, "scope": "H1"}
    html = c.get(url, {"hs": "H1"}).content.decode()
    assert 'data-testid="side-by-side"' in html and 'data-paradox="H1-JC"' in html
    assert "0.714" in html and "0.571" in html
    # Seat for seat what the page computes itself for a small table.
    assert _cells(html) == _cells(inline.content.decode())
    # Another scope has not been computed: the page offers the job for it.
    assert 'data-testid="preview-start"' in c.get(url).content.decode()


def test_a_stored_preview_is_not_shown_once_the_inputs_change(draft, users, login, big):
    c = login(users["bureau"])
    c.post(reverse("quotas:preview_start", args=[draft.pk]))
    url = reverse("quotas:preview", args=[draft.pk])
    assert 'data-testid="side-by-side"' in c.get(url).content.decode()
    actions.do_update_settings(
        draft, by=users["bureau"], share=Decimal("0.8"), method="hamilton", min_seats=0
    )
    html = c.get(url).content.decode()
    assert 'data-testid="side-by-side"' not in html and 'data-testid="preview-start"' in html


def test_the_stored_preview_equals_the_computed_one(draft):
    pv = adapters.preview(draft)
    assert adapters.preview_from_json(adapters.preview_to_json(pv)) == pv


def test_a_queued_preview_shows_progress_and_can_be_cancelled(draft, users, login, big):
    big.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    c = login(users["bureau"])
    c.post(reverse("quotas:preview_start", args=[draft.pk]))
    c.post(reverse("quotas:preview_start", args=[draft.pk]))  # a second click: the same job
    job = Job.objects.get(kind="quotas_preview")
    assert job.state == JobState.QUEUED
    html = c.get(reverse("quotas:preview", args=[draft.pk])).content.decode()
    assert 'data-testid="job-progress"' in html and 'data-testid="preview-start"' not in html
    request_cancel(job, by=users["bureau"])
    drain()
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and job.result is None
    html = c.get(reverse("quotas:preview", args=[draft.pk])).content.decode()
    assert 'data-testid="preview-start"' in html  # it can be started again


def test_a_preview_of_a_deleted_table_fails_with_its_reason(draft, users, big):
    big.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = quota_tasks.start_preview(draft, "", by=users["bureau"])
    actions.do_delete_draft(draft, by=users["bureau"])
    drain()
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "该分配表已被删除" in job.error


def test_the_engines_refusal_is_shown_not_failed(draft, users, login, big):
    draft = actions.do_update_settings(
        draft, by=users["bureau"], share=Decimal("0.7"), method="hamilton", min_seats=5
    )
    c = login(users["bureau"])
    c.post(reverse("quotas:preview_start", args=[draft.pk]))
    assert Job.objects.get(kind="quotas_preview").state == JobState.DONE
    html = c.get(reverse("quotas:preview", args=[draft.pk])).content.decode()
    assert 'data-testid="preview-error"' in html and "min-seats" in html


@pytest.mark.parametrize("who", ["school", "parent", "teacher"])
def test_only_the_bureau_starts_a_preview(draft, users, login, big, who):
    r = login(users[who]).post(reverse("quotas:preview_start", args=[draft.pk]))
    assert r.status_code in (403, 404)
    assert not Job.objects.exists()


def test_a_get_of_the_start_url_starts_nothing(draft, users, login, big):
    r = login(users["bureau"]).get(reverse("quotas:preview_start", args=[draft.pk]))
    assert r.status_code == 405 and not Job.objects.exists()


# --- publishing a city-size table --------------------------------------------------------


def _publish(c, draft):
    return c.post(
        reverse("quotas:publish", args=[draft.pk]), {"method": "hamilton", "notes": "说明"}
    )


def test_publishing_a_city_size_table_is_a_job_that_ends_published(draft, users, login, big):
    inputs = adapters.table_inputs(draft)
    draft.method = "hamilton"
    expected = adapters.compute(draft, inputs)  # what the request itself would store
    c = login(users["bureau"])
    r = _publish(c, draft)
    assert r.status_code == 302 and r["Location"] == reverse("quotas:table", args=[draft.pk])
    job = Job.objects.get(kind="quotas_publish")
    assert job.state == JobState.DONE and job.created_by == users["bureau"]
    assert job.args == {"table_id": draft.pk, "method": "hamilton", "notes": "说明"}
    draft.refresh_from_db()
    assert draft.is_published and draft.notes == "说明" and draft.method == "hamilton"
    assert job.result == {"table_id": draft.pk, "result_sha256": expected.result_sha256}
    stored = set(
        draft.seats.values_list("high_school__code", "school__code", "seats").filter(seats__gt=0)
    )
    assert stored == {row for row in expected.rows if row[2] > 0}
    page = c.get(reverse("quotas:table", args=[draft.pk])).content.decode()
    assert 'data-testid="publish-job"' not in page  # the published table, no progress bar


def test_a_queued_publish_shows_progress_on_the_draft_and_a_refusal_its_reason(
    draft, users, login, big
):
    big.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    c = login(users["bureau"])
    _publish(c, draft)
    _publish(c, draft)  # a second click: the same job
    job = Job.objects.get(kind="quotas_publish")
    assert job.state == JobState.QUEUED
    html = c.get(reverse("quotas:table", args=[draft.pk])).content.decode()
    assert 'data-testid="publish-job"' in html and 'data-testid="job-progress"' in html
    # Before the worker gets to it, the plans are emptied: the job refuses, nothing is stored.
    actions.do_set_plans(
        draft, {p.high_school_id: 0 for p in draft.plans.all()}, by=users["bureau"]
    )
    drain()
    job.refresh_from_db()
    draft.refresh_from_db()
    assert job.state == JobState.FAILED and "招生计划数" in job.error
    assert not draft.is_published and not draft.seats.exists()
    html = c.get(reverse("quotas:table", args=[draft.pk])).content.decode()
    assert 'data-testid="job-error"' in html and "招生计划数" in html


def test_a_small_table_is_still_published_in_the_request(draft, users, login):
    _publish(login(users["bureau"]), draft)
    draft.refresh_from_db()
    assert draft.is_published and not Job.objects.filter(kind="quotas_publish").exists()


@pytest.mark.parametrize("who", ["school", "parent", "teacher"])
def test_only_the_bureau_starts_a_publish(draft, users, login, big, who):
    r = _publish(login(users[who]), draft)
    assert r.status_code in (403, 404)
    assert not Job.objects.exists()
