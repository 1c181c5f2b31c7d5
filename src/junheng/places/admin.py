"""Django admin of school places: read-only (writes go through the pages and their actions)."""

from django.contrib import admin

from junheng.accounts.admin_base import ReadOnlyAdmin, ReadOnlyInline
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
class EnrolmentCountAdmin(ReadOnlyAdmin):
    list_display = ("school", "year", "grade", "students", "source")
    list_filter = ("year", "source", "grade")
    search_fields = ("school__code", "school__name")


@admin.register(ZoneBirths)
class ZoneBirthsAdmin(ReadOnlyAdmin):
    list_display = ("school", "year", "births")
    list_filter = ("year",)
    search_fields = ("school__code", "school__name")


@admin.register(Capacity)
class CapacityAdmin(ReadOnlyAdmin):
    list_display = ("school", "classrooms", "max_class", "updated_at")
    search_fields = ("school__code", "school__name")


class HousingInline(ReadOnlyInline):
    model = Housing


class MergerInline(ReadOnlyInline):
    model = Merger
    fk_name = "scenario"


class OpeningInline(ReadOnlyInline):
    model = Opening


@admin.register(Scenario)
class ScenarioAdmin(ReadOnlyAdmin):
    list_display = ("name", "created_by", "updated_at")
    inlines = (HousingInline, MergerInline, OpeningInline)


@admin.register(ForecastRun)
class ForecastRunAdmin(ReadOnlyAdmin):
    list_display = ("pk", "scenario_name", "status", "base_year", "years", "created_at")
    list_filter = ("status",)
    readonly_fields = ("summary", "scenario_summary", "scenario_inputs", "method", "left_out")


@admin.register(ProjectedYear)
class ProjectedYearAdmin(ReadOnlyAdmin):
    list_display = ("run", "variant", "school_code", "school_name", "year", "students", "level")
    list_filter = ("run", "variant", "level")
