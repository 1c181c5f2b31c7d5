"""Balance monitor JSON API (django-ninja): the county result and one school's indicators.

Scoped as the pages are: the county result is the bureau's; a school's indicators are the
bureau's and that school's admin's (another school is 404).
"""

from __future__ import annotations

from ninja import Router, Schema

from junheng.balance.access import access_county, access_school_balance
from junheng.balance.adapters import SchoolPartRow, county_evaluation
from junheng.engines.balance import CV_LIMITS, INDICATORS, THRESHOLDS
from junheng.web import AuthenticatedHttpRequest

router = Router(tags=["balance"])


class SchoolPartOut(Schema):
    school_id: int
    code: str
    name: str
    level: str
    urban_rural: str
    students: int
    indicators: dict[str, float]
    thresholds: dict[str, float]
    meets: dict[str, bool]
    met: int
    passes: bool


class CountyOut(Schema):
    verdict: str
    cv_ok: bool
    cv: dict[str, dict[str, float]]
    cv_limits: dict[str, float]
    schools: int
    schools_passing: int
    excluded: list[str]
    parts: list[SchoolPartOut]


def _parts(rows: list[SchoolPartRow]) -> list[dict[str, object]]:
    out = []
    for r in rows:
        values = r["values"]
        level = str(r["level"])
        out.append(
            {
                "school_id": r["pk"],
                "code": r["code"],
                "name": r["name"],
                "level": level,
                "urban_rural": r["urban_rural"],
                "students": r["students"],
                "indicators": dict(zip(INDICATORS, values, strict=True)),
                "thresholds": dict(zip(INDICATORS, THRESHOLDS[level], strict=True)),
                "meets": {c["indicator"]: c["meets"] for c in r["cells"]},
                "met": r["met"],
                "passes": r["passes"],
            }
        )
    return out


@router.get("/county", response=CountyOut)
def county(request: AuthenticatedHttpRequest) -> dict[str, object]:
    access_county(request.user)
    ev = county_evaluation()
    r = ev.result
    return {
        "verdict": ev.verdict,
        "cv_ok": bool(r and r.cv_ok),
        "cv": r.cv if r else {},
        "cv_limits": CV_LIMITS,
        "schools": len(ev.schools),
        "schools_passing": r.schools_passing if r else 0,
        "excluded": r.excluded if r else [],
        "parts": _parts(ev.table()),
    }


@router.get("/schools/{school_id}", response=list[SchoolPartOut])
def school(request: AuthenticatedHttpRequest, school_id: int) -> list[dict[str, object]]:
    obj = access_school_balance(request.user, school_id)
    ev = county_evaluation()
    return _parts([r for r in ev.table() if r["code"] == obj.code])
