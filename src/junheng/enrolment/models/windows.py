"""Choice windows (选课窗口) and the parents' rankings of offerings (志愿).

A window belongs to one school and term; while it is open a guardian ranks up to `max_ranked`
offerings for each child. One `Ranking` row per (window, student), replaced atomically on every
change; its `token` makes a repeated POST of the same form harmless.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from junheng.afterschool.models import Offering
from junheng.region.models import School, Student, Term


class WindowState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("开放选课")
    CLOSED = "closed", _("已截止")
    DRAWN = "drawn", _("已摇号")
    PUBLISHED = "published", _("已公布结果")


class Method(models.TextChoices):
    DA = "da", _("延迟接受（每人一门）")
    DRAFT = "draft", _("轮流选课（每人多门）")
    MAX_WELFARE = "max-welfare", _("总满意度最大")


class ChoiceWindow(models.Model):
    """A school's choice window for a term: who may rank what, until when, and how it is drawn."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="choice_windows", verbose_name=_("学校")
    )
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="choice_windows", verbose_name=_("学期")
    )
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    max_ranked = models.PositiveSmallIntegerField(
        _("最多填报志愿数"), default=5, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    max_courses = models.PositiveSmallIntegerField(
        _("每人最多录取课程数 (K)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    method = models.CharField(
        _("分配方法"), max_length=12, choices=Method.choices, default=Method.DA
    )
    priority_left_behind = models.PositiveSmallIntegerField(_("留守儿童优先级"), default=1)
    priority_low_income = models.PositiveSmallIntegerField(_("低收入家庭优先级"), default=1)
    min_size = models.PositiveSmallIntegerField(
        _("最低开班人数"),
        default=0,
        help_text=_("录取人数低于此数的课程可取消并重新安排（0 = 不限）"),
    )
    offer_hours = models.PositiveSmallIntegerField(
        _("候补录取保留时长（小时）"), default=48, validators=[MinValueValidator(1)]
    )
    state = models.CharField(
        _("状态"),
        max_length=10,
        choices=WindowState.choices,
        default=WindowState.DRAFT,
        db_index=True,
    )
    # 1: the term's choice window; 2, 3…: a second round (补录) over the seats still free,
    # created only by `do_create_second_round` once the earlier rounds are published.
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    close_reason = models.TextField(_("提前截止原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="window_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=~models.Q(method="da") | models.Q(max_courses=1),
                name="window_da_needs_k1",
            ),
            # One window per school, term and round: a second window cannot draw the same
            # seats again (it would overbook them and jump the first window's waitlist).
            models.UniqueConstraint(
                fields=["school", "term", "round"], name="uniq_window_school_term_round"
            ),
        ]
        verbose_name = _("选课窗口")
        verbose_name_plural = _("选课窗口")

    def __str__(self) -> str:
        if self.round > 1:
            return f"{self.school} {self.term} ({_('第 %(n)d 轮') % {'n': self.round}})"
        return f"{self.school} {self.term}"

    def accepting(self, now: dt.datetime | None = None) -> bool:
        """Open and inside [opens_at, closes_at): parents may rank now."""
        at = now or timezone.now()
        return self.state == WindowState.OPEN and self.opens_at <= at < self.closes_at

    def priority_of(self, student: Student) -> int:
        """Left-behind or low-income children are served first (the larger of the two applies)."""
        p = 0
        if student.left_behind:
            p = max(p, self.priority_left_behind)
        if student.low_income:
            p = max(p, self.priority_low_income)
        return p


class Ranking(models.Model):
    """A child's ranked choices in a window (one row per window and student)."""

    window = models.ForeignKey(ChoiceWindow, on_delete=models.CASCADE, related_name="rankings")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="rankings")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("修改次数"), default=1)
    receipt_code = models.CharField(_("回执码"), max_length=16)
    # The child's pseudonym in this window's public draw files (never the student code).
    pseudonym = models.CharField(_("摇号化名编号"), max_length=12, blank=True)
    token = models.CharField(max_length=64, blank=True)
    together = models.BooleanField(
        _("兄弟姐妹同班，否则都不要"),
        default=False,
        help_text=_("兄弟姐妹都勾选时：摇号后若未录取到相同课程，则全部放弃名额"),
    )

    class Meta:
        ordering = ["window", "student__code"]
        constraints = [
            models.UniqueConstraint(fields=["window", "student"], name="uniq_ranking"),
            models.UniqueConstraint(
                fields=["window", "pseudonym"],
                condition=~models.Q(pseudonym=""),
                name="uniq_ranking_pseudonym",
            ),
        ]
        verbose_name = _("志愿")
        verbose_name_plural = _("志愿")

    def __str__(self) -> str:
        return f"{self.window}: {self.student.code}"


class RankingToken(models.Model):
    """A form token a ranking was stored with. Each form page carries a fresh token; a form
    is stored once: sent again (a double tap, a browser resending an old form after a newer
    one was stored) it changes nothing."""

    ranking = models.ForeignKey(Ranking, on_delete=models.CASCADE, related_name="tokens")
    token = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ranking", "token"], name="uniq_ranking_token"),
        ]

    def __str__(self) -> str:
        return self.token


class RankingChoice(models.Model):
    ranking = models.ForeignKey(Ranking, on_delete=models.CASCADE, related_name="choices")
    rank = models.PositiveSmallIntegerField(_("志愿顺序"))
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["ranking", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["ranking", "rank"], name="uniq_ranking_rank"),
            models.UniqueConstraint(fields=["ranking", "offering"], name="uniq_ranking_offering"),
        ]
        verbose_name = _("志愿项")
        verbose_name_plural = _("志愿项")

    def __str__(self) -> str:
        return f"{self.rank}: {self.offering_id}"
