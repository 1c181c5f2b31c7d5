"""Teacher rotation rounds (校长教师交流轮岗): rules, subject needs, preferences, plans, stints.

A `RotationRound` is one county's rotation for one year with its rules (years at one school,
annual share, backbone share and its basis, longest move, optional age caps by gender, the
preference deadline). Schools confirm their `SubjectNeed` rows (head count per subject after
the moves); eligible teachers state a `Preference` (up to three schools, hardship reasons);
the bureau pins single moves (`Pin`: lock or forbid) and runs the plan (`PlanRun`, computed by
`junheng.engines.rotation` through a task) whose moves are `Move` rows. Publishing freezes the
round and its latest plan and opens a `Stint` for every move (urban → rural stints last at
least three years, Zhejiang). Writes go through `junheng.rotation.actions` only.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from junheng.jobs.records import EngineRun, YearRound
from junheng.jobs.records import RoundStatus as RoundStatus
from junheng.region.models import SUBJECTS, County, School, Teacher

MIN_RURAL_STINT_YEARS = 3  # Zhejiang (2013): urban → rural stints of at least three years


class BackboneBasis(models.TextChoices):
    MOVERS = "movers", _("占交流人数（全国）")
    ELIGIBLE = "eligible", _("占符合条件人数（安徽等）")


class RotationRound(YearRound):
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        related_name="rotation_rounds",
        verbose_name=_("县（市、区）"),
    )
    min_years = models.PositiveSmallIntegerField(
        _("同校任教满（年）"), default=6, help_text=_("在同一所学校任教满该年限方可交流")
    )
    share = models.DecimalField(
        _("年度交流比例下限"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.10"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text=_("每年交流人数不少于符合条件教师的该比例（国家 10%）"),
    )
    max_share = models.DecimalField(
        _("年度交流比例上限"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text=_("可选：每年交流人数不超过符合条件教师的该比例"),
    )
    target_share = models.DecimalField(
        _("目标交流比例"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text=_("可选：计划交流的人数占符合条件教师的比例（在下限与上限之间）；不填则按下限"),
    )
    backbone_share = models.DecimalField(
        _("骨干教师比例下限"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.20"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text=_("县级及以上骨干教师不少于该比例（国家 20%）"),
    )
    backbone_basis = models.CharField(
        _("骨干比例计算基数"),
        max_length=10,
        choices=BackboneBasis.choices,
        default=BackboneBasis.MOVERS,
    )
    max_km = models.FloatField(
        _("最远交流距离 (km)"), default=30.0, validators=[MinValueValidator(0.0)]
    )
    max_age_male = models.PositiveSmallIntegerField(
        _("男教师年龄上限"), null=True, blank=True, help_text=_("可选：未满该年龄方可交流")
    )
    max_age_female = models.PositiveSmallIntegerField(
        _("女教师年龄上限"), null=True, blank=True, help_text=_("可选：未满该年龄方可交流")
    )
    stint_years = models.PositiveSmallIntegerField(
        _("交流年限"),
        default=MIN_RURAL_STINT_YEARS,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("城镇到乡村学校的交流不少于 3 年（浙江）"),
    )
    preference_deadline = models.DateField(_("志愿填报截止日期"), null=True, blank=True)
    published_run = models.OneToOneField(
        "PlanRun",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="published_in",
        verbose_name=_("发布的方案"),
    )

    class Meta:
        ordering = ["-year", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="uniq_rotation_round_year")
        ]
        verbose_name = _("交流轮岗年度")
        verbose_name_plural = _("交流轮岗年度")

    def __str__(self) -> str:
        return f"{self.county} {self.year}"

    def latest_run(self) -> PlanRun | None:
        return self.runs.order_by("-pk").first()


class SubjectNeed(models.Model):
    """A school needs at least `required` teachers of a subject after the moves."""

    round = models.ForeignKey(RotationRound, on_delete=models.CASCADE, related_name="needs")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(_("学科"), max_length=20, choices=SUBJECTS)
    required = models.PositiveIntegerField(_("交流后至少需要（人）"))

    class Meta:
        ordering = ["school__code", "subject"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "school", "subject"], name="uniq_rotation_need"
            )
        ]
        verbose_name = _("学科需求")
        verbose_name_plural = _("学科需求")

    def __str__(self) -> str:
        return f"{self.school} {self.subject} ≥ {self.required}"


class NeedsConfirmation(models.Model):
    """A school confirmed its subject needs for the round (editing them again clears it)."""

    round = models.ForeignKey(RotationRound, on_delete=models.CASCADE, related_name="confirmations")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    confirmed_at = models.DateTimeField(_("确认时间"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "school"], name="uniq_rotation_confirmation")
        ]
        verbose_name = _("学科需求确认")
        verbose_name_plural = _("学科需求确认")

    def __str__(self) -> str:
        return f"{self.round} {self.school}"


class Preference(models.Model):
    """An eligible teacher's wishes: up to three schools, and hardship reasons."""

    round = models.ForeignKey(RotationRound, on_delete=models.CASCADE, related_name="preferences")
    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="+")
    pref1 = models.ForeignKey(
        School,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("第一志愿"),
    )
    pref2 = models.ForeignKey(
        School,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("第二志愿"),
    )
    pref3 = models.ForeignKey(
        School,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("第三志愿"),
    )
    hardship = models.BooleanField(_("有特殊困难"), default=False)
    hardship_reason = models.CharField(_("困难说明"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("填报时间"), auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "teacher"], name="uniq_rotation_preference")
        ]
        verbose_name = _("交流志愿")
        verbose_name_plural = _("交流志愿")

    def __str__(self) -> str:
        return f"{self.round} {self.teacher}"

    def schools(self) -> list[School]:
        return [s for s in (self.pref1, self.pref2, self.pref3) if s is not None]


class PinKind(models.TextChoices):
    LOCK = "lock", _("锁定")
    FORBID = "forbid", _("禁止")


class Pin(models.Model):
    """The bureau fixes one outcome before a re-run.

    lock: the teacher goes to `school` (their own school: the teacher stays);
    forbid: the teacher must not go to `school`.
    """

    round = models.ForeignKey(RotationRound, on_delete=models.CASCADE, related_name="pins")
    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=8, choices=PinKind.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["teacher__code", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["round", "teacher", "school"], name="uniq_rotation_pin")
        ]
        verbose_name = _("锁定/禁止")
        verbose_name_plural = _("锁定/禁止")

    def __str__(self) -> str:
        return f"{self.kind} {self.teacher} {self.school}"

    @property
    def stays(self) -> bool:
        return self.kind == PinKind.LOCK and self.school_id == self.teacher.school_id


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    INFEASIBLE = "infeasible", _("规则无法同时满足")
    FAILED = "failed", _("出错")


class PlanRun(EngineRun):
    """One computation of the round's plan, with the engine's figures or its reason for failing."""

    round = models.ForeignKey(RotationRound, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(
        _("状态"), max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    rules = models.JSONField(_("规则"), default=dict)
    summary = models.JSONField(_("汇总"), default=dict)
    per_school = models.JSONField(_("各校"), default=list)
    solver = models.JSONField(_("求解信息"), default=dict)
    balance = models.JSONField(_("均衡指标（前后）"), default=dict)
    time_limit_s = models.FloatField(_("求解时限（秒）"), default=60.0)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("交流方案计算")
        verbose_name_plural = _("交流方案计算")

    def __str__(self) -> str:
        return f"{self.round} #{self.pk} {self.status}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("rotation:round", kwargs={"round_id": self.round_id})


class Move(models.Model):
    """A teacher of a plan moves from one school to another."""

    run = models.ForeignKey(PlanRun, on_delete=models.CASCADE, related_name="moves")
    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="+")
    from_school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    to_school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    km = models.FloatField(_("距离 (km)"))
    backbone = models.BooleanField(_("骨干教师"))
    qualified = models.BooleanField(_("学历达标以上"))
    pref_rank = models.PositiveSmallIntegerField(
        _("满足志愿"), default=0, help_text=_("0：未满足或未填报；1-3：第几志愿")
    )
    locked = models.BooleanField(_("已锁定"), default=False)

    class Meta:
        ordering = ["teacher__code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "teacher"], name="uniq_rotation_move")
        ]
        verbose_name = _("交流安排")
        verbose_name_plural = _("交流安排")

    def __str__(self) -> str:
        return f"{self.teacher} {self.from_school} -> {self.to_school}"


class Stint(models.Model):
    """A published move: where a teacher serves, from which year, until which year."""

    round = models.ForeignKey(
        RotationRound, on_delete=models.SET_NULL, null=True, blank=True, related_name="stints"
    )
    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="rotation_stints")
    from_school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    to_school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    start_year = models.PositiveSmallIntegerField(_("开始年度"))
    planned_return_year = models.PositiveSmallIntegerField(_("计划返回年度"))
    returned = models.BooleanField(_("已返回"), default=False)
    returned_at = models.DateTimeField(_("返回登记时间"), null=True, blank=True)

    class Meta:
        ordering = ["planned_return_year", "teacher__code"]
        verbose_name = _("交流任期")
        verbose_name_plural = _("交流任期")

    def __str__(self) -> str:
        return f"{self.teacher} {self.start_year}-{self.planned_return_year}"


class Tradeoff(EngineRun):
    """What each number of movers buys: one engine plan per share of eligible teachers.

    ``rows`` holds, per share (10%–30%): ``share, target, moved, backbone_moved``, the CVs of
    backbone and of qualified teachers before and after, ``violations``, or ``error`` when the
    rules cannot hold at that share. The bureau chooses a share here; it becomes the round's
    ``target_share`` and the next plan run moves that many.
    """

    round = models.ForeignKey(RotationRound, on_delete=models.CASCADE, related_name="tradeoffs")
    status = models.CharField(
        _("状态"), max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    rules = models.JSONField(_("规则"), default=dict)
    eligible = models.PositiveIntegerField(_("符合条件教师（人）"), default=0)
    rows = models.JSONField(_("各比例结果"), default=list)
    time_limit_s = models.FloatField(_("求解时限（秒）"), default=100.0)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("交流人数与均衡效果")
        verbose_name_plural = _("交流人数与均衡效果")

    def __str__(self) -> str:
        return f"{self.round} tradeoff #{self.pk} {self.status}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("rotation:round", kwargs={"round_id": self.round_id}) + "#tradeoff"
