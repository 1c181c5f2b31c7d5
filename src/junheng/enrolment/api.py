"""JSON API of choice windows and draws (django-ninja router, mounted at /api/enrolment/)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from junheng.enrolment import access

router = Router(tags=["enrolment"])


@router.get("/draws/{draw_id}", auth=None)
def draw(request: HttpRequest, draw_id: int) -> dict[str, Any]:
    """A public draw: the commitment, the seed once revealed, parameters, summary and hash."""
    d = access.public_draw(draw_id)
    return {
        "id": d.pk,
        "school": d.window.school.code,
        "term": d.window.term.name,
        "seed_commitment": d.seed_commitment,
        "seed": d.public_seed,
        "method": d.method or d.window.method,
        "max_courses": d.window.max_courses,
        "summary": d.summary or None,
        "result_sha256": d.result_sha256 or None,
        "files": [f"/enrolment/draws/{d.pk}/{n}.csv" for n in d.FILES] if d.result_sha256 else [],
    }
