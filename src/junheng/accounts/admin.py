from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from junheng.accounts.models import AuditLog, Guardianship, User


@admin.register(User)
class JunhengUserAdmin(UserAdmin):
    list_display = ("username", "get_full_name", "role", "school")
    list_filter = ("role",)
    fieldsets = (
        *UserAdmin.fieldsets,
        ("junheng", {"fields": ("role", "school", "teacher", "phone")}),
    )
    raw_id_fields = ("school", "teacher")


@admin.register(Guardianship)
class GuardianshipAdmin(admin.ModelAdmin):
    raw_id_fields = ("user", "student")


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("at", "actor", "action", "object_type", "object_id")
    list_filter = ("action",)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
