"""Admin: read-only views of quota tables (writes go through the pages and their actions)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from junheng.quotas.models import HighSchool, QuotaPlan, QuotaTable


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PlanInline(admin.TabularInline):  # type: ignore[type-arg]
    model = QuotaPlan
    extra = 0
    fields = ("high_school", "plan", "quota", "unfilled")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(QuotaTable)
class QuotaTableAdmin(ReadOnly):
    list_display = ("year", "version", "status", "share", "method", "min_seats", "published_at")
    list_filter = ("status", "year")
    inlines = [PlanInline]


@admin.register(HighSchool)
class HighSchoolAdmin(ReadOnly):
    list_display = ("code", "name", "quality", "county")
    search_fields = ("code", "name")
