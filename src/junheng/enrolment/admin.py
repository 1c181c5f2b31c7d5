from django.contrib import admin

from junheng.enrolment.models import (
    ChoiceWindow,
    Complaint,
    DrawAdjustment,
    HourRate,
    SubsidyRule,
)


@admin.register(ChoiceWindow)
class ChoiceWindowAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("school", "term", "opens_at", "closes_at", "method", "max_courses", "state")
    list_filter = ("state", "term")
    # State changes go through the actions (pages), never through the admin form.
    readonly_fields = ("state", "opened_at", "closed_at", "drawn_at", "published_at")


@admin.register(SubsidyRule)
class SubsidyRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "target", "percent", "monthly_cap", "term", "active")


@admin.register(HourRate)
class HourRateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("term", "provider", "yuan_per_hour")


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("offering", "status", "created_at")
    list_filter = ("status",)


@admin.register(DrawAdjustment)
class DrawAdjustmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("window", "kind", "at", "by")
    list_filter = ("kind",)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
