"""Django admin of the rotation planner: read-only (rounds, needs, preferences, plans, moves and
stints are written by the actions, which check the rules and keep the audit)."""

from django.contrib import admin

from junheng.accounts.admin_base import ReadOnlyAdmin
from junheng.rotation.models import (
    Move,
    PlanRun,
    Preference,
    RotationRound,
    Stint,
    SubjectNeed,
    Tradeoff,
)


@admin.register(RotationRound)
class RotationRoundAdmin(ReadOnlyAdmin):
    list_display = (
        "year",
        "county",
        "status",
        "min_years",
        "share",
        "target_share",
        "backbone_share",
    )
    list_filter = ("status",)


@admin.register(SubjectNeed)
class SubjectNeedAdmin(ReadOnlyAdmin):
    list_display = ("round", "school", "subject", "required")
    list_filter = ("round",)


@admin.register(Preference)
class PreferenceAdmin(ReadOnlyAdmin):
    list_display = ("round", "teacher", "pref1", "pref2", "pref3", "hardship")
    list_filter = ("round", "hardship")


@admin.register(PlanRun)
class PlanRunAdmin(ReadOnlyAdmin):
    list_display = ("round", "status", "created_at", "finished_at")


@admin.register(Tradeoff)
class TradeoffAdmin(ReadOnlyAdmin):
    list_display = ("round", "status", "eligible", "created_at", "finished_at")


@admin.register(Move)
class MoveAdmin(ReadOnlyAdmin):
    list_display = ("run", "teacher", "from_school", "to_school", "km", "pref_rank")
    list_filter = ("run",)


@admin.register(Stint)
class StintAdmin(ReadOnlyAdmin):
    list_display = (
        "teacher",
        "from_school",
        "to_school",
        "start_year",
        "planned_return_year",
        "returned",
    )
    list_filter = ("returned", "planned_return_year")
