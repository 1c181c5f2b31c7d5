"""The one API for long jobs (长任务).

Start a job from a view or an action; the page returns at once::

    from junheng.jobs.actions import start_job

    job = start_job("supply_run", compute_supply, by=request.user, target=run,
                    title=_("均衡配课方案计算"), run_id=run.pk)

The body is a plain function taking the job first and the JSON-serialisable keyword arguments
given to `start_job`; it reports progress and may be cancelled::

    from junheng.jobs.actions import JobCancelled, JobFailed, progress

    def compute_supply(job, *, run_id):
        progress(job, _("读取数据"), 10)     # raises JobCancelled when the user cancelled
        plan = solve(...)                     # no transaction held while computing
        progress(job, _("保存结果"), 90)
        with transaction.atomic():            # the write in one short transaction
            ...
        return {"placements": n}              # stored on the job (JSON)

Raise `JobFailed(_("…"))` for a failure the user can act on; any other exception fails the job
with a generic message (the traceback goes to the log) and, like a cancel, leaves nothing of an
unfinished `transaction.atomic()` block behind. The user who started the job is notified when it
ends. A worker that dies mid-job is noticed by the heartbeat sweep: the job is queued again (up
to `max_attempts` runs in all) or marked failed, never left running.

Its `on_fail(job)` hook marks the computed row failed in one call:
``mark_ended(Run.objects.filter(pk=job.args["run_id"]).exclude(status=DONE), job, status=FAILED)``.

Show the job with ``{% include "jobs/_progress.html" with job=job %}`` (polled with htmx).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from junheng.jobs.errors import JobCancelled, JobFailed
from junheng.jobs.models import ACTIVE_STATES, Job, JobState

if TYPE_CHECKING:
    from junheng.accounts.models import User

__all__ = [
    "JobCancelled",
    "JobFailed",
    "check_cancelled",
    "progress",
    "request_cancel",
    "run_inline",
    "start_job",
]

logger = logging.getLogger(__name__)

# Progress writes are throttled to one per PROGRESS_MIN_INTERVAL_S unless the stage changes.
PROGRESS_MIN_INTERVAL_S = 0.5


def heartbeat_s() -> float:
    return float(getattr(settings, "JOBS_HEARTBEAT_S", 10))


def lost_after_s() -> float:
    return float(getattr(settings, "JOBS_LOST_AFTER_S", 90))


def queue_name() -> str:
    return str(getattr(settings, "JOBS_QUEUE", "default"))


@contextmanager
def run_inline() -> Iterator[None]:
    """Run the jobs started inside the block at once, in this process (the demo loader)."""
    from django.test.utils import override_settings

    immediate = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(TASKS=immediate):
        yield


def _source_text(text: Any) -> str:
    """Texts are stored in the job's language (the body runs in it); pages translate the
    source-language (Chinese) ones on display."""
    return str(text)


def _language(job: Job) -> str:
    return job.language or settings.LANGUAGE_CODE


def _task_path(task: Callable[..., Any] | str) -> str:
    if isinstance(task, str):
        path = task
    else:
        func = getattr(task, "func", task)  # a django_tasks Task wraps the function
        path = f"{func.__module__}.{func.__qualname__}"
    if not callable(import_string(path)):
        raise TypeError(f"{path} is not callable")
    return path


def start_job(
    kind: str,
    task: Callable[..., Any] | str,
    *,
    by: User | None,
    target: models.Model | None = None,
    title: Any = "",
    max_attempts: int = 2,
    on_fail: Callable[..., Any] | str | None = None,
    **args: Any,
) -> Job:
    """Record a job and queue it; returns the job (still queued unless the backend is immediate).

    `task` is the body (a function or its dotted path) called as ``task(job, **args)`` in the
    worker; `args` must be JSON-serialisable. `target` (any model row) is what the job is about:
    ``Job.latest_for(target)`` finds it again and its ``get_absolute_url`` is the notification's
    link. `on_fail(job)` (a function or dotted path) is called whenever the job ends failed or
    cancelled, also when that is decided outside the body (cancelled while queued, its worker
    lost): mark the domain row there. Inside a transaction the job is queued at commit.
    """
    job = Job.objects.create(
        kind=kind,
        title=_source_text(title)[:200] if title else "",
        task_path=_task_path(task),
        on_fail=_task_path(on_fail) if on_fail else "",
        args=args,
        created_by=by,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        max_attempts=max_attempts,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        stage=gettext_noop("排队等待执行"),
    )
    _enqueue(job)
    job.refresh_from_db()
    return job


def _enqueue(job: Job) -> None:
    from junheng.jobs.tasks import run_job

    def send() -> None:
        result = run_job.using(queue_name=queue_name()).enqueue(job.pk)
        if not result.is_finished:
            Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id)[:64])

    backend = settings.TASKS["default"]["BACKEND"]
    outside_db = uses_worker() and "django_tasks_db" not in backend
    if connection.in_atomic_block and outside_db:
        # A queue outside the database (Redis) could start the job before the row commits; the
        # database backend's own row commits with the job's, and the immediate one runs inline.
        transaction.on_commit(send)
    else:
        send()


def progress(job: Job, stage: Any, pct: float | int) -> None:
    """Report how far the job has got (stage text + 0–100) and check for a cancel request.

    Raises `JobCancelled` when the user cancelled: let it propagate (out of any atomic block,
    so nothing half-done is kept). Call it between steps, outside long write transactions.
    """
    stage_text = _source_text(stage)[:200] if stage else job.stage
    pct_value = max(0, min(100, int(pct)))
    now = time.monotonic()
    last = job._last_progress
    if (
        last is not None
        and stage_text == job.stage
        and now - last < PROGRESS_MIN_INTERVAL_S
        and pct_value < 100
    ):
        job.pct = pct_value
        return
    updated = Job.objects.filter(
        pk=job.pk, state=JobState.RUNNING, cancel_requested=False, attempts=job.attempts
    ).update(stage=stage_text, pct=pct_value, heartbeat_at=timezone.now())
    if not updated:
        raise JobCancelled
    job._last_progress = now
    job.stage, job.pct = stage_text, pct_value


def check_cancelled(job: Job) -> None:
    """Raise `JobCancelled` when a cancel was asked for (a read only; for tight loops)."""
    if not Job.objects.filter(
        pk=job.pk, state=JobState.RUNNING, cancel_requested=False, attempts=job.attempts
    ).exists():
        raise JobCancelled


def request_cancel(job: Job, *, by: User | None) -> Job:
    """Cancel a queued job at once; ask a running one to stop at its next progress report."""
    now = timezone.now()
    cancelled = Job.objects.filter(pk=job.pk, state=JobState.QUEUED).update(
        state=JobState.CANCELLED,
        cancel_requested=True,
        stage=gettext_noop("已取消"),
        finished_at=now,
    )
    if cancelled:
        job.refresh_from_db()
        _ended(job)
        return job
    Job.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
        cancel_requested=True, stage=gettext_noop("正在取消…")
    )
    job.refresh_from_db()
    return job


# --------------------------------------------------------------------------- the runner


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class _Heartbeat(threading.Thread):
    """Touches the running job every `interval` seconds so the sweep knows the worker lives."""

    def __init__(self, job_id: int, attempt: int, interval: float) -> None:
        super().__init__(daemon=True, name=f"job-{job_id}-heartbeat")
        self.job_id, self.attempt, self.interval = job_id, attempt, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.interval):
                try:
                    Job.objects.filter(
                        pk=self.job_id, state=JobState.RUNNING, attempts=self.attempt
                    ).update(heartbeat_at=timezone.now())
                except Exception:  # a locked SQLite file: the next beat tries again
                    logger.debug("heartbeat of job %s skipped", self.job_id, exc_info=True)
        finally:
            connection.close()


def uses_worker() -> bool:
    return "immediate" not in settings.TASKS["default"]["BACKEND"].lower()


def user_message(err: BaseException) -> str:
    """The reason shown to the user: the message of the errors made for users, else generic."""
    from junheng.engines.io import InputError

    if isinstance(err, ValidationError):
        return "；".join(str(m) for m in err.messages)
    user_facing = isinstance(err, JobFailed | InputError) or any(
        cls.__name__ in {"ActionError", "FileError"} for cls in type(err).__mro__
    )
    if user_facing and str(err):
        return str(err)
    return _("内部错误（%(name)s），已记录日志，请稍后重试或联系管理员。") % {
        "name": type(err).__name__
    }


def execute_job(job_id: int) -> dict[str, Any]:
    """Run one queued job (the task body behind `run_job`); never raises for the job's errors."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING,
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        worker=worker_name()[:120],
        stage=gettext_noop("开始执行"),
        pct=0,
        error="",
    )
    if not claimed:  # cancelled while queued, or another copy of the message already runs it
        return {"skipped": True}
    job = Job.objects.get(pk=job_id)
    if job.cancel_requested:
        _finish(job, JobState.CANCELLED, gettext_noop("已取消"), 0, "", None)
        return {"job": job.pk, "state": str(JobState.CANCELLED)}
    beat = _Heartbeat(job.pk, job.attempts, heartbeat_s()) if uses_worker() else None
    if beat is not None:
        beat.start()
    state, error, result = JobState.DONE, "", None
    try:
        with translation.override(_language(job)):
            body = import_string(job.task_path)
            result = body(job, **job.args)
    except JobCancelled:
        state = JobState.CANCELLED
    except Exception as err:
        state = JobState.FAILED
        with translation.override(_language(job)):
            error = user_message(err)
        if not isinstance(err, JobFailed):
            logger.exception("job %s (%s) failed", job.pk, job.kind)
    finally:
        if beat is not None:
            beat.stopped.set()
            beat.join(timeout=5)
    done = {
        JobState.DONE: (gettext_noop("已完成"), 100),
        JobState.CANCELLED: (gettext_noop("已取消"), job.pct),
        JobState.FAILED: (gettext_noop("失败"), job.pct),
    }
    stage, pct = done[state]
    try:
        json.dumps(result)
    except (TypeError, ValueError) as err:  # a result that cannot be stored
        logger.exception("job %s returned a result that is not JSON", job.pk)
        with translation.override(_language(job)):
            error = user_message(err)
        state, stage, pct, error, result = (
            JobState.FAILED,
            done[JobState.FAILED][0],
            job.pct,
            error,
            None,
        )
    _finish(job, state, stage, pct, error, result)
    return {"job": job.pk, "state": str(state)}


def _finish(job: Job, state: str, stage: str, pct: int, error: str, result: Any) -> None:
    updated = Job.objects.filter(pk=job.pk, state=JobState.RUNNING, attempts=job.attempts).update(
        state=state,
        stage=stage,
        pct=pct,
        error=error[:4000],
        result=result,
        finished_at=timezone.now(),
    )
    if updated:  # else the sweep took the job from this (stalled) worker
        job.refresh_from_db()
        _ended(job)


def mark_ended(target: models.QuerySet[Any], job: Job, **fields: Any) -> int:
    """The one `on_fail` body: the job failed or was cancelled (wherever that was decided), so
    are the rows of `target` (the run, draw or schedule the job computed; exclude the states
    that must stay). Sets `message` (the job's error, or "cancelled") and `finished_at`, plus
    `fields` (the row's own failed status). Returns the number of rows changed."""
    message = job.error if job.state == JobState.FAILED else _("已取消。")
    return target.update(message=message[:2000], finished_at=timezone.now(), **fields)


def _ended(job: Job) -> None:
    if job.on_fail and job.state in (JobState.FAILED, JobState.CANCELLED):
        try:
            with translation.override(_language(job)):
                import_string(job.on_fail)(job)
        except Exception:
            logger.exception("on_fail of job %s failed", job.pk)
    _notify_end(job)


def _notify_end(job: Job) -> None:
    user = job.created_by
    if user is None:
        return
    from junheng.enrolment.actions.common import notify

    with translation.override(_language(job)):
        title = job.title or job.kind
        notice = job.result.get("notice") if isinstance(job.result, dict) else None
        if job.state == JobState.DONE and notice:
            text = str(notice)  # the body's own summary (e.g. an import with row errors)
        elif job.state == JobState.DONE:
            text = _("“%(t)s”已完成。") % {"t": title}
        elif job.state == JobState.CANCELLED:
            text = _("“%(t)s”已取消。") % {"t": title}
        else:
            text = _("“%(t)s”失败：%(e)s") % {"t": title, "e": job.error}
    try:
        notify(user, text, link=job.get_absolute_url(), key=f"job-{job.pk}-end")
    except Exception:  # a notification must never undo the job's outcome
        logger.exception("could not notify the end of job %s", job.pk)


# --------------------------------------------------------------------------- the sweep


def sweep_lost_jobs(now: Any = None) -> dict[str, int]:
    """Jobs whose worker stopped beating: queue them again, or fail them after `max_attempts`.

    Also fails queued jobs whose queue message is gone (the task finished without running the
    job). Safe to run from several workers at once: every change is a conditional update.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=lost_after_s())
    requeued = failed = 0
    for job in Job.objects.filter(state=JobState.RUNNING, heartbeat_at__lt=stale):
        base = Job.objects.filter(pk=job.pk, state=JobState.RUNNING, attempts=job.attempts)
        if job.attempts < job.max_attempts and not job.cancel_requested:
            if base.update(
                state=JobState.QUEUED, stage=gettext_noop("工作进程中断，重新排队"), worker=""
            ):
                requeued += 1
                _enqueue(job)
        elif base.update(
            state=JobState.FAILED,
            stage=gettext_noop("失败"),
            error=gettext_noop("执行任务的工作进程已中断，任务未完成，请重新发起。"),
            finished_at=now,
        ):
            failed += 1
            job.refresh_from_db()
            _ended(job)
    failed += _fail_orphans(now)
    if requeued or failed:
        logger.warning("job sweep: %s requeued, %s failed", requeued, failed)
    return {"requeued": requeued, "failed": failed}


def _fail_orphans(now: Any) -> int:
    """Queued jobs whose task message finished or vanished without running them."""
    from django_tasks import default_task_backend
    from django_tasks.exceptions import TaskResultDoesNotExist

    if not default_task_backend.supports_get_result:
        return 0
    n = 0
    old = now - timedelta(seconds=lost_after_s())
    for job in Job.objects.filter(state=JobState.QUEUED, created_at__lt=old).exclude(
        task_result_id=""
    ):
        try:
            finished = default_task_backend.get_result(job.task_result_id).is_finished
        except TaskResultDoesNotExist:
            finished = True
        except Exception:  # the queue is unreachable: decide next time
            logger.warning("job sweep: cannot read task %s", job.task_result_id, exc_info=True)
            continue
        if finished and Job.objects.filter(
            pk=job.pk, state=JobState.QUEUED, task_result_id=job.task_result_id
        ).update(
            state=JobState.FAILED,
            stage=gettext_noop("失败"),
            error=gettext_noop("任务在队列中丢失，未能执行，请重新发起。"),
            finished_at=now,
        ):
            n += 1
            job.refresh_from_db()
            _ended(job)
    return n


def active_jobs() -> models.QuerySet[Job]:
    return Job.objects.filter(state__in=ACTIVE_STATES)


def wait_for(job: Job, timeout_s: float = 30.0) -> Job:
    """Poll until the job ends (for commands and tests; pages poll with htmx instead)."""
    deadline = time.monotonic() + timeout_s
    while True:
        job.refresh_from_db()
        if not job.is_active or time.monotonic() > deadline:
            return job
        close_old_connections()
        time.sleep(0.1)


# --------------------------------------------------------------------------- pruning


def keep_days() -> int:
    return int(getattr(settings, "JOBS_KEEP_DAYS", 30))


def prune_jobs(now: Any = None, days: int | None = None) -> dict[str, int]:
    """Delete the rows of jobs that ended more than `days` (JOBS_KEEP_DAYS, default 30) ago,
    with the files they produced (exports) and, on the database backend, the queue's own
    finished task rows of the same age. Active jobs are never touched. In chunks, so that no
    write holds SQLite's lock for long."""
    from junheng.jobs.files import discard_result

    now = now or timezone.now()
    before = now - timedelta(days=keep_days() if days is None else days)
    old = Job.objects.exclude(state__in=ACTIVE_STATES).filter(
        Q(finished_at__lt=before) | Q(finished_at__isnull=True, created_at__lt=before)
    )
    jobs = files = 0
    while chunk := list(old.order_by("pk").values_list("pk", "result")[:1000]):
        for _pk, result in chunk:
            if isinstance(result, dict) and result.get("file"):
                discard_result(str(result["file"]))
                files += 1
        jobs += Job.objects.filter(pk__in=[pk for pk, _r in chunk]).delete()[0]
    tasks = 0
    if "django_tasks_db" in settings.INSTALLED_APPS:
        from django_tasks_db.models import DBTaskResult

        done = DBTaskResult.objects.filter(finished_at__lt=before)
        while ids := list(done.values_list("pk", flat=True)[:1000]):
            tasks += DBTaskResult.objects.filter(pk__in=ids).delete()[0]
    if jobs or tasks:
        logger.info("pruned %s job rows, %s files, %s task rows", jobs, files, tasks)
    return {"jobs": jobs, "files": files, "tasks": tasks}


def prune_jobs_job(job: Job) -> dict[str, int]:
    """Periodic: forget jobs ended more than JOBS_KEEP_DAYS ago (this one is active: kept)."""
    return prune_jobs()
