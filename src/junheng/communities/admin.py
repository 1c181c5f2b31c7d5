"""Django admin of the education communities (read-mostly: writes belong to the actions)."""

from django.contrib import admin

from junheng.communities.models import (
    Community,
    Goal,
    Membership,
    PairingRound,
    PairingRun,
    SchoolResult,
)


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 0
    readonly_fields = ("school", "mode", "joined_year")
    can_delete = False


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "kind", "core", "start_year", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "core__name", "partner_school")
    inlines = [MembershipInline]
    readonly_fields = ("core", "kind", "pairing_round")


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("community", "year", "lessons", "activities")


@admin.register(SchoolResult)
class SchoolResultAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("school", "year", "score")
    list_filter = ("year",)


@admin.register(PairingRound)
class PairingRoundAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("year", "county", "status", "kind", "capacity", "max_km", "remote")
    list_filter = ("status",)


@admin.register(PairingRun)
class PairingRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("round", "status", "created_at", "finished_at")
    readonly_fields = ("summary", "stages", "strengths", "baseline", "rules")
