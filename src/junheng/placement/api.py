"""JSON API of class placement (django-ninja router): the public record of a draw."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from junheng.placement import access
from junheng.placement.models import PlacementStatus

router = Router(tags=["placement"])


@router.get("/public/{placement_id}", auth=None)
def public_record(request: HttpRequest, placement_id: int) -> dict[str, Any]:
    """Commitment and input hash from the commit; the entropy once drawn; seeds, files, result
    hash, balance table and the teacher-team draw once published (never a student's name or
    code: the files carry pseudonyms)."""
    p = access.public_placement(placement_id)
    out: dict[str, Any] = {
        "school": p.school.code,
        "grade": p.grade,
        "term": p.term.name,
        "status": p.status,
        "method": p.method,
        "classes": p.n_classes,
        "seed_commitment": p.seed_commitment,
        "input_sha256": p.input_sha256,
        "inputs_sha256": p.inputs_sha256,
        "entropy": p.entropy or None,
        "witnesses": [{"name": w.name, "role": w.role} for w in p.witnesses.all()],
    }
    if p.status == PlacementStatus.PUBLISHED:
        out["seed"] = p.seed
        out["final_seed"] = p.final_seed
        out["files"] = [f"/placement/public/{p.pk}/{n}.csv" for n in ("students", "classes")]
        out["result_sha256"] = p.result_sha256
        out["summary"] = p.summary
        out["table"] = p.table
        out["teams"] = {t.label: t.class_no for t in p.teams.all()}
    return out
