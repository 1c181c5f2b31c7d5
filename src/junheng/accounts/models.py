"""Users with one role each, the guardian links of parents, and the audit log."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from junheng.region.models import School, Student, Teacher


class Role(models.TextChoices):
    BUREAU = "bureau", _("教育局管理员")
    SCHOOL = "school", _("学校管理员")
    PROVIDER = "provider", _("校外机构")
    PARENT = "parent", _("家长")
    TEACHER = "teacher", _("教师")


class UserManager(DjangoUserManager["User"]):
    def create_superuser(
        self,
        username: str,
        email: str | None = None,
        password: str | None = None,
        **extra_fields: Any,
    ) -> User:
        """`createsuperuser` makes a bureau admin: a superuser acts county-wide (on the default
        role, parent, every admin action would refuse it with a 403)."""
        extra_fields.setdefault("role", Role.BUREAU)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices, default=Role.PARENT)
    # A school admin administers exactly one school.
    school = models.ForeignKey(
        School,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="admins",
        verbose_name=_("所属学校"),
    )
    # A teacher account is the person of one Teacher row.
    teacher = models.OneToOneField(
        Teacher,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account",
        verbose_name=_("教师档案"),
    )
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    objects: ClassVar[UserManager] = UserManager()
    # Provider staff belong to one provider: afterschool.ProviderStaff(user, provider).

    @property
    def is_bureau(self) -> bool:
        return self.role == Role.BUREAU

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        # A bureau admin may do in the Django admin what accounts/admin_base.BUREAU_ADMIN lists
        # per model, and view the rest of the platform; models that actions own stay read-only
        # there for everyone (ReadOnlyAdmin).
        if self.is_active and self.role == Role.BUREAU and not self.is_superuser:
            from junheng.accounts.admin_base import bureau_may

            if bureau_may(perm):
                return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label: str) -> bool:
        if self.is_active and self.role == Role.BUREAU and not self.is_superuser:
            from junheng.accounts.admin_base import BUREAU_VIEW_APPS

            if app_label in BUREAU_VIEW_APPS:
                return True
        return super().has_module_perms(app_label)

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Bureau admins use the Django admin; nobody else does.
        self.is_staff = self.role == Role.BUREAU or self.is_superuser
        super().save(*args, **kwargs)


class Guardianship(models.Model):
    """A parent (guardian) of a student: what a parent may see is exactly these students."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="guardianships")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="guardianships")
    relation = models.CharField(_("关系"), max_length=20, default="guardian")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "student"], name="uniq_guardianship")
        ]
        verbose_name = _("监护关系")
        verbose_name_plural = _("监护关系")

    def __str__(self) -> str:
        return f"{self.user} → {self.student}"


class AuditLog(models.Model):
    """Every export and every non-parent access to a student's record (minors' privacy)."""

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(_("操作"), max_length=60)
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    object_id = models.CharField(_("对象"), max_length=60, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action}"


def audit(actor: User | None, action: str, obj: models.Model | None = None, **detail: Any) -> None:
    AuditLog.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        detail=detail,
    )


class ThrottleHit(models.Model):
    """One counted request of a throttled kind (provider self-registration) from one client
    address; rows older than the window are deleted as new ones come (accounts/throttle.py)."""

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=100)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["scope", "key", "at"], name="throttle_scope_key_at")]
        verbose_name = _("限流记录")
        verbose_name_plural = _("限流记录")

    def __str__(self) -> str:
        return f"{self.scope} {self.key} {self.at:%Y-%m-%d %H:%M}"
