"""Django admin of school places (read-mostly: writes belong to the actions)."""

from django.contrib import admin

from junheng.places.models import (
    Capacity,
    EnrolmentCount,
    ForecastRun,
    Housing,
    Merger,
    Opening,
    ProjectedYear,
    Scenario,
    ZoneBirths,
)


@admin.register(EnrolmentCount)
class EnrolmentCountAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("school", "year", "grade", "students", "source")
    list_filter = ("year", "source", "grade")
    search_fields = ("school__code", "school__name")


@admin.register(ZoneBirths)
class ZoneBirthsAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("school", "year", "births")
    list_filter = ("year",)
    search_fields = ("school__code", "school__name")


@admin.register(Capacity)
class CapacityAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("school", "classrooms", "max_class", "updated_at")
    search_fields = ("school__code", "school__name")


class HousingInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Housing
    extra = 0


class MergerInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Merger
    fk_name = "scenario"
    extra = 0


class OpeningInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Opening
    extra = 0


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "created_by", "updated_at")
    inlines = (HousingInline, MergerInline, OpeningInline)


@admin.register(ForecastRun)
class ForecastRunAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("pk", "scenario_name", "status", "base_year", "years", "created_at")
    list_filter = ("status",)
    readonly_fields = ("summary", "scenario_summary", "scenario_inputs", "method", "left_out")


@admin.register(ProjectedYear)
class ProjectedYearAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("run", "variant", "school_code", "school_name", "year", "students", "level")
    list_filter = ("run", "variant", "level")
