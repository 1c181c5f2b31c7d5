"""Student growth portraits (综合素质评价 / 学生成长档案): records, the indicator library, scores.

Records are typed by their indicator (``moral.observation``, ``academic.maths``,
``health.run_50m``…) in the library version in force that school year; the scores are what
`junheng.engines.portraits` computed from them and are replaced by each scoring run, so any
score can be explained from its indicator scores and those from the records.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from junheng.region.models import School, SchoolClass, Student, Teacher, Term


class Dimension(models.TextChoices):
    """The five national dimensions, in their national order."""

    MORAL = "moral", _("品德发展")
    ACADEMIC = "academic", _("学业发展")
    HEALTH = "health", _("身心健康")
    ARTS = "arts", _("艺术素养")
    LABOUR = "labour", _("劳动与社会实践")


class RecordKind(models.TextChoices):
    """What a record is (decides its retention)."""

    OBSERVATION = "observation", _("教师观察与获奖")
    GRADE = "grade", _("学期成绩")
    FITNESS = "fitness", _("体质健康测试")
    ARTS = "arts", _("艺术活动与证书")
    LABOUR = "labour", _("劳动与社会实践")
    AFTERSCHOOL = "afterschool", _("课后服务")


KIND_OF_DIMENSION = {
    "moral": RecordKind.OBSERVATION,
    "academic": RecordKind.GRADE,
    "health": RecordKind.FITNESS,
    "arts": RecordKind.ARTS,
    "labour": RecordKind.LABOUR,
}


class IndicatorLibrary(models.Model):
    """One version of the bureau's indicator library, in force from a school year on.

    ``table`` is the library in the engine's file format (docs/engines.md, "junheng
    portraits"), checked by the engine when saved: one source of truth for the rules."""

    version = models.CharField(_("版本"), max_length=30, unique=True)
    year = models.PositiveSmallIntegerField(_("适用学年"), unique=True)
    table = models.TextField(_("指标表"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("评价指标库")
        verbose_name_plural = _("评价指标库")

    def __str__(self) -> str:
        return f"{self.version} ({self.year})"


class ClassTeacher(models.Model):
    """A teacher who teaches a class in a term: the child's current teachers see its portrait."""

    teacher = models.ForeignKey(Teacher, on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey(SchoolClass, on_delete=models.CASCADE, related_name="+")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="+")
    homeroom = models.BooleanField(_("班主任"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "school_class", "term"], name="uniq_portrait_class_teacher"
            )
        ]
        verbose_name = _("任课安排")
        verbose_name_plural = _("任课安排")

    def __str__(self) -> str:
        return f"{self.teacher} → {self.school_class}"


class PortraitRecord(models.Model):
    """One record of one student in one term (an observation, a grade, a fitness item…)."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="+")
    indicator = models.CharField(_("指标"), max_length=60)
    kind = models.CharField(_("类别"), max_length=12, choices=RecordKind.choices)
    value = models.DecimalField(_("数值"), max_digits=14, decimal_places=4)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    evidence = models.FileField(_("佐证材料"), upload_to="portraits/evidence/", blank=True)
    source = models.CharField(_("来源"), max_length=12, default="manual")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["term", "student"], name="portrait_rec_term_student")]
        verbose_name = _("成长记录")
        verbose_name_plural = _("成长记录")

    def __str__(self) -> str:
        return f"{self.student_id} {self.indicator} {self.value}"


class DimensionScore(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(_("维度"), max_length=10, choices=Dimension.choices)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2)
    coverage = models.DecimalField(_("覆盖"), max_digits=4, decimal_places=3)
    progress = models.DecimalField(_("进步"), max_digits=6, decimal_places=2, null=True)
    previous_terms = models.PositiveSmallIntegerField(default=0)
    version = models.CharField(_("指标库版本"), max_length=30)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "term", "dimension"], name="uniq_portrait_dimension"
            )
        ]
        indexes = [
            models.Index(fields=["term", "dimension"], name="portrait_dim_term"),
            # a school's support list and a child's own scores read by term and student
            models.Index(fields=["term", "student", "dimension", "score"],
                         name="portrait_dim_term_student"),
        ]  # fmt: skip
        verbose_name = _("维度得分")
        verbose_name_plural = _("维度得分")

    def __str__(self) -> str:
        return f"{self.student_id} {self.dimension} {self.score}"


class IndicatorScore(models.Model):
    """How a child's dimension scores in a term came about: each indicator's
    [indicator, dimension, value, records, score, weight], as the engine explained them (one row
    per child and term, not per indicator: a county term is 45,000 rows, not 800,000)."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="+")
    items = models.JSONField(_("指标得分"), default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "term"], name="uniq_portrait_explain")
        ]
        verbose_name = _("指标得分")
        verbose_name_plural = _("指标得分")

    def __str__(self) -> str:
        return f"{self.student_id} {self.term_id}"


class CohortScore(models.Model):
    """The finest cohort cells of a term's scores (学段群体得分): per school, grade, class and
    dimension, how many children were scored and the sum of their scores. Written by the
    scoring run together with the scores it summarises (`report.store_cohorts`), so the school,
    class and county pages roll up a few thousand cells instead of a city's five million scores.
    A child counts in the school, grade and class it was in when scored."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    grade = models.PositiveSmallIntegerField(_("年级"))
    school_class = models.ForeignKey(
        SchoolClass, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    dimension = models.CharField(_("维度"), max_length=10, choices=Dimension.choices)
    version = models.CharField(_("指标库版本"), max_length=30)
    students = models.PositiveIntegerField(_("人数"))
    total = models.DecimalField(_("得分合计"), max_digits=14, decimal_places=2)

    class Meta:
        indexes = [models.Index(fields=["term", "school"], name="portrait_cohort_term_school")]
        verbose_name = _("群体得分")
        verbose_name_plural = _("群体得分")

    def __str__(self) -> str:
        return f"{self.term_id} {self.school_id} {self.grade} {self.dimension} {self.students}"
