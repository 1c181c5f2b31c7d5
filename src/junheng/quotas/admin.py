"""Admin: read-only views of quota tables (writes go through the pages and their actions)."""

from __future__ import annotations

from django.contrib import admin

from junheng.accounts.admin_base import ReadOnlyAdmin, ReadOnlyInline
from junheng.quotas.models import HighSchool, QuotaPlan, QuotaTable


class PlanInline(ReadOnlyInline):
    model = QuotaPlan
    fields = ("high_school", "plan", "quota", "unfilled")
    readonly_fields = fields


@admin.register(QuotaTable)
class QuotaTableAdmin(ReadOnlyAdmin):
    list_display = ("year", "version", "status", "share", "method", "min_seats", "published_at")
    list_filter = ("status", "year")
    inlines = [PlanInline]


@admin.register(HighSchool)
class HighSchoolAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "quality", "county")
    search_fields = ("code", "name")
