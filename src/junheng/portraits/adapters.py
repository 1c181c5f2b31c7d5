"""The seam between the ORM and `junheng.engines.portraits`: rows → engine tables → rows."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pandas as pd
from django.db.models import Count

from junheng.engines.portraits import Indicator, Portraits, library_from_frame
from junheng.engines.portraits.library import SEXES
from junheng.portraits.models import IndicatorLibrary, PortraitRecord
from junheng.region.models import Student, Term

# After-school course categories → the indicator their attended sessions count for.
AFTERSCHOOL_INDICATOR = {
    "art": "arts.afterschool",
    "music": "arts.afterschool",
    "sports": "arts.afterschool",
    "culture": "arts.afterschool",
    "stem": "labour.afterschool",
    "labour": "labour.afterschool",
}


def term_key(term: Term) -> str:
    """The engine's term label: the start date, so that labels sort in time order."""
    return term.start.isoformat()


def school_year(term: Term) -> int:
    """The school year a term belongs to (autumn terms start it, spring terms close it)."""
    return term.start.year if term.start.month >= 8 else term.start.year - 1


def parse_library(text: str, source: str = "indicators") -> tuple[Indicator, ...]:
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    return library_from_frame(frame, source)


def libraries_for(terms: Sequence[Term]) -> dict[int, IndicatorLibrary]:
    """term id → the library version in force in its school year (the latest not after it)."""
    libs = list(IndicatorLibrary.objects.order_by("year"))
    out: dict[int, IndicatorLibrary] = {}
    for t in terms:
        year = school_year(t)
        usable = [lib for lib in libs if lib.year <= year] or libs[:1]
        if usable:
            out[t.pk] = usable[-1]
    return out


def engine_library(libs: Iterable[IndicatorLibrary]) -> tuple[Indicator, ...]:
    """The union of the versions used, each row tagged with its version."""
    rows: list[Indicator] = []
    for lib in {lib.pk: lib for lib in libs}.values():
        frame = pd.read_csv(io.StringIO(lib.table), dtype=str, keep_default_na=False)
        frame["version"] = lib.version
        rows.extend(library_from_frame(frame, f"library {lib.version}"))
    return tuple(rows)


def grade_in(term: Term, grade_now: int, current_year: int) -> int:
    """The grade a child of `grade_now` (in school year `current_year`) had in `term`: one
    lower per school year back (the platform keeps the children of now only)."""
    return grade_now - (current_year - school_year(term))


def students_frame(terms: Sequence[Term]) -> pd.DataFrame:
    """One row per student and term: the students of the platform now (their school, grade and
    class; a past term is read with the grade the child had then: one lower per school year)."""
    rows = list(
        Student.objects.values_list(
            "pk",
            "school__code",
            "grade",
            "school_class__number",
            "school__urban_rural",
            "gender",
        )
    )
    current = max(school_year(t) for t in terms)
    frames = []
    for t in terms:
        kept = [r for r in rows if grade_in(t, r[2], current) >= 1]
        frames.append(
            pd.DataFrame(
                {
                    "student_id": [str(r[0]) for r in kept],
                    "term": term_key(t),
                    "school_id": [r[1] for r in kept],
                    "grade": [str(grade_in(t, r[2], current)) for r in kept],
                    "class": [str(r[3] or "") for r in kept],
                    "urban_rural": [r[4] for r in kept],
                    # the fitness items' bands differ by sex (Gender is M/F, as the engine's)
                    "sex": [r[5] if r[5] in SEXES else "" for r in kept],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def records_frame(terms: Sequence[Term], known: set[str]) -> pd.DataFrame:
    """Every record of the terms, plus the after-school sessions each child attended."""
    keys = {t.pk: term_key(t) for t in terms}
    from django.db import connection

    table = connection.ops.quote_name(PortraitRecord._meta.db_table)
    marks = ", ".join(["%s"] * len(keys))
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT student_id, term_id, indicator, value FROM {table} "  # noqa: S608
            f"WHERE term_id IN ({marks})",
            list(keys),
        )
        got = cur.fetchall()
    data: dict[str, list[str]] = {
        "student_id": [str(r[0]) for r in got],
        "term": [keys[r[1]] for r in got],
        "indicator": [r[2] for r in got],
        "value": [str(r[3]) for r in got],
    }
    del got
    from junheng.enrolment.models.services import Attendance, Presence

    sessions = (
        Attendance.objects.filter(status=Presence.PRESENT, session__offering__term__in=terms)
        .values("student_id", "session__offering__term_id", "session__offering__course__category")
        .annotate(n=Count("pk"))
    )
    for row in sessions:
        indicator = AFTERSCHOOL_INDICATOR.get(row["session__offering__course__category"])
        if indicator is None or indicator not in known:
            continue
        data["student_id"].append(str(row["student_id"]))
        data["term"].append(keys[row["session__offering__term_id"]])
        data["indicator"].append(indicator)
        data["value"].append(str(row["n"]))
    return pd.DataFrame(data)


def explanation_rows(result: Portraits, term_of: dict[str, int]) -> Iterator[tuple[Any, ...]]:
    """(student_id, term_id, JSON items) per child and term, from the engine's explanation."""
    for sid, term, items in result.explanations():
        yield int(sid), term_of[term], items


def score_rows(result: Portraits, term_of: dict[str, int]) -> Iterator[tuple[Any, ...]]:
    """The engine's dimension scores as `DimensionScore` column values (ids back from the
    engine's text labels; decimals as exact text)."""
    for sid, term, *rest in result.score_rows():
        yield (int(sid), term_of[term], *rest)
