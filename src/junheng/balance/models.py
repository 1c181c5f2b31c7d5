"""Balance monitor records: snapshots of the indicators, the government-guarantee items and the
social-recognition survey (the dimensions besides resource allocation, 政府保障程度 / 社会认可度).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BalanceSnapshot(models.Model):
    """The county's seven indicators per school, their CVs and the verdict at one moment."""

    year = models.PositiveIntegerField(_("年度"), db_index=True)
    label = models.CharField(_("学年/学期"), max_length=60)
    taken_at = models.DateTimeField(_("生成时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("生成人"),
    )
    # [{code, name, level, school_level, urban_rural, students, L1..L7, met, passes}]
    schools = models.JSONField(_("各校指标"), default=list)
    cv = models.JSONField(_("差异系数"), default=dict)  # level -> indicator -> CV
    cv_ok = models.BooleanField(_("差异系数达标"), default=False)
    verdict = models.CharField(_("结论"), max_length=8)  # pass | fail
    schools_count = models.PositiveIntegerField(_("学校数"), default=0)
    schools_passing = models.PositiveIntegerField(_("达标学校数"), default=0)
    synthetic = models.BooleanField(_("合成历史数据"), default=False)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        ordering = ["-year", "-taken_at"]
        verbose_name = _("均衡指标快照")
        verbose_name_plural = _("均衡指标快照")

    def __str__(self) -> str:
        return f"{self.label} ({self.verdict})"


class ItemSource(models.TextChoices):
    COMPUTED = "computed", _("系统计算")
    ENTERED = "entered", _("人工填报")


class GovernmentItem(models.Model):
    """One of the 15 government-guarantee items (政府保障程度) for one year."""

    year = models.PositiveIntegerField(_("年度"))
    code = models.CharField(_("编号"), max_length=4)
    title_zh = models.CharField(_("项目（中文）"), max_length=200)
    title_en = models.CharField(_("项目（英文）"), max_length=200)
    rule = models.CharField(_("要求"), max_length=300)
    value = models.FloatField(_("数值"), null=True, blank=True)
    passes = models.BooleanField(_("达标"), null=True, blank=True)  # None: not yet known
    source = models.CharField(_("来源"), max_length=10, choices=ItemSource.choices)
    note = models.TextField(_("说明"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("更新人"),
    )

    class Meta:
        ordering = ["year", "code"]
        constraints = [models.UniqueConstraint(fields=["year", "code"], name="uniq_gov_item")]
        verbose_name = _("政府保障项目")
        verbose_name_plural = _("政府保障项目")

    def __str__(self) -> str:
        return f"{self.year} {self.code} {self.title_zh}"


class SocialRecognition(models.Model):
    """The social-recognition survey of a year (社会认可度, ≥ 85% to pass)."""

    year = models.PositiveIntegerField(_("年度"), unique=True)
    satisfied_share = models.FloatField(_("认可度 (%)"))
    respondents = models.PositiveIntegerField(_("调查人数"), default=0)
    note = models.TextField(_("说明"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("更新人"),
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("社会认可度")
        verbose_name_plural = _("社会认可度")

    def __str__(self) -> str:
        return f"{self.year}: {self.satisfied_share}%"

    @property
    def passes(self) -> bool:
        return self.satisfied_share >= RECOGNITION_MIN


RECOGNITION_MIN = 85.0
