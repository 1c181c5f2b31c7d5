"""Who may see and cancel a job: whoever started it, a school's other admins for a school
admin's job, the bureau, and superusers. Other users get 404 (existence does not leak)."""

from __future__ import annotations

from django.http import Http404

from junheng.accounts.models import Role, User
from junheng.jobs.models import Job


def may_see(user: User, job: Job) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.role == Role.BUREAU:
        return True
    if job.created_by_id == user.pk:
        return True
    by = job.created_by
    return bool(
        by is not None
        and user.role == Role.SCHOOL
        and by.role == Role.SCHOOL
        and user.school_id
        and by.school_id == user.school_id
    )


def access_job(user: User, job_id: int) -> Job:
    job = Job.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or not may_see(user, job):
        raise Http404
    return job
