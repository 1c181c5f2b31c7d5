"""The job record, the live workers, and the periodic slots already taken."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    CANCELLED = "cancelled", _("已取消")


ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING)


class Job(models.Model):
    """One long job: what runs (`task_path` with `args`), for whom, and how far it has got.

    `stage` and `error` are stored in the starter's language (Simplified Chinese unless they
    switched) and translated on display when the catalogue has the text.
    """

    # When this process last wrote the job's progress (time.monotonic(); in memory only, never
    # saved): `jobs.actions.progress` skips writes closer together than its interval.
    _last_progress: float | None = None

    kind = models.CharField(_("类型"), max_length=60, db_index=True)
    title = models.CharField(_("名称"), max_length=200, blank=True)
    task_path = models.CharField(max_length=200)
    # Called as f(job) when the job ends failed or cancelled, wherever that is decided (in the
    # worker, by a cancel while queued, by the sweep): the domain row learns of it.
    on_fail = models.CharField(max_length=200, blank=True)
    args = models.JSONField(default=dict, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=JobState.choices, default=JobState.QUEUED
    )
    # The language of the user who started it: the body runs in it, so that its messages
    # (row errors of an import…) read as the rest of that user's pages.
    language = models.CharField(max_length=15, blank=True)
    stage = models.CharField(_("阶段"), max_length=200, blank=True)
    pct = models.PositiveSmallIntegerField(_("进度 (%)"), default=0)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(_("失败原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
    )
    target_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=2)
    cancel_requested = models.BooleanField(default=False)
    worker = models.CharField(max_length=120, blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        indexes = [
            models.Index(fields=["state", "created_at"], name="jobs_state_created_idx"),
            models.Index(fields=["target_type", "target_id"], name="jobs_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title or self.kind} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("jobs:detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def stage_display(self) -> str:
        return gettext(self.stage) if self.stage else ""

    @property
    def error_display(self) -> str:
        return gettext(self.error) if self.error else ""

    @property
    def title_display(self) -> str:
        return gettext(self.title) if self.title else self.kind

    def target_url(self) -> str:
        target: Any = self.target if self.target_type_id else None
        get_url = getattr(target, "get_absolute_url", None)
        return str(get_url()) if callable(get_url) else ""

    @classmethod
    def latest_for(cls, target: models.Model, kind: str | None = None) -> Job | None:
        """The most recent job started for `target` (of `kind` when given), or None."""
        qs = cls.objects.filter(
            target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
        )
        if kind:
            qs = qs.filter(kind=kind)
        return qs.order_by("-created_at", "-pk").first()


class WorkerBeat(models.Model):
    """A running `junheng worker` process, seen every few seconds (the health check counts them)."""

    worker_id = models.CharField(max_length=120, unique=True)
    hostname = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    backend = models.CharField(max_length=20)
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("工作进程")
        verbose_name_plural = _("工作进程")

    def __str__(self) -> str:
        return self.worker_id

    @classmethod
    def alive(cls, within_s: float) -> models.QuerySet[WorkerBeat]:
        return cls.objects.filter(seen_at__gte=timezone.now() - timedelta(seconds=within_s))


class PeriodicSlot(models.Model):
    """A periodic job's time slot that one worker has claimed: the unique pair keeps several
    workers from starting the same periodic job twice."""

    name = models.CharField(max_length=60)
    slot = models.BigIntegerField()
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True)
    claimed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "slot"], name="jobs_periodic_slot_once")
        ]
        verbose_name = _("定时任务时段")
        verbose_name_plural = _("定时任务时段")

    def __str__(self) -> str:
        return f"{self.name}@{self.slot}"
