"""Courses: what a provider (or a school's own teachers) can teach, reviewed by the bureau."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from junheng.afterschool.models.providers import Instructor, Provider
from junheng.afterschool.uploads import photo_path, validate_photo
from junheng.region.models import School, Teacher


class Category(models.TextChoices):
    SPORTS = "sports", _("体育")
    ARTS = "arts", _("艺术")
    SCIENCE_TECH = "science_tech", _("科技")
    HERITAGE = "heritage", _("传统文化与非遗")
    LABOUR = "labour", _("劳动实践")
    READING = "reading", _("阅读")
    OTHER = "other", _("其他")


class CourseStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")


class Course(models.Model):
    """A course. Provider courses need bureau approval; a school's own course has no provider."""

    provider = models.ForeignKey(
        Provider,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("机构"),
    )
    school = models.ForeignKey(
        School,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="own_courses",
        verbose_name=_("开课学校（校内自主课程）"),
    )
    title = models.CharField(_("课程名称"), max_length=100)
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    grade_min = models.PositiveSmallIntegerField(
        _("最低年级"), default=1, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    grade_max = models.PositiveSmallIntegerField(
        _("最高年级"), default=9, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    seats = models.PositiveIntegerField(
        _("每班名额"), default=25, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    sessions_per_week = models.PositiveSmallIntegerField(
        _("每周课次"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    fee_per_term = models.DecimalField(
        _("每学期收费（元）"),
        max_digits=8,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    content = models.TextField(_("课程内容"))
    max_km = models.FloatField(
        _("最远送课距离 (km)"),
        default=15,
        validators=[MinValueValidator(0)],
        help_text=_("从机构所在地出发，愿意送课到多远的学校"),
    )
    instructor = models.ForeignKey(
        Instructor,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("授课人员"),
    )
    teacher = models.ForeignKey(
        Teacher,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="afterschool_courses",
        verbose_name=_("本校授课教师"),
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=CourseStatus.choices,
        default=CourseStatus.DRAFT,
        db_index=True,
    )
    review_reason = models.TextField(_("审核意见"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(provider__isnull=False) | models.Q(school__isnull=False),
                name="course_has_owner",
            ),
            models.CheckConstraint(
                condition=models.Q(grade_min__lte=models.F("grade_max")), name="course_grades_order"
            ),
        ]
        verbose_name = _("课程")
        verbose_name_plural = _("课程")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.grade_min and self.grade_max and self.grade_min > self.grade_max:
            raise ValidationError({"grade_max": _("最高年级不能低于最低年级。")})

    @property
    def owner_name(self) -> str:
        # A null foreign key reads as None without a query.
        if self.provider is not None:
            return self.provider.name
        return self.school.name if self.school is not None else ""

    @property
    def grades_label(self) -> str:
        return f"{self.grade_min}–{self.grade_max}"

    def open_to_grade(self, grade: int) -> bool:
        return self.grade_min <= grade <= self.grade_max


class CoursePhoto(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("照片"), upload_to=photo_path, validators=[validate_photo])
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        ordering = ["course", "pk"]
        verbose_name = _("课程照片")
        verbose_name_plural = _("课程照片")

    def __str__(self) -> str:
        return self.original_name or str(self.pk)


class CourseEvent(models.Model):
    """One step of a course's review history."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(_("原状态"), max_length=12, choices=CourseStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=12, choices=CourseStatus.choices)
    reason = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["course", "at", "pk"]
        verbose_name = _("课程审核记录")
        verbose_name_plural = _("课程审核记录")

    def __str__(self) -> str:
        return f"{self.course}: {self.from_status} → {self.to_status}"
