"""The indicator library (评价指标库): which records count, in which dimension, how they are scored.

One row per indicator and library version:

- ``indicator`` (text id, e.g. ``health.run_50m``), ``dimension`` (one of `DIMENSIONS`),
  ``weight`` (> 0, at most 3 decimals: the indicator's share of its dimension),
- ``method``: ``bands`` (the score of the highest threshold the value reaches; below the first
  threshold 0), ``linear`` (0 at ``low``, 100 at ``high``, clamped; ``low > high`` means lower
  is better, e.g. a run time) or ``percentile`` (the percentile rank within the term and grade,
  ``100 × (below + ½ × equal) / n`` over the students with a value),
- ``bands``: ``threshold:score`` pairs separated by ``|`` with thresholds ascending and scores
  0–100 (``0:60|1:80|2:95``; scores need not rise, so a BMI's normal range can score highest),
- ``low``, ``high``: the linear method's ends,
- ``aggregate``: how a student's records of one indicator in one term combine — ``mean``
  (default), ``sum``, ``max``, ``min`` or ``count`` (the number of records, whatever their value),
- ``missing``: ``skip`` (default: no record, no score; the dimension is the weighted mean of the
  indicators the child has, and its ``coverage`` says how much of the weight that was) or
  ``zero`` (no record counts as the value 0, e.g. labour hours or awards: a child without any is
  scored, not skipped, so an award can never lower a dimension score),
- optional ``version`` (text, default ``default``) and ``label`` (free text for people),
- optional ``grades`` (``3``, ``1-2``; empty: every grade 1–12) and ``sex`` (``M``, ``F``;
  empty: both): the grades and sex the row's rule is for. The national student physical
  fitness standard (国家学生体质健康标准) scores each test item with tables that differ by grade
  and sex, so one indicator may have several rows, each its own rule (``weight``, ``method``,
  ``bands``, ``low``, ``high``) for a group, as long as no grade and sex is in two of them and
  the rows agree on ``dimension``, ``aggregate`` and ``missing``. An indicator has no rule for
  a child outside every group of its rows: it does not apply to that child (no score, no
  weight in its coverage, no 0 with ``missing = zero``); a record of it is an error.

Which version is in force in which term is a separate table ``term, version``; without one the
library must hold a single version.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

import pandas as pd

from junheng.engines.io import InputError

# The national five (综合素质评价): 品德发展, 学业发展, 身心健康, 艺术素养, 劳动与社会实践.
DIMENSIONS: Final = ("moral", "academic", "health", "arts", "labour")
METHODS: Final = ("bands", "linear", "percentile")
AGGREGATES: Final = ("mean", "sum", "max", "min", "count")
MISSING: Final = ("skip", "zero")
SEXES: Final = ("M", "F")
DEFAULT_VERSION: Final = "default"
GRADES: Final = (1, 12)


@dataclass(frozen=True)
class Indicator:
    version: str
    indicator: str
    dimension: str
    weight: Decimal
    method: str
    aggregate: str = "mean"
    missing: str = "skip"
    bands: tuple[tuple[Decimal, Decimal], ...] = ()
    low: Decimal | None = None
    high: Decimal | None = None
    label: str = ""
    grades: tuple[int, int] = GRADES  # the first and last grade the rule is for
    sex: str = ""  # "M", "F" or "" (both)

    @property
    def grades_text(self) -> str:
        """The rule's grades as the library writes them (``"3-4"``, ``"3"``; "" for all)."""
        lo, hi = self.grades
        return "" if self.grades == GRADES else str(lo) if lo == hi else f"{lo}-{hi}"

    @property
    def group(self) -> str:
        """The rule's grades and sex (``"3-4 F"``; "" for every child)."""
        return " ".join(x for x in (self.grades_text, self.sex) if x)

    def applies(self, grade: int, sex: str) -> bool:
        return self.grades[0] <= grade <= self.grades[1] and self.sex in ("", sex)


def parse_grades(text: str) -> tuple[int, int]:
    """``""`` → (1, 12), ``"3"`` → (3, 3), ``"1-2"`` → (1, 2); grades 1–12, first ≤ last.

    >>> parse_grades("7-9")
    (7, 9)
    """
    if not text.strip():
        return GRADES
    lo_text, sep, hi_text = text.partition("-")
    try:
        lo = int(lo_text.strip())
        hi = int(hi_text.strip()) if sep else lo
    except ValueError as exc:
        raise ValueError(f"{text.strip()!r} is not a grade or grade-grade (1-12)") from exc
    if not GRADES[0] <= lo <= hi <= GRADES[1]:
        raise ValueError(f"{text.strip()!r} is not a grade or grade-grade (1-12)")
    return lo, hi


def parse_bands(text: str) -> tuple[tuple[Decimal, Decimal], ...]:
    """``"0:60|1:80|2:95"`` → ((0, 60), (1, 80), (2, 95)); thresholds must ascend.

    >>> parse_bands("0:60|1.5:80")
    ((Decimal('0'), Decimal('60')), (Decimal('1.5'), Decimal('80')))
    """
    out: list[tuple[Decimal, Decimal]] = []
    for part in text.split("|"):
        if ":" not in part:
            raise ValueError(f"{part.strip()!r} is not threshold:score")
        t, s = (x.strip() for x in part.split(":", 1))
        try:
            threshold, score = Decimal(t), Decimal(s)
        except InvalidOperation as exc:
            raise ValueError(f"{part.strip()!r} is not threshold:score") from exc
        if not threshold.is_finite() or not score.is_finite():
            raise ValueError(f"{part.strip()!r} is not finite")
        if not 0 <= score <= 100:
            raise ValueError(f"score {s} is outside 0–100")
        if out and threshold <= out[-1][0]:
            raise ValueError("thresholds must ascend")
        out.append((threshold, score))
    return tuple(out)


def _decimal(source: str, row: int, column: str, text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise InputError(source, row, column, f"expected a number, got {text!r}") from exc
    if not value.is_finite():
        raise InputError(source, row, column, f"expected a finite number, got {text!r}")
    return value


def library_from_frame(df: pd.DataFrame, source: str = "indicators") -> tuple[Indicator, ...]:
    """Validate an indicator table (every column as text) into indicators, in file order."""
    cols = [str(c).strip() for c in df.columns]
    df = df.copy()
    df.columns = pd.Index(cols)
    for name in ("indicator", "dimension", "weight", "method"):
        if name not in cols:
            raise InputError(source, 1, name, "missing column")
    if len(df) == 0:
        raise InputError(source, 2, "indicator", "no indicators")
    seen: dict[tuple[str, str], list[tuple[int, Indicator]]] = {}
    out: list[Indicator] = []

    def text(r: pd.Series, name: str, default: str = "") -> str:
        if name not in r.index:
            return default
        v = r[name]
        s = "" if v is None or (isinstance(v, float) and v != v) else str(v).strip()
        return s or default

    for i, (_, r) in enumerate(df.iterrows()):
        row = i + 2
        version = text(r, "version", DEFAULT_VERSION)
        ind = text(r, "indicator")
        if not ind:
            raise InputError(source, row, "indicator", "empty value")
        dim = text(r, "dimension")
        if dim not in DIMENSIONS:
            raise InputError(
                source,
                row,
                "dimension",
                f"unknown value {dim!r} (expected one of {', '.join(DIMENSIONS)})",
            )
        weight = _decimal(source, row, "weight", text(r, "weight"))
        if weight <= 0 or weight != weight.quantize(Decimal("0.001")) or weight > 1000:
            raise InputError(
                source, row, "weight", f"must be > 0, ≤ 1000, 3 decimals at most; got {weight}"
            )
        method = text(r, "method")
        if method not in METHODS:
            raise InputError(
                source,
                row,
                "method",
                f"unknown value {method!r} (expected one of {', '.join(METHODS)})",
            )
        aggregate = text(r, "aggregate", "mean")
        if aggregate not in AGGREGATES:
            raise InputError(
                source,
                row,
                "aggregate",
                f"unknown value {aggregate!r} (expected one of {', '.join(AGGREGATES)})",
            )
        missing = text(r, "missing", "skip")
        if missing not in MISSING:
            raise InputError(
                source,
                row,
                "missing",
                f"unknown value {missing!r} (expected one of {', '.join(MISSING)})",
            )
        bands: tuple[tuple[Decimal, Decimal], ...] = ()
        low = high = None
        if method == "bands":
            try:
                bands = parse_bands(text(r, "bands"))
            except ValueError as exc:
                raise InputError(source, row, "bands", str(exc)) from exc
        elif method == "linear":
            low = _decimal(source, row, "low", text(r, "low"))
            high = _decimal(source, row, "high", text(r, "high"))
            if low == high:
                raise InputError(source, row, "high", "low and high must differ")
        try:
            grades = parse_grades(text(r, "grades"))
        except ValueError as exc:
            raise InputError(source, row, "grades", str(exc)) from exc
        sex = text(r, "sex")
        if sex not in ("", *SEXES):
            raise InputError(source, row, "sex", f"unknown value {sex!r} (expected M, F or empty)")
        item = Indicator(
            version, ind, dim, weight, method, aggregate, missing, bands, low, high,
            text(r, "label"), grades, sex,
        )  # fmt: skip
        for other_row, other in seen.get((version, ind), []):
            for field in ("dimension", "aggregate", "missing"):
                if getattr(other, field) != getattr(item, field):
                    raise InputError(
                        source, row, field,
                        f"indicator {ind!r} has {field} {getattr(other, field)!r} on row "
                        f"{other_row}: every row of an indicator has the same",
                    )  # fmt: skip
            if _overlap(other, item):
                raise InputError(
                    source, row, "grades",
                    f"duplicate indicator {ind!r}: row {other_row} already covers grades "
                    f"{other.group or 'all'}; rows of one indicator cover different grades "
                    "or sexes",
                )  # fmt: skip
        seen.setdefault((version, ind), []).append((row, item))
        out.append(item)
    return tuple(out)


def _overlap(a: Indicator, b: Indicator) -> bool:
    grades = a.grades[0] <= b.grades[1] and b.grades[0] <= a.grades[1]
    return grades and (a.sex == b.sex or "" in (a.sex, b.sex))


def versions_from_frame(
    df: pd.DataFrame | None, library: tuple[Indicator, ...], source: str = "versions"
) -> dict[str, str]:
    """term → version, checked against the library's versions (empty: one version for all)."""
    known = sorted({i.version for i in library})
    if df is None:
        if len(known) > 1:
            raise InputError(
                source,
                None,
                None,
                f"the library has {len(known)} versions: say which term uses which",
            )
        return {}
    for name in ("term", "version"):
        if name not in df.columns:
            raise InputError(source, 1, name, "missing column")
    out: dict[str, str] = {}
    for i, (term, version) in enumerate(zip(df["term"], df["version"], strict=True)):
        t, v = str(term).strip(), str(version).strip()
        if not t:
            raise InputError(source, i + 2, "term", "empty value")
        if t in out:
            raise InputError(source, i + 2, "term", f"duplicate term {t!r}")
        if v not in known:
            raise InputError(source, i + 2, "version", f"unknown version {v!r}")
        out[t] = v
    return out


# The default library (national five dimensions; the bureau edits its own copy each year).
# The fitness items follow the shape of the national student physical fitness standard (国家学生体质
# 健康标准): each scored with bands that differ by grade group and sex (the 50 m run and vital
# capacity by grade group and sex, sit and reach by sex, rope skipping by grade group; 90+
# excellent, 80+ good, 60+ pass). The thresholds are ILLUSTRATIVE, set around the synthetic
# county's values, not the standard's official tables: a bureau enters those in its own version.
DEFAULT_LIBRARY_CSV: Final = """version,indicator,dimension,weight,method,aggregate,missing,bands,low,high,label,grades,sex
2026,moral.observation,moral,3,linear,mean,skip,,1,5,teacher observation (1-5),,
2026,moral.award,moral,1,bands,count,zero,0:70|1:85|2:95|3:100,,,awards and commendations,,
2026,moral.service,moral,1,bands,sum,zero,0:60|2:75|4:90|6:100,,,class and school service (times),,
2026,academic.chinese,academic,3,linear,mean,skip,,40,100,Chinese term grade,,
2026,academic.maths,academic,3,linear,mean,skip,,40,100,maths term grade,,
2026,academic.english,academic,2,linear,mean,skip,,40,100,English term grade,,
2026,academic.science,academic,1,percentile,mean,skip,,,,science term grade (percentile within the grade),,
2026,health.bmi,health,1.5,bands,mean,skip,0:80|13.5:100|21.5:80|24:60,,,BMI (normal range scores highest),,
2026,health.run_50m,health,2,bands,mean,skip,0:100|10.5:90|11.1:80|11.7:70|12.3:60|13.1:40,,,50 m run (s),1-2,M
2026,health.run_50m,health,2,bands,mean,skip,0:100|11:90|11.6:80|12.2:70|12.8:60|13.6:40,,,50 m run (s),1-2,F
2026,health.run_50m,health,2,bands,mean,skip,0:100|9.9:90|10.5:80|11.1:70|11.7:60|12.5:40,,,50 m run (s),3-4,M
2026,health.run_50m,health,2,bands,mean,skip,0:100|10.4:90|11:80|11.6:70|12.2:60|13:40,,,50 m run (s),3-4,F
2026,health.run_50m,health,2,bands,mean,skip,0:100|9.2:90|9.8:80|10.4:70|11:60|11.8:40,,,50 m run (s),5-6,M
2026,health.run_50m,health,2,bands,mean,skip,0:100|9.7:90|10.3:80|10.9:70|11.5:60|12.3:40,,,50 m run (s),5-6,F
2026,health.run_50m,health,2,bands,mean,skip,0:100|8.4:90|9:80|9.6:70|10.2:60|11:40,,,50 m run (s),7-9,M
2026,health.run_50m,health,2,bands,mean,skip,0:100|8.9:90|9.5:80|10.1:70|10.7:60|11.5:40,,,50 m run (s),7-9,F
2026,health.run_50m,health,2,bands,mean,skip,0:100|7.5:90|8.1:80|8.7:70|9.3:60|10.1:40,,,50 m run (s),10-12,M
2026,health.run_50m,health,2,bands,mean,skip,0:100|8:90|8.6:80|9.2:70|9.8:60|10.6:40,,,50 m run (s),10-12,F
2026,health.vital_capacity,health,1.5,bands,mean,skip,0:40|380:60|680:70|880:80|1180:90|1380:100,,,vital capacity (ml),1-2,M
2026,health.vital_capacity,health,1.5,bands,mean,skip,0:40|240:60|540:70|740:80|1040:90|1240:100,,,vital capacity (ml),1-2,F
2026,health.vital_capacity,health,1.5,bands,mean,skip,0:40|760:60|1060:70|1260:80|1560:90|1760:100,,,vital capacity (ml),3-4,M
2026,health.vital_capacity,health,1.5,bands,mean,skip,0:40|620:60|920:70|1120:80|1420:90|1620:100,,,vital capacity (ml),3-4,F
2026,health.vital_capacity,health,1.5,bands,mean,skip,0:40|1140:60|1440:70|1640:80|1940:90|2140:100,,,vital capacity (ml),5-6,M
2026,health.vital_capacity,health,1.5,bands,mean,skip,0:40|1000:60|1300:70|1500:80|1800:90|2000:100,,,vital capacity (ml),5-6,F
2026,health.vital_capacity,health,1.5,bands,mean,skip,0:40|1620:60|1920:70|2120:80|2420:90|2620:100,,,vital capacity (ml),7-9,M
2026,health.vital_capacity,health,1.5,bands,mean,skip,0:40|1470:60|1770:70|1970:80|2270:90|2470:100,,,vital capacity (ml),7-9,F
2026,health.vital_capacity,health,1.5,bands,mean,skip,0:40|2190:60|2490:70|2690:80|2990:90|3190:100,,,vital capacity (ml),10-12,M
2026,health.vital_capacity,health,1.5,bands,mean,skip,0:40|2040:60|2340:70|2540:80|2840:90|3040:100,,,vital capacity (ml),10-12,F
2026,health.sit_reach,health,1,bands,mean,skip,-10:40|-1:60|2:70|6:80|9:90|13:100,,,sit and reach (cm),,M
2026,health.sit_reach,health,1,bands,mean,skip,-10:40|2.5:60|5.5:70|9.5:80|12.5:90|16.5:100,,,sit and reach (cm),,F
2026,health.rope_skip,health,2,bands,mean,skip,0:40|33:60|53:70|68:80|88:90|103:100,,,rope skipping (per minute),1-2,
2026,health.rope_skip,health,2,bands,mean,skip,0:40|51:60|71:70|86:80|106:90|121:100,,,rope skipping (per minute),3-4,
2026,health.rope_skip,health,2,bands,mean,skip,0:40|69:60|89:70|104:80|124:90|139:100,,,rope skipping (per minute),5-6,
2026,health.rope_skip,health,2,bands,mean,skip,0:40|100:60|120:70|135:80|155:90|170:100,,,rope skipping (per minute),7-12,
2026,health.wellbeing,health,2,linear,mean,skip,,1,5,wellbeing check (1-5),,
2026,arts.activity,arts,2,bands,sum,zero,0:60|2:75|4:90|6:100,,,arts activities (times),,
2026,arts.certificate,arts,1,bands,count,zero,0:70|1:90|2:100,,,arts certificates,,
2026,arts.afterschool,arts,1,bands,sum,zero,0:60|4:75|8:90|12:100,,,after-school arts and sports sessions attended,,
2026,labour.hours,labour,3,bands,sum,zero,0:40|8:60|16:75|24:90|32:100,,,labour hours,,
2026,labour.practice,labour,2,bands,count,zero,0:60|1:75|2:90|3:100,,,social practice activities,,
2026,labour.afterschool,labour,1,bands,sum,zero,0:60|4:75|8:90|12:100,,,after-school labour and science sessions attended,,
"""


def default_library() -> pd.DataFrame:
    """The default library as a table (every column text), as `junheng synth` writes it."""
    import io

    return pd.read_csv(io.StringIO(DEFAULT_LIBRARY_CSV), dtype=str, keep_default_na=False)
