"""Accounts in the Django admin: users and guardianships editable by the bureau (a non-superuser
cannot grant itself superuser, groups or permissions); the audit log is read-only for everyone."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from junheng.accounts.admin_base import ReadOnlyAdmin
from junheng.accounts.models import AuditLog, Guardianship, ThrottleHit, User

PRIVILEGE_FIELDS = ("is_superuser", "groups", "user_permissions")


@admin.register(User)
class JunhengUserAdmin(UserAdmin[User]):
    list_display = ("username", "get_full_name", "role", "school")
    list_filter = ("role",)
    list_select_related = ("school",)  # a city's million parents: one query a page
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("junheng", {"fields": ("role", "school", "teacher", "phone")}),
    )
    raw_id_fields = ("school", "teacher")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only a superuser hands out privileges; is_staff follows the role (User.save).
            fields += (*PRIVILEGE_FIELDS, "is_staff")
        return fields


@admin.register(Guardianship)
class GuardianshipAdmin(admin.ModelAdmin[Guardianship]):
    raw_id_fields = ("user", "student")


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id")
    list_filter = ("action",)
    search_fields = ("actor__username", "action", "object_id")


@admin.register(ThrottleHit)
class ThrottleHitAdmin(ReadOnlyAdmin):
    list_display = ("scope", "key", "at")
    list_filter = ("scope",)
