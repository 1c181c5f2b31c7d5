"""After enrolment: sessions and attendance (考勤), ratings and complaints, fees and settlement."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from junheng.afterschool.models import Offering, Provider
from junheng.region.models import Student, Term


class Session(models.Model):
    """One class meeting (one class-hour, 课时) of an offering on a date."""

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("日期"))
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    marked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["offering", "date"]
        constraints = [models.UniqueConstraint(fields=["offering", "date"], name="uniq_session")]
        verbose_name = _("课次")
        verbose_name_plural = _("课次")

    def __str__(self) -> str:
        return f"{self.offering_id} {self.date}"


class Presence(models.TextChoices):
    PRESENT = "present", _("出勤")
    ABSENT = "absent", _("缺勤")
    EXCUSED = "excused", _("请假")


class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="attendance")
    status = models.CharField(_("出勤"), max_length=8, choices=Presence.choices)

    class Meta:
        ordering = ["session", "student__code"]
        constraints = [
            models.UniqueConstraint(fields=["session", "student"], name="uniq_attendance")
        ]
        verbose_name = _("考勤")
        verbose_name_plural = _("考勤")

    def __str__(self) -> str:
        return f"{self.session}: {self.student.code} {self.status}"


class Rating(models.Model):
    """A guardian's rating of a child's course (once per child and offering, editable)."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="ratings")
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="ratings")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    stars = models.PositiveSmallIntegerField(
        _("评分"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("评价"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["offering", "-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["student", "offering"], name="uniq_rating"),
            models.CheckConstraint(
                condition=models.Q(stars__gte=1, stars__lte=5), name="rating_stars_1_5"
            ),
        ]
        verbose_name = _("课程评价")
        verbose_name_plural = _("课程评价")

    def __str__(self) -> str:
        return f"{self.offering_id}: {self.stars}"


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("属实")
    DISMISSED = "dismissed", _("不属实")


class Complaint(models.Model):
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="complaints")
    student = models.ForeignKey(
        Student, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("投诉内容"))
    status = models.CharField(
        max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")

    def __str__(self) -> str:
        return self.text[:40]


class SubsidyTarget(models.TextChoices):
    LOW_INCOME = "low_income", _("低收入家庭")
    LEFT_BEHIND = "left_behind", _("留守儿童")
    ALL = "all", _("所有学生")


class SubsidyRule(models.Model):
    """A subsidy: a share of a child's fees, capped per month (rules do not stack: the largest
    subsidy among the rules that apply to a child is given)."""

    name = models.CharField(_("名称"), max_length=100)
    target = models.CharField(_("对象"), max_length=12, choices=SubsidyTarget.choices)
    percent = models.PositiveSmallIntegerField(
        _("减免比例 (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    monthly_cap = models.DecimalField(
        _("每月上限（元）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    term = models.ForeignKey(
        Term,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("留空：所有学期"),
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("减免规则")
        verbose_name_plural = _("减免规则")

    def __str__(self) -> str:
        return self.name


class Bill(models.Model):
    """A family's (guardian's) bill for a term: lines per enrolled child and offering."""

    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bills"
    )
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+")
    total_fee = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    subsidy = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    due = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["term", "guardian"]
        constraints = [models.UniqueConstraint(fields=["guardian", "term"], name="uniq_bill")]
        verbose_name = _("账单")
        verbose_name_plural = _("账单")

    def __str__(self) -> str:
        return f"{self.guardian} {self.term}: {self.due}"


class BillLine(models.Model):
    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="lines")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="+")
    fee = models.DecimalField(max_digits=10, decimal_places=2)
    subsidy = models.DecimalField(max_digits=10, decimal_places=2)
    due = models.DecimalField(max_digits=10, decimal_places=2)
    rule = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["bill", "student__code", "offering_id"]
        verbose_name = _("账单明细")
        verbose_name_plural = _("账单明细")

    def __str__(self) -> str:
        return f"{self.student.code} {self.offering_id}: {self.due}"


class HourRate(models.Model):
    """What a provider is paid per class-hour actually delivered (no provider: the term default)."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="+")
    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    yuan_per_hour = models.DecimalField(_("课时费（元/课时）"), max_digits=8, decimal_places=2)

    class Meta:
        ordering = ["term", "provider"]
        constraints = [
            models.UniqueConstraint(fields=["term", "provider"], name="uniq_hour_rate"),
            models.UniqueConstraint(
                fields=["term"],
                condition=models.Q(provider__isnull=True),
                name="uniq_default_hour_rate",
            ),
        ]
        verbose_name = _("课时费标准")
        verbose_name_plural = _("课时费标准")

    def __str__(self) -> str:
        return f"{self.term} {self.provider or '*'}: {self.yuan_per_hour}"
