"""JSON API of choice windows and draws (django-ninja router, mounted at /api/enrolment/)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from junheng.enrolment import access

router = Router(tags=["enrolment"])


@router.get("/draws/{draw_id}", auth=None)
def draw(request: HttpRequest, draw_id: int) -> dict[str, Any]:
    """A public draw: the commitment; the seed rule's parts once revealed (seed, inputs hash,
    entropy, final seed); parameters, summary, hash and the files (pseudonyms only)."""
    d = access.public_draw(draw_id)
    return {
        "id": d.pk,
        "school": d.window.school.code,
        "term": d.window.term.name,
        "seed_commitment": d.seed_commitment,
        "seed": d.public_seed,
        "inputs_sha256": d.inputs_sha256 or None,
        "entropy": d.entropy or None,
        "entropy_source": d.entropy_source or None,
        "final_seed": d.public_final_seed,
        "method": d.method or d.window.method,
        "max_courses": d.window.max_courses,
        "summary": d.summary or None,
        "result_sha256": d.result_sha256 or None,
        "files": [f"/enrolment/draws/{d.pk}/{n}.csv" for n in d.FILES] if d.result_sha256 else [],
    }
