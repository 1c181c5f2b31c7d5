"""Student growth portraits (综合素质评价 / 学生成长档案): records → indicator → dimension scores.

Problem: a bureau collects typed records for every student and term — teacher observations and
awards, term grades, the national physical fitness test items, arts activities, labour and
social-practice hours, after-school courses attended — and wants per-child profiles in the five
national dimensions (品德发展 moral, 学业发展 academic, 身心健康 health, 艺术素养 arts,
劳动与社会实践 labour), each child's progress against its own earlier terms, and cohort figures
for classes, schools and urban/town/rural — at city scale (a million students × 20 records).

Method (see `library` for the indicator library's columns):

1. **Indicator value**: a student's records of one indicator in one term are combined by the
   indicator's ``aggregate`` (mean, sum, max, min, count); an indicator with ``missing = zero``
   that the child has no record of has the value 0.
2. **Indicator score** (0–100, two decimals): ``bands`` — the score of the highest threshold the
   value reaches (below the first: 0); ``linear`` — ``100 × (value − low) / (high − low)``
   clamped to 0–100; ``percentile`` — the percentile rank ``100 × (below + ½ × equal) / n``
   among the students of the same term and grade with a value (every school of the input).
3. **Dimension score**: the weighted mean of the child's indicator scores in that dimension,
   ``Σ wᵢ·sᵢ / Σ wᵢ`` over the indicators it has; ``coverage`` = that Σ wᵢ over the weight of all
   the dimension's indicators in the library version (1.0: every indicator counted). A dimension
   with no indicator score has no row (no figure, not 0).
4. **Progress** (value-added against the same child, never a ranking): the score minus the mean
   of the child's own scores in that dimension in its earlier terms (terms compare as text,
   so name them to sort in time order: ``2025-1``, ``2025-2``, ``2026-1``); empty in its first
   term; ``previous_terms`` says how many terms the mean is over.
5. **Cohorts**: per term and dimension, for the region, each urban/town/rural class of school,
   each school, each school's grade and each class: the number of students and the mean,
   lower quartile, median and upper quartile of the dimension scores (quartiles are values of
   the cohort, `quantile_disc`). **Small-group suppression**: a cell of fewer than
   ``min_group`` (default 10) students has its count but no figure.

Guarantee: every score is explained by its rows — ``indicator_scores`` holds each indicator's
value, its number of records, its score and weight, and the dimension score is their weighted
mean. Exact decimal arithmetic makes the output bytes independent of DuckDB's thread count and
of the input row order. Same input, same bytes.

Performance: one DuckDB connection, set-based SQL (an aggregation, three scoring selects of
which only the percentile one sorts, a grouping-sets pass); 20 million records score in
seconds on two cores (docs/benchmarks.md, "Student growth portraits").

>>> import pandas as pd
>>> lib = library_from_frame(pd.DataFrame({"indicator": ["labour.hours"], "dimension":
...     ["labour"], "weight": ["1"], "method": ["bands"], "bands": ["0:40|8:60|16:80"],
...     "aggregate": ["sum"], "missing": ["zero"]}))
>>> recs = pd.DataFrame({"student_id": ["S1", "S1"], "term": ["2026-1"] * 2,
...     "indicator": ["labour.hours"] * 2, "value": ["6", "4"]})
>>> kids = pd.DataFrame({"student_id": ["S1", "S2"], "term": ["2026-1"] * 2,
...     "school_id": ["A", "A"], "grade": ["3", "3"]})
>>> p = score(recs, kids, lib)
>>> p.frame("scores")[["student_id", "score", "coverage"]].values.tolist()
[['S1', 60.0, 1.0], ['S2', 40.0, 1.0]]
"""

from __future__ import annotations

from junheng.engines.portraits.library import (
    AGGREGATES,
    DEFAULT_LIBRARY_CSV,
    DEFAULT_VERSION,
    DIMENSIONS,
    METHODS,
    MISSING,
    Indicator,
    default_library,
    library_from_frame,
    parse_bands,
    versions_from_frame,
)
from junheng.engines.portraits.scoring import (
    LEVELS,
    MIN_GROUP,
    OUTPUTS,
    URBAN_RURAL,
    Portraits,
    Sources,
    score,
)

__all__ = [
    "AGGREGATES",
    "DEFAULT_LIBRARY_CSV",
    "DEFAULT_VERSION",
    "DIMENSIONS",
    "LEVELS",
    "METHODS",
    "MIN_GROUP",
    "MISSING",
    "OUTPUTS",
    "URBAN_RURAL",
    "Indicator",
    "Portraits",
    "Sources",
    "default_library",
    "library_from_frame",
    "parse_bands",
    "score",
    "versions_from_frame",
]
