"""Django admin of the rotation planner (read-mostly: writes belong to the actions)."""

from django.contrib import admin

from junheng.rotation.models import Move, PlanRun, Preference, RotationRound, Stint, SubjectNeed


@admin.register(RotationRound)
class RotationRoundAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("year", "county", "status", "min_years", "share", "backbone_share")
    list_filter = ("status",)


@admin.register(SubjectNeed)
class SubjectNeedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("round", "school", "subject", "required")
    list_filter = ("round",)


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("round", "teacher", "pref1", "pref2", "pref3", "hardship")
    list_filter = ("round", "hardship")


@admin.register(PlanRun)
class PlanRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("round", "status", "created_at", "finished_at")
    readonly_fields = ("summary", "per_school", "solver", "balance", "rules")


@admin.register(Move)
class MoveAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("run", "teacher", "from_school", "to_school", "km", "pref_rank")
    list_filter = ("run",)


@admin.register(Stint)
class StintAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "teacher",
        "from_school",
        "to_school",
        "start_year",
        "planned_return_year",
        "returned",
    )
    list_filter = ("returned", "planned_return_year")
