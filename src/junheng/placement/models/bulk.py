"""The bureau's run of every school's placement of one grade at once (a background task)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from junheng.region.models import School, Term


class BulkStatus(models.TextChoices):
    COMMITTED = "committed", _("已公布种子承诺")
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class BulkPlacementRun(models.Model):
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+")
    grade = models.PositiveSmallIntegerField(
        _("年级"), validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    method = models.CharField(_("编班方法"), max_length=10, default="balanced")
    max_class_size = models.PositiveSmallIntegerField(
        _("班额上限"), default=45, validators=[MinValueValidator(10), MaxValueValidator(60)]
    )
    # Each school's seed is f"{seed}:{school code}"; the seed is revealed once the run is done.
    seed = models.CharField(_("随机种子"), max_length=100)
    seed_commitment = models.CharField(_("种子承诺 sha256(seed)"), max_length=64)
    # Public entropy entered when the run starts; each school's final seed is
    # sha256(f"{seed}:{school code}" : that school's inputs_sha256 : entropy).
    entropy = models.CharField(_("公开随机数"), max_length=200, blank=True)
    witnesses = models.JSONField(_("监督人"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=BulkStatus.choices, default=BulkStatus.COMMITTED
    )
    progress = models.PositiveSmallIntegerField(_("进度 %"), default=0)
    schools_total = models.PositiveIntegerField(_("学校数"), default=0)
    schools_done = models.PositiveIntegerField(_("已完成学校"), default=0)
    students_total = models.PositiveIntegerField(_("学生数"), default=0)
    message = models.TextField(_("说明"), blank=True)
    summary = models.JSONField(_("结果摘要"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("全市（县）统一编班")
        verbose_name_plural = _("全市（县）统一编班")

    def __str__(self) -> str:
        return f"#{self.pk} {self.grade} {self.term}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("placement:bulk_detail", kwargs={"run_id": self.pk})

    @property
    def public_seed(self) -> str:
        return self.seed if self.status == BulkStatus.DONE else ""

    @property
    def is_active(self) -> bool:
        return self.status in (BulkStatus.QUEUED, BulkStatus.RUNNING)


class BulkPlacementSchool(models.Model):
    """One school's line of a bulk run: its placement and how balanced the result is."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待抽签")
        DONE = "done", _("已抽签")
        SKIPPED = "skipped", _("已跳过")
        FAILED = "failed", _("失败")

    run = models.ForeignKey(BulkPlacementRun, on_delete=models.CASCADE, related_name="schools")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    placement = models.ForeignKey(
        "placement.Placement", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    students = models.PositiveIntegerField(_("学生数"), default=0)
    classes = models.PositiveSmallIntegerField(_("班级数"), default=0)
    summary = models.JSONField(_("结果摘要"), default=dict, blank=True)
    message = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["school__code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "school"], name="uniq_bulk_placement_school")
        ]
        verbose_name = _("统一编班学校")
        verbose_name_plural = _("统一编班学校")

    def __str__(self) -> str:
        return f"{self.run_id} {self.school_id}"
