"""School places: enrolment history, births by zone, capacity, scenarios and forecast runs
(学位预测与预警).

- `EnrolmentCount`: a school's students in one grade of one school year (the autumn it starts),
  either a snapshot of the region's students (`do_snapshot_enrolment`, taken each year) or an
  imported past year.
- `ZoneBirths`: the births in a school's attendance zone (学区) in one calendar year, imported from
  the health system; those children enter grade 1 six years later.
- `Capacity`: a school's classrooms and class-size limit (capacity = classrooms × max_class).
- `Scenario` with its `Housing` developments, school `Merger`s and new-school `Opening`s: the
  bureau's "what if", forecast beside the baseline.
- `ForecastRun`: one forecast computed by `junheng.engines.forecast` through a task; its results
  are `ProjectedYear` rows (one per variant, school and projected year, grades in a JSON).

Writes go through `junheng.places.actions` only.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from junheng.jobs.records import EngineRun
from junheng.region.models import School

YEAR_VALIDATORS = [MinValueValidator(1990), MaxValueValidator(2100)]


class Source(models.TextChoices):
    SNAPSHOT = "snapshot", _("学籍快照")
    IMPORT = "import", _("导入")


class EnrolmentCount(models.Model):
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="+", verbose_name=_("学校")
    )
    year = models.PositiveSmallIntegerField(_("学年"), validators=YEAR_VALIDATORS)
    grade = models.PositiveSmallIntegerField(
        _("年级"), validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    students = models.PositiveIntegerField(_("学生数"))
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    recorded_at = models.DateTimeField(_("记录时间"), auto_now=True)

    class Meta:
        ordering = ["school__code", "year", "grade"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year", "grade"], name="uniq_places_enrolment"
            ),
            models.CheckConstraint(
                condition=models.Q(grade__gte=1) & models.Q(grade__lte=9),
                name="places_enrolment_grade_1_9",
            ),
        ]
        indexes = [models.Index(fields=["year"])]
        verbose_name = _("在校生人数")
        verbose_name_plural = _("在校生人数")

    def __str__(self) -> str:
        return f"{self.school_id} {self.year} G{self.grade}: {self.students}"


class ZoneBirths(models.Model):
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="+", verbose_name=_("学校（学区）")
    )
    year = models.PositiveSmallIntegerField(_("出生年份"), validators=YEAR_VALIDATORS)
    births = models.PositiveIntegerField(_("出生人口"))
    recorded_at = models.DateTimeField(_("记录时间"), auto_now=True)

    class Meta:
        ordering = ["school__code", "year"]
        constraints = [
            models.UniqueConstraint(fields=["school", "year"], name="uniq_places_births")
        ]
        verbose_name = _("学区出生人口")
        verbose_name_plural = _("学区出生人口")

    def __str__(self) -> str:
        return f"{self.school_id} {self.year}: {self.births}"


class Capacity(models.Model):
    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name="places_capacity", verbose_name=_("学校")
    )
    classrooms = models.PositiveIntegerField(_("普通教室（间）"), validators=[MinValueValidator(1)])
    max_class = models.PositiveSmallIntegerField(
        _("班额上限（人）"),
        validators=[MinValueValidator(1), MaxValueValidator(80)],
        help_text=_("国家标准：小学 45 人，初中 50 人"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["school__code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(classrooms__gte=1) & models.Q(max_class__gte=1),
                name="places_capacity_positive",
            )
        ]
        verbose_name = _("学位容量")
        verbose_name_plural = _("学位容量")

    def __str__(self) -> str:
        return f"{self.school_id}: {self.classrooms} × {self.max_class}"

    @property
    def places(self) -> int:
        return self.classrooms * self.max_class


class Scenario(models.Model):
    name = models.CharField(_("情景名称"), max_length=100, unique=True)
    description = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("规划情景")
        verbose_name_plural = _("规划情景")

    def __str__(self) -> str:
        return self.name


class Housing(models.Model):
    """A housing development (新建小区) bringing children of school age into a school's zone."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="housing")
    name = models.CharField(_("项目名称"), max_length=100)
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="+", verbose_name=_("所在学区学校")
    )
    year = models.PositiveSmallIntegerField(_("起始学年"), validators=YEAR_VALIDATORS)
    students = models.PositiveIntegerField(_("新增学龄儿童（人）"))
    grade = models.PositiveSmallIntegerField(
        _("年级"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
        help_text=_("留空：平均分到学校的各年级"),
    )

    class Meta:
        ordering = ["year", "pk"]
        verbose_name = _("新建住宅")
        verbose_name_plural = _("新建住宅")

    def __str__(self) -> str:
        return self.name


class Merger(models.Model):
    """A school merged into another (撤并) from a school year on."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="mergers")
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="+", verbose_name=_("撤并学校")
    )
    into = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="+", verbose_name=_("并入学校")
    )
    year = models.PositiveSmallIntegerField(_("撤并学年"), validators=YEAR_VALIDATORS)

    class Meta:
        ordering = ["year", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "school"], name="uniq_places_merger")
        ]
        verbose_name = _("学校撤并")
        verbose_name_plural = _("学校撤并")

    def __str__(self) -> str:
        return f"{self.school_id} → {self.into_id} ({self.year})"


class Opening(models.Model):
    """A new school (新建学校) taking a share of an existing school's zone from a year on."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="openings")
    code = models.CharField(_("新校代码"), max_length=30)
    name = models.CharField(_("新校名称"), max_length=200)
    from_school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="+", verbose_name=_("划出学区的学校")
    )
    year = models.PositiveSmallIntegerField(_("开办学年"), validators=YEAR_VALIDATORS)
    share = models.DecimalField(
        _("划出比例"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal(1))],
        help_text=_("新校学区占原学区学生的比例，(0, 1]"),
    )
    classrooms = models.PositiveIntegerField(_("普通教室（间）"), validators=[MinValueValidator(1)])
    max_class = models.PositiveSmallIntegerField(
        _("班额上限（人）"), validators=[MinValueValidator(1), MaxValueValidator(80)]
    )

    class Meta:
        ordering = ["year", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "code"], name="uniq_places_opening")
        ]
        verbose_name = _("新建学校")
        verbose_name_plural = _("新建学校")

    def __str__(self) -> str:
        return self.name


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class Variant(models.TextChoices):
    BASELINE = "baseline", _("基准")
    SCENARIO = "scenario", _("情景")


class ForecastRun(EngineRun):
    status = models.CharField(
        _("状态"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    years = models.PositiveSmallIntegerField(
        _("预测年数"), default=6, validators=[MinValueValidator(1), MaxValueValidator(15)]
    )
    history = models.PositiveSmallIntegerField(
        _("平均的最近年数"), default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    scenario = models.ForeignKey(
        Scenario,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runs",
        verbose_name=_("情景"),
    )
    # The scenario as it was when the run started (it may be edited or deleted later).
    scenario_name = models.CharField(_("情景名称"), max_length=100, blank=True)
    scenario_inputs = models.JSONField(_("情景内容"), default=dict, blank=True)
    base_year = models.PositiveSmallIntegerField(_("基准学年"), null=True, blank=True)
    summary = models.JSONField(_("基准汇总"), default=dict, blank=True)
    scenario_summary = models.JSONField(_("情景汇总"), default=dict, blank=True)
    method = models.JSONField(_("各校比率"), default=dict, blank=True)
    left_out = models.JSONField(_("未参与预测的学校"), default=list, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("学位预测")
        verbose_name_plural = _("学位预测")

    def __str__(self) -> str:
        return f"#{self.pk} {self.scenario_name or 'baseline'} {self.status}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("places:run", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)

    @property
    def has_scenario(self) -> bool:
        return bool(self.scenario_inputs)

    @property
    def first_year(self) -> int | None:
        return self.base_year + 1 if self.base_year is not None else None


class Level(models.TextChoices):
    RED = "red", _("红色预警")
    AMBER = "amber", _("黄色预警")
    GREEN = "green", _("正常")


class ProjectedYear(models.Model):
    """One school's projection in one year of a run (baseline or scenario)."""

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="rows")
    variant = models.CharField(_("方案"), max_length=10, choices=Variant.choices)
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )  # None for a school a scenario opens
    school_code = models.CharField(_("学校代码"), max_length=30)
    school_name = models.CharField(_("学校名称"), max_length=200)
    school_level = models.CharField(_("学段"), max_length=12)
    urban_rural = models.CharField(_("城乡类别"), max_length=8)
    year = models.PositiveSmallIntegerField(_("学年"))
    students = models.PositiveIntegerField(_("预测学生数"))
    capacity = models.PositiveIntegerField(_("学位数"))
    classrooms = models.PositiveIntegerField(_("普通教室（间）"))
    max_class = models.PositiveSmallIntegerField(_("班额上限"))
    utilisation = models.FloatField(_("学位使用率"))
    level = models.CharField(_("预警"), max_length=6, choices=Level.choices)
    classes_needed = models.PositiveIntegerField(_("需要班级数"))
    classrooms_needed = models.PositiveIntegerField(_("需增教室（间）"))
    grades = models.JSONField(_("各年级"), default=dict)  # {"1": students, …}

    class Meta:
        ordering = ["variant", "school_code", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "variant", "school_code", "year"], name="uniq_places_projected"
            )
        ]
        indexes = [
            models.Index(fields=["run", "variant", "level"]),
            models.Index(fields=["run", "school"]),
        ]
        verbose_name = _("预测结果")
        verbose_name_plural = _("预测结果")

    def __str__(self) -> str:
        return f"{self.run_id} {self.variant} {self.school_code} {self.year}: {self.students}"

    @property
    def average_class(self) -> float:
        """Students per classroom if no room is added (the class size the school would run)."""
        return self.students / self.classrooms if self.classrooms else 0.0
