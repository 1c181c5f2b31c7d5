"""Job pages: the progress partial (polled with htmx), cancel, a job's page, the health check."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Min
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from junheng.jobs.access import access_job
from junheng.jobs.actions import request_cancel
from junheng.jobs.files import open_result
from junheng.jobs.filters import JobFilter
from junheng.jobs.models import Job, JobState, WorkerBeat
from junheng.web import AuthenticatedHttpRequest, filtered, paginate


def _then(request: HttpRequest) -> str:
    return "refresh" if request.GET.get("then") == "refresh" else ""


@login_required
@never_cache
@require_GET
def progress(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    job = access_job(request.user, job_id)
    then = _then(request)
    response = render(request, "jobs/_progress.html", {"job": job, "then": then})
    if then and not job.is_active and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the page that started the job shows its outcome
    return response


@login_required
@require_POST
def cancel(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    job = access_job(request.user, job_id)
    job = request_cancel(job, by=request.user)
    if request.headers.get("HX-Request"):
        return render(request, "jobs/_progress.html", {"job": job, "then": _then(request)})
    return redirect(job.get_absolute_url())


@login_required
@require_GET
def detail(request: AuthenticatedHttpRequest, job_id: int) -> HttpResponse:
    job = access_job(request.user, job_id)
    return render(request, "jobs/detail.html", {"job": job})


@login_required
@require_GET
def download(request: AuthenticatedHttpRequest, job_id: int) -> FileResponse:
    """The file a finished job produced (an export), for those who may see the job."""
    job = access_job(request.user, job_id)
    result = job.result if isinstance(job.result, dict) else {}
    if job.state != JobState.DONE or not result.get("file"):
        raise Http404
    try:
        fh = open_result(str(result["file"]))
    except (ValueError, OSError) as exc:
        raise Http404 from exc
    return FileResponse(fh, as_attachment=True, filename=str(result.get("filename") or "file"))


@login_required
@require_GET
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    f = JobFilter(request.GET, queryset=Job.objects.filter(created_by=request.user))
    page = paginate(request, filtered(f).order_by("-created_at", "-pk"))
    return render(request, "jobs/mine.html", {"jobs": page.object_list, "page": page, "filter": f})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness of the database and the worker queue, as JSON (503 when unhealthy).

    `queue.oldest_queued_s` is the age of the oldest job still waiting; over
    JOBS_HEALTH_MAX_QUEUE_AGE_S (default 300 s) the queue is reported stuck.
    """
    out: dict[str, object] = {"status": "ok"}
    ok = True
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        out["database"] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    except Exception as err:
        out["database"] = {"ok": False, "error": type(err).__name__}
        out["status"] = "error"
        return JsonResponse(out, status=503)
    now = timezone.now()
    backend = settings.TASKS["default"]["BACKEND"]
    queued = Job.objects.filter(state=JobState.QUEUED)
    oldest = queued.aggregate(m=Min("created_at"))["m"]
    oldest_s = round((now - oldest).total_seconds(), 1) if oldest else 0.0
    max_age = float(getattr(settings, "JOBS_HEALTH_MAX_QUEUE_AGE_S", 300))
    workers = WorkerBeat.alive(3 * float(getattr(settings, "JOBS_HEARTBEAT_S", 10))).count()
    queue: dict[str, object] = {
        "backend": backend.rsplit(".", 1)[-1],
        "queued": queued.count(),
        "running": Job.objects.filter(state=JobState.RUNNING).count(),
        "oldest_queued_s": oldest_s,
        "workers": workers,
        "ok": oldest_s <= max_age,
    }
    if "RQBackend" in backend:
        try:
            import django_rq

            name = getattr(settings, "JOBS_QUEUE", "default")
            queue["redis"] = bool(django_rq.get_connection(name).ping())
        except Exception as err:
            queue["redis"] = False
            queue["error"] = type(err).__name__
            queue["ok"] = False
    out["queue"] = queue
    if not queue["ok"]:
        ok = False
    out["status"] = "ok" if ok else "error"
    return JsonResponse(out, status=200 if ok else 503)
