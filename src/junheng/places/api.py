"""School-places JSON API (django-ninja), scoped as the pages are.

The bureau lists and starts forecast runs and reads every warning; a school admin reads its own
school's baseline projection in a finished run only; everyone else gets 403.
"""

from __future__ import annotations

from typing import Any

from ninja import Router, Schema

from junheng.accounts.scoping import require_bureau
from junheng.places import actions, report
from junheng.places.access import (
    access_run,
    access_run_school,
    access_scenario,
    runs_for,
    variants_for,
)
from junheng.places.models import ForecastRun, Variant
from junheng.web import AuthenticatedHttpRequest

router = Router(tags=["places"])


class RunOut(Schema):
    id: int
    status: str
    scenario: str
    base_year: int | None
    years: int
    history: int
    summary: dict[str, Any]
    scenario_summary: dict[str, Any]
    message: str


class RunIn(Schema):
    scenario_id: int | None = None
    years: int = 6
    history: int = 3


class YearOut(Schema):
    school_id: str
    school_name: str
    year: int
    students: int
    capacity: int
    utilisation: float
    level: str
    classes_needed: int
    classrooms_needed: int
    grades: dict[str, int]


def _run_out(r: ForecastRun) -> dict[str, Any]:
    return {
        "id": r.pk,
        "status": r.status,
        "scenario": r.scenario_name,
        "base_year": r.base_year,
        "years": r.years,
        "history": r.history,
        "summary": r.summary,
        "scenario_summary": r.scenario_summary,
        "message": r.message,
    }


def _year_out(r: Any) -> dict[str, Any]:
    return {
        "school_id": r.school_code,
        "school_name": r.school_name,
        "year": r.year,
        "students": r.students,
        "capacity": r.capacity,
        "utilisation": r.utilisation,
        "level": r.level,
        "classes_needed": r.classes_needed,
        "classrooms_needed": r.classrooms_needed,
        "grades": r.grades,
    }


@router.get("/runs", response=list[RunOut])
def runs(request: AuthenticatedHttpRequest) -> list[dict[str, Any]]:
    require_bureau(request.user)
    return [_run_out(r) for r in runs_for(request.user).order_by("-pk")[:100]]


@router.post("/runs", response=RunOut)
def start_run(request: AuthenticatedHttpRequest, payload: RunIn) -> dict[str, Any]:
    user = request.user
    require_bureau(user)
    scenario = access_scenario(user, payload.scenario_id) if payload.scenario_id else None
    run = actions.do_run_forecast(
        by=user, scenario=scenario, years=payload.years, history=payload.history
    )
    return _run_out(run)


@router.get("/runs/{run_id}/warnings", response=list[YearOut])
def warnings(
    request: AuthenticatedHttpRequest, run_id: int, variant: str = Variant.BASELINE
) -> list[dict[str, Any]]:
    user = request.user
    run = access_run(user, run_id)
    if variant not in variants_for(user, run):
        variant = Variant.BASELINE
    return [_year_out(r) for r in report.warnings(run, variant)]


@router.get("/runs/{run_id}/schools/{code}", response=list[YearOut])
def school(request: AuthenticatedHttpRequest, run_id: int, code: str) -> list[dict[str, Any]]:
    """A school's baseline projection (the bureau may ask for ?variant=scenario)."""
    user = request.user
    run, code = access_run_school(user, run_id, code)
    variant = request.GET.get("variant", Variant.BASELINE)
    if variant not in variants_for(user, run):
        variant = Variant.BASELINE
    rows = run.rows.filter(variant=variant, school_code=code).order_by("year")
    return [_year_out(r) for r in rows]
