"""Providers (校外机构), their staff, documents, instructors and vetting history (白名单).

Vetting is a state machine; the transitions are in `TRANSITIONS` and only
`afterschool.actions` moves a provider along them, writing a `VettingEvent` each time.
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from junheng.afterschool.uploads import certificate_path, document_path, validate_document
from junheng.region.models import County

# GB 32100-2015 统一社会信用代码: 18 characters from this alphabet (no I, O, Z, S, V); the last
# one is a check character over the first 17 with these weights.
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_RE = re.compile(r"^[1-9A-HJ-NPQRTUWXY][0-9A-HJ-NPQRTUWXY]{17}$")


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """18 characters of the GB 32100-2015 alphabet with a correct check character."""
    code = value.strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为 18 位，当前为 %(n)d 位。"),
            code="length",
            params={"n": len(code)},
        )
    if not CREDIT_RE.match(code):
        raise ValidationError(
            _("统一社会信用代码含有不允许的字符（只能是数字和除 I、O、Z、S、V 外的大写字母）。"),
            code="chars",
        )
    if credit_check_char(code[:17]) != code[17]:
        raise ValidationError(_("统一社会信用代码的校验位不正确，请核对。"), code="check")


class OrgType(models.TextChoices):
    TRAINING = "training", _("培训机构")
    ASSOCIATION = "association", _("社会团体（协会）")
    VENUE = "venue", _("公共文化场馆")
    ARTIST = "artist", _("个人艺术家（非遗传承人等）")
    SCHOOL_TEACHER = "school_teacher", _("学校教师（个人）")


# Individuals may give the ID of their record (备案编号) instead of a credit code.
INDIVIDUAL_TYPES = frozenset({OrgType.ARTIST, OrgType.SCHOOL_TEACHER})


class ProviderStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交待审")
    INFO_REQUESTED = "info_requested", _("需补充材料")
    RESUBMITTED = "resubmitted", _("已补充待审")
    APPROVED = "approved", _("已入白名单")
    REJECTED = "rejected", _("未通过")
    SUSPENDED = "suspended", _("暂停")
    EXITED = "exited", _("已退出")
    EXPIRED = "expired", _("白名单已到期")


S = ProviderStatus
# (from, to) -> does the transition need a written reason?  Nothing else is allowed.
TRANSITIONS: dict[tuple[str, str], bool] = {
    (S.DRAFT, S.SUBMITTED): False,
    (S.SUBMITTED, S.APPROVED): False,
    (S.SUBMITTED, S.REJECTED): True,
    (S.SUBMITTED, S.INFO_REQUESTED): True,
    (S.INFO_REQUESTED, S.RESUBMITTED): False,
    (S.RESUBMITTED, S.APPROVED): False,
    (S.RESUBMITTED, S.REJECTED): True,
    (S.RESUBMITTED, S.INFO_REQUESTED): True,
    (S.APPROVED, S.SUSPENDED): True,
    (S.APPROVED, S.EXITED): True,
    (S.APPROVED, S.EXPIRED): False,
    (S.SUSPENDED, S.APPROVED): False,  # reinstated (恢复)
    (S.SUSPENDED, S.EXITED): True,
    # The white list is renewed in batches: an expired provider applies again with fresh papers.
    (S.EXPIRED, S.RESUBMITTED): False,
    # A rejected application may be corrected and sent again (the reason says what to fix).
    (S.REJECTED, S.RESUBMITTED): False,
}


class Provider(models.Model):
    name = models.CharField(_("机构名称"), max_length=200)
    org_type = models.CharField(_("机构类型"), max_length=20, choices=OrgType.choices)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, validators=[validate_credit_code]
    )
    record_id = models.CharField(
        _("备案编号"),
        max_length=40,
        blank=True,
        help_text=_("个人艺术家、学校教师无统一社会信用代码时填写备案编号"),
    )
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="providers",
        verbose_name=_("服务县（市、区）"),
    )
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=20)
    email = models.EmailField(_("电子邮箱"), blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    x_km = models.FloatField(_("横坐标 (km)"), default=0)
    y_km = models.FloatField(_("纵坐标 (km)"), default=0)
    description = models.TextField(_("机构简介"), blank=True)
    service_items = models.TextField(_("服务项目"), help_text=_("公开：向学校提供的课程与服务"))
    fee_standards = models.TextField(_("收费标准"), help_text=_("公开：按课时或学期的收费标准"))
    weekly_sessions = models.PositiveIntegerField(
        _("每周可提供课次"), default=10, help_text=_("机构师资每周能承担的课后服务课次")
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ProviderStatus.choices,
        default=ProviderStatus.DRAFT,
        db_index=True,
    )
    whitelist_until = models.DateField(_("白名单有效期至"), null=True, blank=True)
    status_reason = models.TextField(_("最近一次状态说明"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    # Part 2 (ratings and quality) writes this; until then vetting shows "—".
    quality_score = models.FloatField(_("质量评分"), null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("校外机构")
        verbose_name_plural = _("校外机构")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.credit_code:
            self.credit_code = self.credit_code.strip().upper()
        if not self.credit_code and not self.record_id:
            raise ValidationError(
                {"credit_code": _("请填写统一社会信用代码（个人可填写备案编号）。")}
            )
        if not self.credit_code and self.org_type not in INDIVIDUAL_TYPES:
            raise ValidationError({"credit_code": _("机构须填写统一社会信用代码。")})

    def is_whitelisted(self, on: dt.date | None = None) -> bool:
        """On the white list on that day: approved and not past its white-list date."""
        on = on or timezone.localdate()
        return (
            self.status == ProviderStatus.APPROVED
            and self.whitelist_until is not None
            and self.whitelist_until >= on
        )

    def quality_display(self) -> str:
        return "—" if self.quality_score is None else f"{self.quality_score:.1f}"


class ProviderStaff(models.Model):
    """A user account that acts for a provider (accounts.scoping.provider_of reads this)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="provider_staff"
    )
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="staff")

    class Meta:
        verbose_name = _("机构账号")
        verbose_name_plural = _("机构账号")

    def __str__(self) -> str:
        return f"{self.user} @ {self.provider}"


class DocumentKind(models.TextChoices):
    LICENCE = "licence", _("营业执照或登记证书")
    QUALIFICATION = "qualification", _("资质证明")
    ANNUAL_REVIEW = "annual_review", _("年检（年报）材料")
    OTHER = "other", _("其他材料")


class ProviderDocument(models.Model):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("材料类型"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("文件"), upload_to=document_path, validators=[validate_document])
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["provider", "kind", "pk"]
        verbose_name = _("机构材料")
        verbose_name_plural = _("机构材料")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


class Instructor(models.Model):
    """A person who teaches for a provider; needs a valid no-criminal-record certificate."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="instructors")
    name = models.CharField(_("姓名"), max_length=50)
    qualifications = models.TextField(_("资质（教师资格证、职业资格、非遗传承人等）"))
    background_check = models.FileField(
        _("无犯罪记录证明"), upload_to=certificate_path, validators=[validate_document]
    )
    background_check_expires = models.DateField(_("无犯罪记录证明有效期至"))
    active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        ordering = ["provider", "name", "pk"]
        verbose_name = _("授课人员")
        verbose_name_plural = _("授课人员")

    def __str__(self) -> str:
        return self.name

    def check_valid(self, on: dt.date | None = None) -> bool:
        """Active and the background-check certificate has not expired on that day."""
        on = on or timezone.localdate()
        return self.active and self.background_check_expires >= on


class VettingEvent(models.Model):
    """One step of a provider's vetting history: who, when, from, to and why."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    from_status = models.CharField(_("原状态"), max_length=16, choices=ProviderStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=16, choices=ProviderStatus.choices)
    reason = models.TextField(_("说明"), blank=True)
    whitelist_until = models.DateField(_("白名单有效期至"), null=True, blank=True)

    class Meta:
        ordering = ["provider", "at", "pk"]
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")

    def __str__(self) -> str:
        return f"{self.provider}: {self.from_status} → {self.to_status}"
