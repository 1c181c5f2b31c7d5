"""Offerings, course requests, schools' after-school slots and published term menus."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from junheng.afterschool.models.courses import Course
from junheng.afterschool.models.providers import Instructor
from junheng.afterschool.models.supply import SupplyRun
from junheng.region.models import School, Term, TimeSlot


class SchoolSlot(models.Model):
    """A weekly slot inside a school's after-school time (no rows: every TimeSlot)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="afterschool_slots")
    slot = models.ForeignKey(TimeSlot, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["school", "slot__weekday", "slot__period"]
        constraints = [models.UniqueConstraint(fields=["school", "slot"], name="uniq_school_slot")]
        verbose_name = _("学校课后服务时段")
        verbose_name_plural = _("学校课后服务时段")

    def __str__(self) -> str:
        return f"{self.school} {self.slot}"


class OfferingSource(models.TextChoices):
    SUPPLY = "supply", _("均衡配课")
    REQUEST = "request", _("学校点单")
    SCHOOL = "school", _("校内自主")


class OfferingStatus(models.TextChoices):
    OPEN = "open", _("开设")
    CANCELLED = "cancelled", _("取消")


class Offering(models.Model):
    """One section of a course at a school in a term, at a weekly slot, with its seats."""

    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="offerings")
    # The offering's id in engine files (allocate's offering_id); empty: "O<pk>" is used.
    code = models.CharField(_("开课编号"), max_length=40, blank=True, db_index=True)
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="offerings")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="offerings")
    slot = models.ForeignKey(
        TimeSlot, on_delete=models.PROTECT, related_name="offerings", verbose_name=_("时段")
    )
    seats = models.PositiveIntegerField(_("名额"), validators=[MinValueValidator(1)])
    fee = models.DecimalField(
        _("收费（元/学期）"), max_digits=8, decimal_places=2, default=Decimal("0")
    )
    instructor = models.ForeignKey(
        Instructor, on_delete=models.SET_NULL, null=True, blank=True, related_name="offerings"
    )
    source = models.CharField(_("来源"), max_length=8, choices=OfferingSource.choices)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=OfferingStatus.choices,
        default=OfferingStatus.OPEN,
        db_index=True,
    )
    supply_run = models.ForeignKey(
        SupplyRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="offerings"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["term", "school", "slot__weekday", "slot__period", "course__title", "pk"]
        indexes = [models.Index(fields=["term", "school", "status"])]
        verbose_name = _("开课")
        verbose_name_plural = _("开课")

    def __str__(self) -> str:
        return f"{self.course} @ {self.school} {self.slot}"

    @property
    def engine_id(self) -> str:
        return self.code or f"O{self.pk}"


class RequestStatus(models.TextChoices):
    SENT = "sent", _("已发送")
    CONFIRMED = "confirmed", _("机构已确认")
    DECLINED = "declined", _("机构已婉拒")
    APPROVED = "approved", _("学校已批准")
    CANCELLED = "cancelled", _("已取消")


class CourseRequest(models.Model):
    """A school asks a vetted provider for a course at a day and time (点单)."""

    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="course_requests")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="course_requests")
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="requests", verbose_name=_("课程")
    )
    slot = models.ForeignKey(
        TimeSlot, on_delete=models.PROTECT, related_name="+", verbose_name=_("时段")
    )
    seats_wanted = models.PositiveIntegerField(_("需要名额"), validators=[MinValueValidator(1)])
    note = models.TextField(_("备注"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.SENT
    )
    instructor = models.ForeignKey(
        Instructor,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("授课人员"),
    )
    seats = models.PositiveIntegerField(_("确认名额"), null=True, blank=True)
    price = models.DecimalField(
        _("确认收费（元/学期）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    reply = models.TextField(_("机构答复"), blank=True)
    offering = models.OneToOneField(
        Offering, on_delete=models.SET_NULL, null=True, blank=True, related_name="request"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("点单请求")
        verbose_name_plural = _("点单请求")

    def __str__(self) -> str:
        return f"{self.school} → {self.course} ({self.slot})"


class MenuStatus(models.TextChoices):
    DRAFT = "draft", _("编辑中")
    PUBLISHED = "published", _("已发布")


class Menu(models.Model):
    """A school's after-school menu for a term; parents see it once published."""

    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="menus")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="menus")
    status = models.CharField(
        _("状态"), max_length=10, choices=MenuStatus.choices, default=MenuStatus.DRAFT
    )
    note = models.TextField(_("致家长说明"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["term", "school"]
        constraints = [models.UniqueConstraint(fields=["term", "school"], name="uniq_menu")]
        verbose_name = _("课程菜单")
        verbose_name_plural = _("课程菜单")

    def __str__(self) -> str:
        return f"{self.school} {self.term}"
