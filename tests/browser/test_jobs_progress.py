"""Long jobs in a real browser, with the real database queue: a supply run, a choice-window
draw and an import each return the page at once, show the job's progress bar (polled by
htmx, no script of ours), and the page shows the outcome when the worker has finished."""

from __future__ import annotations

import pytest

from tests.afterschool.conftest import make_course, make_provider, slots, term  # noqa: F401
from tests.afterschool.test_supply import county  # noqa: F401
from tests.browser.conftest import login_as
from tests.conftest import PASSWORD
from tests.enrolment.conftest import market, rank_all, window  # noqa: F401
from tests.region.test_import import good_students, xlsx


@pytest.fixture
def db_queue(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.MEDIA_ROOT = tmp_path / "media"


def _shows_progress_then_outcome(page, kind: str, outcome: str) -> None:
    """The page is back while the job waits; the bar follows what the job reports; when the
    worker is done the page reloads itself and shows `outcome`."""
    from junheng.jobs.models import Job
    from junheng.jobs.worker import drain

    bar = page.locator("[data-testid=job-progress]")
    bar.wait_for()
    assert bar.get_attribute("data-state") == "queued"
    job = Job.objects.get(kind=kind)
    # What a worker's progress() writes reaches the open page without a reload.
    Job.objects.filter(pk=job.pk).update(stage="读取数据", pct=40)
    page.wait_for_selector("[data-testid=job-pct]:has-text('40%')")
    assert "读取数据" in page.inner_text("[data-testid=job-stage]")
    assert page.locator("[data-testid=job-cancel]").count() == 1
    drain()  # the worker runs the job while the page keeps polling
    page.wait_for_selector(outcome)
    job.refresh_from_db()
    assert job.state == "done"


@pytest.mark.django_db(transaction=True)
def test_a_supply_run_shows_progress_and_the_plan(page, county, users, term, db_queue):  # noqa: F811
    login_as(page, "bureau", PASSWORD)
    page.goto(page.base + "/afterschool/supply/")
    page.fill("[data-testid=supply-form] input[name=time_limit_s]", "10")
    page.click("[data-testid=supply-start]")
    _shows_progress_then_outcome(
        page, "supply_run", "[data-testid=supply-status][data-status=done]"
    )
    assert page.locator("[data-testid=placement]").count() >= 1


@pytest.mark.django_db(transaction=True)
def test_a_draw_shows_progress_and_the_result(page, market, window, users, db_queue):  # noqa: F811
    rank_all(window, market, {1: ["chess"], 2: ["chess"], 3: ["choir"]})
    login_as(page, "bureau", PASSWORD)
    page.goto(page.base + f"/enrolment/windows/{window.pk}/")
    # Closing before the deadline and running the draw each pass a confirmation page.
    page.click("[data-testid=close-window]")
    page.fill("[data-testid=reason]", "提前统计")
    page.click("[data-testid=confirm]")
    page.fill("[data-testid=entropy-input]", "17 42 08 93")
    page.click("[data-testid=run-draw]")
    page.click("[data-testid=confirm]")
    _shows_progress_then_outcome(page, "draw", "[data-testid=publish-results]")


@pytest.mark.django_db(transaction=True)
def test_an_import_shows_progress_and_the_counts(page, users, db_queue, tmp_path):
    from junheng.region.models import Student

    login_as(page, users["school"].username, PASSWORD)
    page.goto(page.base + "/region/import/")
    upload = tmp_path / "students.xlsx"
    upload.write_bytes(xlsx(good_students()[:3]))
    page.select_option("select[name=kind]", "students")
    page.set_input_files("input[name=file]", str(upload))
    page.click("[data-testid=import-form] button[type=submit]")
    _shows_progress_then_outcome(page, "region_import", "[data-testid=created]")
    assert page.inner_text("[data-testid=created]") == "2"
    assert Student.objects.filter(code__in=["P1001", "P1002"]).count() == 2
