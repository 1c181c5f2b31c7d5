"""Balanced supply runs (均衡配课): the bureau's plan of which school gets which course."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from junheng.afterschool.models.courses import Course
from junheng.region.models import School, Term


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    PUBLISHED = "published", _("已发布")


class SupplyRun(models.Model):
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="supply_runs")
    target = models.FloatField(
        _("目标：每百名学生座位数"), default=10.0, validators=[MinValueValidator(0.1)]
    )
    seed = models.IntegerField(_("随机种子"), default=0)
    time_limit_s = models.FloatField(_("求解时限（秒）"), default=30.0)
    status = models.CharField(
        _("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("进度 (%)"), default=0)
    message = models.TextField(_("说明"), blank=True)
    summary = models.JSONField(_("结果摘要"), default=dict, blank=True)
    # Per-school and per-class figures before (open offerings) and after (with this plan).
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("均衡配课方案")
        verbose_name_plural = _("均衡配课方案")

    def __str__(self) -> str:
        return f"{self.term} #{self.pk}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("afterschool:supply_detail", kwargs={"run_id": self.pk})


class PlacementStatus(models.TextChoices):
    PLANNED = "planned", _("计划")
    LOCKED = "locked", _("锁定")
    FORBIDDEN = "forbidden", _("禁止")


class SupplyPlacement(models.Model):
    """Sections of one course delivered to one school in a run (locked and forbidden kept on re-runs)."""

    run = models.ForeignKey(SupplyRun, on_delete=models.CASCADE, related_name="placements")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="placements")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="supply_placements")
    sections = models.PositiveIntegerField(_("班数"), default=0)
    status = models.CharField(
        _("状态"), max_length=10, choices=PlacementStatus.choices, default=PlacementStatus.PLANNED
    )
    km = models.FloatField(_("距离 (km)"), default=0)

    class Meta:
        ordering = ["run", "school", "course"]
        constraints = [
            models.UniqueConstraint(fields=["run", "course", "school"], name="uniq_placement")
        ]
        verbose_name = _("配课")
        verbose_name_plural = _("配课")

    def __str__(self) -> str:
        return f"{self.course} → {self.school} × {self.sections}"
