from django.contrib import admin

from junheng.jobs.models import Job, PeriodicSlot, WorkerBeat


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    list_display = ("pk", "kind", "title", "state", "pct", "stage", "created_by", "created_at")
    list_select_related = ("created_by",)
    list_filter = ("state", "kind")
    search_fields = ("title", "kind", "error")
    readonly_fields = [f.name for f in Job._meta.fields]


@admin.register(WorkerBeat)
class WorkerBeatAdmin(admin.ModelAdmin[WorkerBeat]):
    list_display = ("worker_id", "hostname", "pid", "backend", "started_at", "seen_at")


@admin.register(PeriodicSlot)
class PeriodicSlotAdmin(admin.ModelAdmin[PeriodicSlot]):
    list_display = ("name", "slot", "job", "claimed_at")
    list_select_related = ("job",)
