"""Django admin of the education communities: read-only (communities, memberships, goals,
results, pairing rounds, timetables, synchronous classrooms, activities, teacher exchanges
and shared courses are written by the actions, which keep the one-exclusive-community
rule, freeze published rounds and keep the audit)."""

from django.contrib import admin

from junheng.accounts.admin_base import ReadOnlyAdmin, ReadOnlyInline
from junheng.communities.models import (
    Activity,
    Community,
    Goal,
    Membership,
    PairingRound,
    PairingRun,
    SchoolResult,
    SharedCourse,
    SyncLesson,
    SyncRequest,
    SyncSchedule,
    TeacherExchange,
    TimetableEntry,
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


@admin.register(TimetableEntry)
class TimetableEntryAdmin(ReadOnlyAdmin):
    list_display = ("school_class", "day", "period", "subject", "teacher")
    list_filter = ("day", "subject")
    search_fields = ("school_class__school__name", "teacher__name")


@admin.register(SyncRequest)
class SyncRequestAdmin(ReadOnlyAdmin):
    list_display = ("membership", "subject", "per_week", "teacher", "core_class", "member_class")
    list_filter = ("subject",)
    search_fields = ("membership__school__name", "teacher__name")


@admin.register(SyncSchedule)
class SyncScheduleAdmin(ReadOnlyAdmin):
    list_display = ("county", "term", "status", "max_load", "computed_at", "published_at")
    list_filter = ("status",)


@admin.register(SyncLesson)
class SyncLessonAdmin(ReadOnlyAdmin):
    list_display = ("schedule", "request", "date", "period", "status", "recorded_at")
    list_filter = ("status",)
    date_hierarchy = "date"


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ("community", "kind", "title", "date", "host", "participants")
    list_filter = ("kind",)
    search_fields = ("title", "community__name")
    date_hierarchy = "date"


@admin.register(TeacherExchange)
class TeacherExchangeAdmin(ReadOnlyAdmin):
    list_display = ("community", "teacher", "to_school", "year", "created_at")
    list_filter = ("year",)
    search_fields = ("teacher__name", "community__name", "to_school__name")


@admin.register(SharedCourse)
class SharedCourseAdmin(ReadOnlyAdmin):
    list_display = ("community", "course", "shared_at", "shared_by")
    search_fields = ("community__name", "course__title")
