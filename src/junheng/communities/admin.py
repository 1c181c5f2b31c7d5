"""Django admin of the education communities: read-only (communities, memberships, goals,
results and pairing rounds are written by the actions, which keep the one-exclusive-community
rule, freeze published rounds and keep the audit)."""

from django.contrib import admin

from junheng.accounts.admin_base import ReadOnlyAdmin, ReadOnlyInline
from junheng.communities.models import (
    Community,
    Goal,
    Membership,
    PairingRound,
    PairingRun,
    SchoolResult,
)


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = ("school", "mode", "joined_year")


@admin.register(Community)
class CommunityAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "core", "start_year", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "core__name", "partner_school")
    inlines = [MembershipInline]


@admin.register(Goal)
class GoalAdmin(ReadOnlyAdmin):
    list_display = ("community", "year", "lessons", "activities")


@admin.register(SchoolResult)
class SchoolResultAdmin(ReadOnlyAdmin):
    list_display = ("school", "year", "score")
    list_filter = ("year",)


@admin.register(PairingRound)
class PairingRoundAdmin(ReadOnlyAdmin):
    list_display = ("year", "county", "status", "kind", "capacity", "max_km", "remote")
    list_filter = ("status",)


@admin.register(PairingRun)
class PairingRunAdmin(ReadOnlyAdmin):
    list_display = ("round", "status", "created_at", "finished_at")
