"""Read-only aggregates over region data (no writes here: writes go through actions)."""

from __future__ import annotations

from typing import Any, TypedDict

from django.db.models import Count, QuerySet
from django_stubs_ext import StrOrPromise

from junheng.region import countymap
from junheng.region.models import School, Student, Teacher, UrbanRural


class UrbanRuralCounts(TypedDict):
    """Schools, students and teachers of one urban/town/rural class (城乡类别)."""

    label: StrOrPromise
    schools: int
    students: int
    teachers: int


def county_glance(schools: QuerySet[School]) -> dict[str, Any]:
    """Schools, students and teachers by urban/town/rural class, and points for the map."""
    students = dict(
        Student.objects.filter(school__in=schools)
        .values_list("school_id")
        .annotate(n=Count("id"))
        .values_list("school_id", "n")
    )
    teachers = dict(
        Teacher.objects.filter(school__in=schools)
        .values_list("school_id")
        .annotate(n=Count("id"))
        .values_list("school_id", "n")
    )
    rows = []
    by_class: dict[str, UrbanRuralCounts] = {
        c.value: {"label": c.label, "schools": 0, "students": 0, "teachers": 0} for c in UrbanRural
    }
    points = []
    for s in schools.order_by("code"):
        n_st, n_te = students.get(s.pk, 0), teachers.get(s.pk, 0)
        agg = by_class[s.urban_rural]
        agg["schools"] += 1
        agg["students"] += n_st
        agg["teachers"] += n_te
        points.append(
            {"x": s.x_km, "y": s.y_km, "name": s.name, "ur": s.urban_rural, "students": n_st}
        )
        rows.append((s, n_st, n_te))
    totals = {
        "schools": sum(v["schools"] for v in by_class.values()),
        "students": sum(v["students"] for v in by_class.values()),
        "teachers": sum(v["teachers"] for v in by_class.values()),
    }
    cmap = countymap.county_map([r[0] for r in rows], students={s.pk: n for s, n, _t in rows})
    return {"by_class": by_class, "totals": totals, "points": points, "rows": rows, "map": cmap}


def school_grades(school: School) -> list[dict[str, Any]]:
    return list(
        Student.objects.filter(school=school)
        .values("grade")
        .annotate(n=Count("id"))
        .order_by("grade")
    )
