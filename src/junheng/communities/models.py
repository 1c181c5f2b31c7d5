"""Education communities (教共体 / 集团化办学) and their pairing rounds.

A `Community` is a core school (核心校) with member schools (`Membership`), of one of five
kinds: integration (融合型), co-construction (共建型), cooperation (协作型), internet pair
(互联网+义务教育结对) and cross-region pair (跨区域结对, e.g. 山海协作: the partner is a school of
another county, entered by name). A school belongs to at most one active integration or
co-construction community (a database constraint on `Membership.exclusive`). Goals are per
year (`Goal`). The bureau enters results (`SchoolResult`, e.g. quality monitoring) that
blend into a school's strength with the balance indicators.

A `PairingRound` is the bureau's pairing of one year: roles (`RoundSchool`: core, member or
left out; a core's capacity), rules (capacity, distance, remote places), pins (`PairPin`:
lock or forbid a pair), runs of the engine (`PairingRun`, by a task) with their proposed pairs
(`ProposedPair`). Publishing creates one community per core. Writes go through
`junheng.communities.actions` only.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from junheng.jobs.records import EngineRun, YearRound
from junheng.jobs.records import RoundStatus as RoundStatus
from junheng.region.models import SUBJECTS, County, School, SchoolClass, Teacher, Term


class Kind(models.TextChoices):
    INTEGRATION = "integration", _("融合型")
    CO_CONSTRUCTION = "co_construction", _("共建型")
    COOPERATION = "cooperation", _("协作型")
    INTERNET = "internet", _("互联网结对")
    CROSS_REGION = "cross_region", _("跨区域结对")


# A school is a member of at most one active community of these kinds.
EXCLUSIVE_KINDS = frozenset({Kind.INTEGRATION, Kind.CO_CONSTRUCTION})


class Mode(models.TextChoices):
    LOCAL = "local", _("就近结对")
    REMOTE = "remote", _("远程（互联网）结对")


class Community(models.Model):
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="communities", verbose_name=_("县（市、区）")
    )
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    core = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="communities_led", verbose_name=_("核心校")
    )
    start_year = models.PositiveSmallIntegerField(
        _("成立年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    partner_region = models.CharField(
        _("结对地区"), max_length=100, blank=True, help_text=_("跨区域结对：对方县（市、区）名称")
    )
    partner_school = models.CharField(
        _("结对学校"), max_length=200, blank=True, help_text=_("跨区域结对：对方学校名称")
    )
    active = models.BooleanField(_("运行中"), default=True)
    note = models.TextField(_("说明"), blank=True)
    pairing_round = models.ForeignKey(
        "PairingRound",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="communities",
        verbose_name=_("来自结对方案"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["core__code", "pk"]
        verbose_name = _("教共体")
        verbose_name_plural = _("教共体")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:community", args=[self.pk])

    @property
    def is_exclusive(self) -> bool:
        return self.kind in EXCLUSIVE_KINDS


class Membership(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        related_name="community_memberships",
        verbose_name=_("成员校"),
    )
    mode = models.CharField(_("结对方式"), max_length=8, choices=Mode.choices, default=Mode.LOCAL)
    joined_year = models.PositiveSmallIntegerField(_("加入年度"))
    # True while the community is active and of an exclusive kind (kept by the actions).
    exclusive = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["school__code"]
        constraints = [
            models.UniqueConstraint(fields=["community", "school"], name="uniq_community_member"),
            models.UniqueConstraint(
                fields=["school"],
                condition=Q(exclusive=True),
                name="uniq_exclusive_community_member",
            ),
        ]
        verbose_name = _("成员校")
        verbose_name_plural = _("成员校")

    def __str__(self) -> str:
        return f"{self.community} · {self.school}"


class Goal(models.Model):
    """What a community sets out to do in a year (四个共同: 教研共建、活动共融、资源共享、文化共生)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="goals")
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    lessons = models.PositiveIntegerField(_("同步课堂（节）"), default=0)
    activities = models.PositiveIntegerField(_("联合教研等活动（次）"), default=0)
    text = models.TextField(_("年度目标"), blank=True)

    class Meta:
        ordering = ["community", "year"]
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="uniq_community_goal")
        ]
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")

    def __str__(self) -> str:
        return f"{self.community} {self.year}"


class SchoolResult(models.Model):
    """A result the bureau enters for a school and year (e.g. quality monitoring, 0-100)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    score = models.FloatField(
        _("办学质量得分"), validators=[MinValueValidator(0.0), MaxValueValidator(100.0)]
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-year", "school__code"]
        constraints = [
            models.UniqueConstraint(fields=["school", "year"], name="uniq_school_result")
        ]
        verbose_name = _("办学质量得分")
        verbose_name_plural = _("办学质量得分")

    def __str__(self) -> str:
        return f"{self.school} {self.year}: {self.score}"


# --------------------------------------------------------------------------- pairing


class PairingRound(YearRound):
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        related_name="pairing_rounds",
        verbose_name=_("县（市、区）"),
    )
    kind = models.CharField(
        _("结成的教共体类型"), max_length=20, choices=Kind.choices, default=Kind.CO_CONSTRUCTION
    )
    capacity = models.PositiveSmallIntegerField(
        _("每所核心校就近结对上限"), default=3, validators=[MaxValueValidator(50)]
    )
    max_km = models.FloatField(
        _("就近结对最远距离 (km)"), default=20.0, validators=[MinValueValidator(0.0)]
    )
    remote = models.PositiveSmallIntegerField(
        _("每所核心校远程结对上限"),
        default=0,
        validators=[MaxValueValidator(50)],
        help_text=_("互联网结对，不限距离；0 表示不安排远程结对"),
    )
    results_weight = models.FloatField(
        _("办学质量得分权重"),
        default=0.5,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("学校实力 = (1 − 权重) × 资源配置指标得分 + 权重 × 办学质量得分"),
    )
    published_run = models.OneToOneField(
        "PairingRun",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="published_in",
        verbose_name=_("发布的方案"),
    )

    class Meta:
        ordering = ["-year", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["county", "year"], name="uniq_pairing_round_year")
        ]
        verbose_name = _("结对方案")
        verbose_name_plural = _("结对方案")

    def __str__(self) -> str:
        return f"{self.county} {self.year}"

    def latest_run(self) -> PairingRun | None:
        return self.runs.order_by("-pk").first()


class Role(models.TextChoices):
    CORE = "core", _("核心校")
    MEMBER = "member", _("成员校")
    NONE = "none", _("不参加")


class RoundSchool(models.Model):
    round = models.ForeignKey(PairingRound, on_delete=models.CASCADE, related_name="schools")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("角色"), max_length=8, choices=Role.choices, default=Role.NONE)
    capacity = models.PositiveSmallIntegerField(
        _("就近结对上限"), null=True, blank=True, validators=[MaxValueValidator(50)]
    )

    class Meta:
        ordering = ["school__code"]
        constraints = [
            models.UniqueConstraint(fields=["round", "school"], name="uniq_round_school")
        ]
        verbose_name = _("参与学校")
        verbose_name_plural = _("参与学校")

    def __str__(self) -> str:
        return f"{self.round} {self.school} {self.role}"


class PinKind(models.TextChoices):
    LOCK = "lock", _("锁定")
    FORBID = "forbid", _("禁止")


class PairPin(models.Model):
    """The bureau fixes a pair before a re-run: lock (it is made) or forbid (it is not)."""

    round = models.ForeignKey(PairingRound, on_delete=models.CASCADE, related_name="pins")
    member = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    core = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=8, choices=PinKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["member__code", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["round", "member", "core"], name="uniq_pair_pin")
        ]
        verbose_name = _("锁定/禁止")
        verbose_name_plural = _("锁定/禁止")

    def __str__(self) -> str:
        return f"{self.kind} {self.member} {self.core}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    INFEASIBLE = "infeasible", _("条件无法同时满足")
    FAILED = "failed", _("出错")


class PairingRun(EngineRun):
    round = models.ForeignKey(PairingRound, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(
        _("状态"), max_length=12, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    rules = models.JSONField(_("规则"), default=dict)
    summary = models.JSONField(_("汇总"), default=dict)
    stages = models.JSONField(_("求解阶段"), default=list)
    strengths = models.JSONField(_("学校实力"), default=dict)  # school code -> strength
    baseline = models.JSONField(_("就近结对对照"), default=dict)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("结对计算")
        verbose_name_plural = _("结对计算")

    def __str__(self) -> str:
        return f"{self.round} #{self.pk} {self.status}"

    def get_absolute_url(self) -> str:
        return reverse("communities:round", args=[self.round_id])


class ProposedPair(models.Model):
    run = models.ForeignKey(PairingRun, on_delete=models.CASCADE, related_name="pairs")
    member = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    core = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(_("结对方式"), max_length=8, choices=Mode.choices)
    km = models.FloatField(_("距离 (km)"))
    lift = models.FloatField(_("实力差"))
    locked = models.BooleanField(_("已锁定"), default=False)

    class Meta:
        ordering = ["member__code"]
        constraints = [models.UniqueConstraint(fields=["run", "member"], name="uniq_proposed_pair")]
        verbose_name = _("建议结对")
        verbose_name_plural = _("建议结对")

    def __str__(self) -> str:
        return f"{self.member} → {self.core}"


# --------------------------------------------------------------------------- synchronous lessons

DAYS = 5
PERIODS = 8  # the grid of the week; a primary class has periods 1-7 only
PRIMARY_PERIODS = 7


class TimetableEntry(models.Model):
    """One period of a class's weekly timetable (课表): a subject, taught by a teacher."""

    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.CASCADE, related_name="timetable", verbose_name=_("班级")
    )
    day = models.PositiveSmallIntegerField(
        _("星期"), validators=[MinValueValidator(1), MaxValueValidator(DAYS)]
    )
    period = models.PositiveSmallIntegerField(
        _("节次"), validators=[MinValueValidator(1), MaxValueValidator(PERIODS)]
    )
    subject = models.CharField(_("学科"), max_length=20, choices=SUBJECTS)
    teacher = models.ForeignKey(
        Teacher,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="timetable",
        verbose_name=_("任课教师"),
    )

    class Meta:
        ordering = ["school_class", "day", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["school_class", "day", "period"], name="uniq_timetable_cell"
            )
        ]
        indexes = [models.Index(fields=["teacher", "day", "period"])]
        verbose_name = _("课表")
        verbose_name_plural = _("课表")

    def __str__(self) -> str:
        return f"{self.school_class} {self.day}-{self.period} {self.subject}"


class SyncRequest(models.Model):
    """A pair's weekly synchronous lessons of a subject (同步课堂): a core teacher teaches a core
    class and, over the link, a class of the member school."""

    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, related_name="sync_requests", verbose_name=_("结对")
    )
    subject = models.CharField(_("学科"), max_length=20, choices=SUBJECTS)
    per_week = models.PositiveSmallIntegerField(
        _("每周节数"), default=1, validators=[MinValueValidator(1), MaxValueValidator(DAYS)]
    )
    teacher = models.ForeignKey(
        Teacher, on_delete=models.PROTECT, related_name="+", verbose_name=_("核心校教师")
    )
    core_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="+", verbose_name=_("核心校班级")
    )
    member_class = models.ForeignKey(
        SchoolClass, on_delete=models.PROTECT, related_name="+", verbose_name=_("成员校班级")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["membership__community", "membership__school__code", "subject"]
        constraints = [
            models.UniqueConstraint(fields=["membership", "subject"], name="uniq_sync_request")
        ]
        verbose_name = _("同步课堂需求")
        verbose_name_plural = _("同步课堂需求")

    def __str__(self) -> str:
        return f"{self.membership} {self.subject} ×{self.per_week}"


class ScheduleStatus(models.TextChoices):
    DRAFT = "draft", _("草案")
    PUBLISHED = "published", _("已发布")


class SyncSchedule(models.Model):
    """A county's synchronous lessons for a term: the weekly slots, then the dated lessons."""

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="+")
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("学期")
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=ScheduleStatus.choices, default=ScheduleStatus.DRAFT
    )
    max_load = models.PositiveSmallIntegerField(
        _("教师每周课时上限"),
        default=20,
        validators=[MaxValueValidator(40)],
        help_text=_("课表课时加同步课堂，每位核心校教师每周不超过"),
    )
    computing = models.BooleanField(default=False, editable=False)
    summary = models.JSONField(_("汇总"), default=dict)
    unplaced = models.JSONField(_("未能安排"), default=list)  # [{request, missing, reason}]
    computed_at = models.DateTimeField(_("排课时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-term__start"]
        constraints = [
            models.UniqueConstraint(fields=["county", "term"], name="uniq_sync_schedule")
        ]
        verbose_name = _("同步课堂排课")
        verbose_name_plural = _("同步课堂排课")

    def __str__(self) -> str:
        return f"{self.county} {self.term}"

    def get_absolute_url(self) -> str:
        return reverse("communities:sync")

    @property
    def is_published(self) -> bool:
        return self.status == ScheduleStatus.PUBLISHED


class SyncSlot(models.Model):
    """A weekly period of a request in a schedule."""

    schedule = models.ForeignKey(SyncSchedule, on_delete=models.CASCADE, related_name="slots")
    request = models.ForeignKey(SyncRequest, on_delete=models.CASCADE, related_name="slots")
    day = models.PositiveSmallIntegerField(_("星期"))
    period = models.PositiveSmallIntegerField(_("节次"))

    class Meta:
        ordering = ["day", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "request", "day"], name="uniq_sync_slot_day"
            )
        ]
        verbose_name = _("同步课堂时段")
        verbose_name_plural = _("同步课堂时段")

    def __str__(self) -> str:
        return f"{self.request} {self.day}-{self.period}"


class LessonStatus(models.TextChoices):
    PLANNED = "planned", _("待上")
    HELD = "held", _("已上")
    CANCELLED = "cancelled", _("取消")


class SyncLesson(models.Model):
    """One dated synchronous lesson of a published schedule, and whether it was held."""

    schedule = models.ForeignKey(SyncSchedule, on_delete=models.CASCADE, related_name="lessons")
    request = models.ForeignKey(SyncRequest, on_delete=models.CASCADE, related_name="lessons")
    date = models.DateField(_("日期"), db_index=True)
    period = models.PositiveSmallIntegerField(_("节次"))
    status = models.CharField(
        _("状态"), max_length=10, choices=LessonStatus.choices, default=LessonStatus.PLANNED
    )
    reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["date", "period"]
        constraints = [models.UniqueConstraint(fields=["request", "date"], name="uniq_sync_lesson")]
        verbose_name = _("同步课堂")
        verbose_name_plural = _("同步课堂")

    def __str__(self) -> str:
        return f"{self.request} {self.date}"


# --------------------------------------------------------------------------- joint activities


class ActivityKind(models.TextChoices):
    RESEARCH = "research", _("联合教研")
    LESSON_PREP = "lesson_prep", _("集体备课")
    OBSERVATION = "observation", _("听课评课")
    EXCHANGE = "exchange", _("教师交流")
    SHARED_COURSE = "shared_course", _("共享课程")
    OTHER = "other", _("其他活动")


class Activity(models.Model):
    """A joint activity of a community (教研共建、活动共融、资源共享、文化共生)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("类型"), max_length=16, choices=ActivityKind.choices)
    title = models.CharField(_("主题"), max_length=200)
    date = models.DateField(_("日期"), db_index=True)
    host = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="+", verbose_name=_("承办学校")
    )
    participants = models.PositiveIntegerField(_("参加人数"), default=0)
    note = models.TextField(_("说明"), blank=True)
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("共同体活动")
        verbose_name_plural = _("共同体活动")

    def __str__(self) -> str:
        return f"{self.date} {self.title}"


# --------------------------------------------------------------------------- exchange, sharing


class TeacherExchange(models.Model):
    """A teacher the community plans to send to another of its schools in a year's rotation
    (教共体内教师交流): the rotation round of that year reads it as the teacher's wish
    (`junheng.rotation.adapters.round_inputs`, after the teacher's own choices)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="exchanges")
    teacher = models.ForeignKey(
        Teacher, on_delete=models.CASCADE, related_name="+", verbose_name=_("教师")
    )
    to_school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="+", verbose_name=_("交流到")
    )
    year = models.PositiveSmallIntegerField(
        _("交流轮岗年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-year", "teacher__code"]
        constraints = [
            models.UniqueConstraint(fields=["teacher", "year"], name="uniq_teacher_exchange_year")
        ]
        verbose_name = _("教师交流计划")
        verbose_name_plural = _("教师交流计划")

    def __str__(self) -> str:
        return f"{self.year} {self.teacher} → {self.to_school}"


class SharedCourse(models.Model):
    """A core school's own after-school course shared with the community's members
    (共享课程): a member school puts it on its menu, where parents choose it as any other."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="shared_courses"
    )
    course = models.ForeignKey(
        "afterschool.Course",
        on_delete=models.CASCADE,
        related_name="community_shares",
        verbose_name=_("课程"),
    )
    shared_at = models.DateTimeField(_("共享时间"), auto_now_add=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["community", "course__title"]
        constraints = [
            models.UniqueConstraint(fields=["community", "course"], name="uniq_shared_course")
        ]
        verbose_name = _("共享课程")
        verbose_name_plural = _("共享课程")

    def __str__(self) -> str:
        return f"{self.community} · {self.course}"
