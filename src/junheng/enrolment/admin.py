"""Django admin of choice windows and fees: windows and adjustments are read-only (the actions
open, close, draw and publish and record every adjustment); fee rules and complaints are the
bureau's to edit."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from junheng.accounts.admin_base import ReadOnlyAdmin
from junheng.enrolment.models import (
    ChoiceWindow,
    Complaint,
    DrawAdjustment,
    HourRate,
    SubsidyRule,
)


@admin.register(ChoiceWindow)
class ChoiceWindowAdmin(ReadOnlyAdmin):
    list_display = ("school", "term", "opens_at", "closes_at", "method", "max_courses", "state")
    list_filter = ("state", "term")


@admin.register(SubsidyRule)
class SubsidyRuleAdmin(admin.ModelAdmin[SubsidyRule]):
    list_display = ("name", "target", "percent", "monthly_cap", "term", "active")
    list_select_related = ("term",)


@admin.register(HourRate)
class HourRateAdmin(admin.ModelAdmin[HourRate]):
    list_display = ("term", "provider", "yuan_per_hour")
    list_select_related = ("term", "provider")


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin[Complaint]):
    list_display = ("offering", "status", "created_at")
    list_filter = ("status",)
    # The bureau resolves or dismisses; what the family wrote stays as written.
    readonly_fields = ("offering", "student", "by", "text", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: Complaint | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Complaint | None = None) -> bool:
        return False


@admin.register(DrawAdjustment)
class DrawAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ("window", "kind", "at", "by")
    list_filter = ("kind",)
