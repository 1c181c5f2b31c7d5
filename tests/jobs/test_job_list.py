"""A user's job list (/jobs/): every import, export and run a bureau starts stays listed for
JOBS_KEEP_DAYS, so the list is paged, searchable by name, filtered by state, and its queries do
not grow with the jobs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from junheng.jobs.models import Job, JobState
from tests.querycount import assert_constant_queries

pytestmark = pytest.mark.django_db


def _jobs(user, n, title, state=JobState.DONE):
    Job.objects.bulk_create(
        Job(kind="count", title=title, task_path="x.y", created_by=user, state=state)
        for _ in range(n)
    )


def test_my_jobs_are_paged_searched_and_filtered_in_constant_queries(
    users, login, django_assert_max_num_queries
):
    bureau = users["bureau"]
    _jobs(bureau, 1, "导出学生名单")
    client = login(bureau)

    def many() -> None:
        _jobs(bureau, 70, "导出学生名单")
        _jobs(bureau, 3, "补充计划运行", state=JobState.FAILED)
        _jobs(users["school"], 5, "别人的任务")

    response = assert_constant_queries(
        client, reverse("jobs:mine"), many, django_assert_max_num_queries
    )
    page = response.context["page"]
    assert page.paginator.count == 74 and len(page.object_list) == 50
    html = response.content.decode()
    assert 'data-testid="pager"' in html and "别人的任务" not in html
    assert len(client.get(reverse("jobs:mine"), {"page": 2}).context["page"].object_list) == 24

    failed = client.get(reverse("jobs:mine"), {"state": "failed"}).context["page"]
    assert failed.paginator.count == 3
    assert {j.title for j in failed.object_list} == {"补充计划运行"}
    found = client.get(reverse("jobs:mine"), {"q": "补充"}).context["page"]
    assert found.paginator.count == 3
    none = client.get(reverse("jobs:mine"), {"q": "别人"})
    assert none.context["page"].paginator.count == 0
    assert "没有符合条件的后台任务。" in none.content.decode()
