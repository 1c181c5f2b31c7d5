"""Periodic work (定时任务), started by the workers rather than by page views.

Every worker ticks the scheduler; a periodic job's time slot is claimed with a unique row
(`PeriodicSlot`), so several workers on several machines start it once per slot. The job then
runs through the queue like any other. The heartbeat sweep runs in every worker's tick itself
(it is a few conditional updates, safe to repeat).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

from junheng.jobs.models import PeriodicSlot
from junheng.kept import REFRESH_EVERY

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    task_path: str  # a job body: f(job) -> JSON
    every: timedelta
    title: str


PERIODIC: list[Periodic] = [
    Periodic(
        "expire_offers",
        "junheng.enrolment.tasks.expire_offers_job",
        timedelta(minutes=1),
        gettext_noop("逾期候补名额收回"),
    ),
    Periodic(
        "close_windows",
        "junheng.enrolment.tasks.close_due_windows_job",
        timedelta(minutes=1),
        gettext_noop("选课窗口到期自动截止"),
    ),
    Periodic(
        "expire_whitelist",
        "junheng.afterschool.tasks.expire_whitelist_job",
        timedelta(hours=1),
        gettext_noop("白名单与证照到期处理"),
    ),
    Periodic(
        "undo_abandoned_imports",
        "junheng.region.tasks.undo_abandoned_imports_job",
        timedelta(minutes=5),
        gettext_noop("撤销中断导入已写入的部分"),
    ),
    Periodic(
        "page_counts",
        "junheng.kept.refresh_page_counts_job",
        REFRESH_EVERY,
        gettext_noop("重新统计页面所用的全区学生与教师数"),
    ),
    Periodic(
        "prune_jobs",
        "junheng.jobs.actions.prune_jobs_job",
        timedelta(days=1),
        gettext_noop("清理过期的后台任务记录"),
    ),
    Periodic(
        "portrait_retention",
        "junheng.portraits.tasks.retention_job",
        timedelta(days=1),
        gettext_noop("成长档案记录到期删除"),
    ),
]


def slot_of(p: Periodic, now: datetime) -> int:
    return int(now.timestamp() // p.every.total_seconds())


def available() -> list[Periodic]:
    """The periodic jobs whose body exists (an app may not have landed its body yet)."""
    out = []
    for p in PERIODIC:
        try:
            import_string(p.task_path)
        except ImportError:
            continue
        out.append(p)
    return out


def tick(now: datetime | None = None) -> list[str]:
    """Start every periodic job whose current slot nobody has claimed; returns their names."""
    from junheng.jobs.actions import start_job

    now = now or timezone.now()
    started = []
    for p in available():
        try:
            with transaction.atomic():
                slot = PeriodicSlot.objects.create(name=p.name, slot=slot_of(p, now))
                slot.job = start_job(f"periodic:{p.name}", p.task_path, by=None, title=p.title)
                slot.save(update_fields=["job"])
        except IntegrityError:
            continue  # another worker has this slot
        started.append(p.name)
    PeriodicSlot.objects.filter(claimed_at__lt=now - timedelta(days=7)).delete()
    return started


def run_due(now: datetime | None = None) -> dict[str, Any]:
    """One scheduler tick: the sweep, then the periodic jobs due (called by every worker)."""
    from junheng.jobs.actions import sweep_lost_jobs

    swept = sweep_lost_jobs(now)
    return {"swept": swept, "started": tick(now)}
