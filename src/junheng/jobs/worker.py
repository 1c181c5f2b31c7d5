"""`junheng worker`: the task framework's worker for the configured backend, plus housekeeping.

Housekeeping (a thread in each worker): records the worker as alive (`WorkerBeat`, counted by
`/healthz`), sweeps jobs whose worker died, and starts the periodic jobs that are due (each
slot claimed once across all workers).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string

logger = logging.getLogger(__name__)

TICK_S = 15.0  # how often each worker runs the sweep and the scheduler


def backend_kind() -> str:
    backend = settings.TASKS["default"]["BACKEND"]
    if "django_tasks_db" in backend:
        return "db"
    if "django_tasks_rq" in backend:
        return "rq"
    return "immediate"


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(6)}"


def beat(worker_id: str) -> None:
    from junheng.jobs.models import WorkerBeat

    now = timezone.now()
    WorkerBeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:200],
            "pid": os.getpid(),
            "backend": backend_kind(),
            "seen_at": now,
        },
    )


def housekeeping_once(worker_id: str, *, schedule: bool = True) -> dict[str, Any]:
    from junheng.jobs.schedule import run_due

    beat(worker_id)
    return run_due() if schedule else {}


class Housekeeper(threading.Thread):
    def __init__(self, worker_id: str, *, schedule: bool, tick_s: float = TICK_S) -> None:
        super().__init__(daemon=True, name="junheng-housekeeper")
        self.worker_id, self.schedule, self.tick_s = worker_id, schedule, tick_s
        self.stopped = threading.Event()

    def run(self) -> None:
        beat_s = float(getattr(settings, "JOBS_HEARTBEAT_S", 10))
        next_tick = 0.0
        try:
            while not self.stopped.is_set():
                close_old_connections()
                try:
                    if time.monotonic() >= next_tick:
                        housekeeping_once(self.worker_id, schedule=self.schedule)
                        next_tick = time.monotonic() + self.tick_s
                    else:
                        beat(self.worker_id)
                except Exception:  # a locked database or a lost connection: try again later
                    logger.warning("worker housekeeping failed", exc_info=True)
                self.stopped.wait(min(beat_s, self.tick_s))
        finally:
            connection.close()


def run_worker(
    *,
    queue: str = "default",
    interval: float = 1.0,
    batch: bool = False,
    schedule: bool = True,
    max_tasks: int | None = None,
) -> None:
    """Run one worker process until Ctrl-C / SIGTERM (or, with `batch`, until the queue is empty)."""
    from junheng.jobs.models import WorkerBeat

    kind = backend_kind()
    worker_id = new_worker_id()
    keeper = None
    if batch:
        housekeeping_once(worker_id, schedule=schedule)
    else:
        keeper = Housekeeper(worker_id, schedule=schedule)
        keeper.start()
    print(
        f"junheng worker {worker_id}: backend {kind}, queue {queue}"
        + (", scheduler on" if schedule else ""),
        flush=True,
    )
    try:
        if kind == "db":
            from django_tasks_db.management.commands.db_worker import Worker

            worker = Worker(
                queue_names=[queue],
                interval=interval,
                batch=batch,
                backend_name="default",
                startup_delay=not batch,
                max_tasks=max_tasks,
                worker_id=worker_id[:64],
                excluded_queue_names=[],
            )
            worker.configure_signals()
            worker.run()
        elif kind == "rq":
            from django.core.management import call_command

            call_command(
                "rqworker",
                queue,
                job_class="django_tasks_rq.Job",
                burst=batch,
                with_scheduler=True,
                name=worker_id,
            )
        elif not batch:
            # The immediate backend runs jobs inside the request; only periodic work is left.
            assert keeper is not None
            while keeper.is_alive():
                keeper.join(timeout=1.0)
    except KeyboardInterrupt:
        pass
    finally:
        if keeper is not None:
            keeper.stopped.set()
        try:
            WorkerBeat.objects.filter(worker_id=worker_id).delete()
        except Exception:  # the database went away first
            logger.debug("could not remove worker beat", exc_info=True)


def drain(*, queue: str | None = None) -> int:
    """Run every queued task of the database backend here and now; returns how many ran.

    The test suite's way of "running the worker inline" when it exercises the real queue.
    """
    from unittest import mock

    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    from junheng.jobs.actions import queue_name

    before = DBTaskResult.objects.finished().count()
    worker = Worker(
        queue_names=[queue or queue_name()],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=new_worker_id()[:64],
        excluded_queue_names=[],
    )
    # The worker drops "obsolete" connections between tasks; inside a test's transaction that
    # is the test's own connection (autocommit off), which PostgreSQL would then lose.
    with mock.patch(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    ):
        worker.run()
    return DBTaskResult.objects.finished().count() - before
