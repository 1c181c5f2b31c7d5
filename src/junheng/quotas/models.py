"""High-school quota tables (指标到校 / 分配生): high schools, plans, graduates, seats.

A `QuotaTable` is one year's allocation of a share of every quality high school's admission
plan (`QuotaPlan`) to the junior schools of the region by their graduates (`JuniorGraduates`,
taken from the region's grade-9 students or imported). While a draft it may be edited and
previewed with every method; `publish` stores the engine's seats (`QuotaSeat`, every pair) and
freezes it. A published table is never changed again: a new version copies it (version + 1,
`supersedes`), and the latest published version of a year is the one in force.

Writes go through `junheng.quotas.actions` only.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from junheng.region.models import County, School


class Method(models.TextChoices):
    HAMILTON = "hamilton", _("最大余额法（Hamilton）")
    SAINTE_LAGUE = "sainte-lague", _("圣拉格法（Sainte-Laguë）")
    DHONDT = "dhondt", _("洪德法（D'Hondt）")


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class GraduatesSource(models.TextChoices):
    REGION = "region", _("学籍数据（九年级人数）")
    IMPORT = "import", _("导入文件")


class HighSchool(models.Model):
    """A high school whose places may be allocated; only quality ones (优质高中) take part."""

    code = models.CharField(_("高中代码"), max_length=30, unique=True)
    name = models.CharField(_("高中名称"), max_length=200)
    quality = models.BooleanField(_("优质高中"), default=True)
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="high_schools",
        verbose_name=_("县（市、区）"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("高中")
        verbose_name_plural = _("高中")

    def __str__(self) -> str:
        return self.name


class QuotaTable(models.Model):
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # Stored as a decimal, read by the engine as an exact fraction (never a float).
    share = models.DecimalField(
        _("分配比例"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.70"),
        help_text=_(
            "各优质高中招生计划中分配到初中的比例，(0, 1]；国家不低于 0.5，浙江 2025 年起不低于 0.7"
        ),
    )
    method = models.CharField(
        _("分配方法"), max_length=16, choices=Method.choices, default=Method.HAMILTON
    )
    min_seats = models.PositiveIntegerField(
        _("每校保底名额"),
        default=0,
        help_text=_("每所有毕业生的初中先得的名额，其余按毕业生数分配"),
    )
    graduates_source = models.CharField(
        _("毕业生数来源"),
        max_length=10,
        choices=GraduatesSource.choices,
        default=GraduatesSource.REGION,
    )
    notes = models.TextField(_("发布说明"), blank=True)
    supersedes = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("取代的版本"),
    )
    result_sha256 = models.CharField(_("结果 SHA-256"), max_length=64, blank=True)
    unfilled_places = models.PositiveIntegerField(
        _("无法完成的名额"),
        null=True,
        blank=True,
        help_text=_("名额多于毕业生数的部分，发布时按毕业生数核算"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["year", "version"], name="uniq_quota_table_version"),
            models.CheckConstraint(
                condition=models.Q(share__gt=0) & models.Q(share__lte=1),
                name="quota_share_in_0_1",
            ),
        ]
        verbose_name = _("指标到校分配表")
        verbose_name_plural = _("指标到校分配表")

    def __str__(self) -> str:
        return f"{self.year} v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def share_text(self) -> str:
        """The share as the engine reads it ("0.7", not "0.7000")."""
        return format(Decimal(self.share).normalize(), "f")


class QuotaPlan(models.Model):
    """One high school's admission plan in a table, and (once published) its quota."""

    table = models.ForeignKey(QuotaTable, on_delete=models.CASCADE, related_name="plans")
    high_school = models.ForeignKey(HighSchool, on_delete=models.PROTECT, related_name="plans")
    plan = models.PositiveIntegerField(_("招生计划数"), default=0)
    quota = models.PositiveIntegerField(_("分配名额"), null=True, blank=True)
    # Recorded after admission (the allocation itself stays frozen): places of the quota that
    # were not taken; by the rule they return to general admission (统一招生).
    unfilled = models.PositiveIntegerField(_("录取后未完成名额"), null=True, blank=True)

    class Meta:
        ordering = ["high_school__code"]
        constraints = [
            models.UniqueConstraint(fields=["table", "high_school"], name="uniq_quota_plan")
        ]
        verbose_name = _("招生计划")
        verbose_name_plural = _("招生计划")

    def __str__(self) -> str:
        return f"{self.table} {self.high_school_id}: {self.plan}"


class JuniorGraduates(models.Model):
    """A junior school's graduates (the year's grade-9 students) in a table."""

    table = models.ForeignKey(QuotaTable, on_delete=models.CASCADE, related_name="graduates")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    graduates = models.PositiveIntegerField(_("毕业生数"), default=0)

    class Meta:
        ordering = ["school__code"]
        constraints = [
            models.UniqueConstraint(fields=["table", "school"], name="uniq_junior_graduates")
        ]
        verbose_name = _("初中毕业生数")
        verbose_name_plural = _("初中毕业生数")

    def __str__(self) -> str:
        return f"{self.table} {self.school_id}: {self.graduates}"


class QuotaSeat(models.Model):
    """A published table's seats of one high school at one junior school (every pair)."""

    table = models.ForeignKey(QuotaTable, on_delete=models.CASCADE, related_name="seats")
    high_school = models.ForeignKey(HighSchool, on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    seats = models.PositiveIntegerField(_("名额"))

    class Meta:
        ordering = ["high_school__code", "school__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["table", "high_school", "school"], name="uniq_quota_seat"
            )
        ]
        indexes = [models.Index(fields=["table", "school"])]
        verbose_name = _("分配名额")
        verbose_name_plural = _("分配名额")

    def __str__(self) -> str:
        return f"{self.table} {self.high_school_id}→{self.school_id}: {self.seats}"
