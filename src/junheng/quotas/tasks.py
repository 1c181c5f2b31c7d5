"""Job bodies of the quota app (指标到校), run by a worker through `junheng.jobs`.

A side-by-side preview of a city-size table (600 junior schools × 22 high schools, three
methods and the Alabama check: seconds of exact arithmetic) is a job: the page returns at once,
shows the job's progress and then the stored preview, for as long as the table's inputs are
those the job read (`adapters.inputs_fingerprint`). A small table is previewed in the page.

Publishing such a table (computing and storing its 13,200 pairs' seats, about a second and a
half) is a job too: the draft page shows its progress, then the published table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext as _

from junheng.jobs.actions import JobFailed, progress, start_job
from junheng.jobs.models import Job, JobState
from junheng.quotas import adapters
from junheng.quotas.models import QuotaTable

if TYPE_CHECKING:
    from junheng.accounts.models import User

KIND = "quotas_preview"
PUBLISH_KIND = "quotas_publish"


def inline_pairs() -> int:
    """A table with more (high school, junior) pairs than this is previewed by a job."""
    return int(getattr(settings, "JUNHENG_QUOTA_PREVIEW_INLINE_PAIRS", 2000))


def preview_job(job: Job, *, table_id: int, scope: str) -> dict[str, Any]:
    """Compute the preview; its JSON and the fingerprint of the inputs it read are the result.
    An input the engine refuses is not a failure: the preview shows why it cannot be made."""
    table = QuotaTable.objects.filter(pk=table_id).first()
    if table is None:
        raise JobFailed(_("该分配表已被删除，无法预览。"))
    progress(job, _("读取数据"), 2)
    inputs = adapters.table_inputs(table)
    pv = adapters.preview(
        table, scope, inputs=inputs, step=lambda stage, pct: progress(job, stage, pct)
    )
    return {
        "fingerprint": adapters.inputs_fingerprint(table, inputs),
        "scope": scope,
        "preview": adapters.preview_to_json(pv),
    }


def start_preview(table: QuotaTable, scope: str, *, by: User) -> Job:
    """Queue the preview of `table` (for one high school or, scope "", all of them)."""
    active = current_job(table, scope)
    if active is not None and active.is_active:
        return active  # a second click while it runs starts nothing
    title = _("%(y)s 年指标到校第 %(v)s 版：方法对比预览") % {"y": table.year, "v": table.version}
    return start_job(
        KIND, preview_job, by=by, target=table, title=title, table_id=table.pk, scope=scope
    )


def current_job(table: QuotaTable, scope: str) -> Job | None:
    """The latest preview job of this table and scope, whatever its state."""
    from django.contrib.contenttypes.models import ContentType

    return (
        Job.objects.filter(
            kind=KIND,
            target_type=ContentType.objects.get_for_model(table),
            target_id=str(table.pk),
            args__scope=scope,
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def stored_preview(job: Job | None, fingerprint: str) -> adapters.Preview | None:
    """The job's preview when it is done and computed from the table's present inputs."""
    if job is None or job.state != JobState.DONE or not isinstance(job.result, dict):
        return None
    if job.result.get("fingerprint") != fingerprint:
        return None
    return adapters.preview_from_json(job.result["preview"])


def publish_job(job: Job, *, table_id: int, method: str, notes: str) -> dict[str, Any]:
    """Publish the draft as its starter asked (`actions.do_publish`, one transaction: a refusal
    fails the job with its reason and leaves the draft as it was)."""
    from junheng.quotas import actions

    table = QuotaTable.objects.filter(pk=table_id).first()
    if table is None:
        raise JobFailed(_("该分配表已被删除，无法发布。"))
    if job.created_by is None:
        raise JobFailed(_("发起发布的账号已不存在。"))
    progress(job, _("读取数据"), 5)
    table = actions.do_publish(
        table,
        by=job.created_by,
        method=method,
        notes=notes,
        step=lambda stage, pct: progress(job, stage, pct),
    )
    return {"table_id": table.pk, "result_sha256": table.result_sha256}


def start_publish(table: QuotaTable, *, by: User, method: str, notes: str) -> Job:
    """Queue the publication of a city-size draft (a second click while it runs starts nothing)."""
    active = publish_job_of(table)
    if active is not None and active.is_active:
        return active
    title = _("%(y)s 年指标到校第 %(v)s 版：发布") % {"y": table.year, "v": table.version}
    return start_job(
        PUBLISH_KIND,
        publish_job,
        by=by,
        target=table,
        title=title,
        max_attempts=1,
        table_id=table.pk,
        method=method,
        notes=notes,
    )


def publish_job_of(table: QuotaTable) -> Job | None:
    """The latest publish job of this table, whatever its state."""
    from django.contrib.contenttypes.models import ContentType

    return (
        Job.objects.filter(
            kind=PUBLISH_KIND,
            target_type=ContentType.objects.get_for_model(table),
            target_id=str(table.pk),
        )
        .order_by("-created_at", "-pk")
        .first()
    )
