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
- optional ``version`` (text, default ``default``) and ``label`` (free text for people).

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
DEFAULT_VERSION: Final = "default"


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
    seen: set[tuple[str, str]] = set()
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
        if (version, ind) in seen:
            raise InputError(source, row, "indicator", f"duplicate indicator {ind!r}")
        seen.add((version, ind))
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
        out.append(
            Indicator(
                version,
                ind,
                dim,
                weight,
                method,
                aggregate,
                missing,
                bands,
                low,
                high,
                text(r, "label"),
            )  # fmt: skip
        )
    return tuple(out)


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
# Fitness bands follow the shape of the national student physical fitness standard (国家学生体质
# 健康标准: 90+ excellent, 80+ good, 60+ pass) with one band table for all grades: a simplification
# a bureau replaces with its grade- and sex-specific tables.
DEFAULT_LIBRARY_CSV: Final = """version,indicator,dimension,weight,method,aggregate,missing,bands,low,high,label
2026,moral.observation,moral,3,linear,mean,skip,,1,5,teacher observation (1-5)
2026,moral.award,moral,1,bands,count,zero,0:70|1:85|2:95|3:100,,,awards and commendations
2026,moral.service,moral,1,bands,sum,zero,0:60|2:75|4:90|6:100,,,class and school service (times)
2026,academic.chinese,academic,3,linear,mean,skip,,40,100,Chinese term grade
2026,academic.maths,academic,3,linear,mean,skip,,40,100,maths term grade
2026,academic.english,academic,2,linear,mean,skip,,40,100,English term grade
2026,academic.science,academic,1,percentile,mean,skip,,,,science term grade (percentile within the grade)
2026,health.bmi,health,1.5,bands,mean,skip,0:80|13.5:100|21.5:80|24:60,,,BMI (normal range scores highest)
2026,health.vital_capacity,health,1.5,bands,mean,skip,0:40|900:60|1400:80|1900:90|2400:100,,,vital capacity (ml)
2026,health.run_50m,health,2,bands,mean,skip,0:100|8.5:90|9.5:80|10.5:70|11.5:60|13:40,,,50 m run (s)
2026,health.sit_reach,health,1,bands,mean,skip,-10:40|0:60|5:75|10:90|15:100,,,sit and reach (cm)
2026,health.rope_skip,health,2,bands,mean,skip,0:40|60:60|100:75|130:90|150:100,,,rope skipping (per minute)
2026,health.wellbeing,health,2,linear,mean,skip,,1,5,wellbeing check (1-5)
2026,arts.activity,arts,2,bands,sum,zero,0:60|2:75|4:90|6:100,,,arts activities (times)
2026,arts.certificate,arts,1,bands,count,zero,0:70|1:90|2:100,,,arts certificates
2026,arts.afterschool,arts,1,bands,sum,zero,0:60|4:75|8:90|12:100,,,after-school arts and sports sessions attended
2026,labour.hours,labour,3,bands,sum,zero,0:40|8:60|16:75|24:90|32:100,,,labour hours
2026,labour.practice,labour,2,bands,count,zero,0:60|1:75|2:90|3:100,,,social practice activities
2026,labour.afterschool,labour,1,bands,sum,zero,0:60|4:75|8:90|12:100,,,after-school labour and science sessions attended
"""


def default_library() -> pd.DataFrame:
    """The default library as a table (every column text), as `junheng synth` writes it."""
    import io

    return pd.read_csv(io.StringIO(DEFAULT_LIBRARY_CSV), dtype=str, keep_default_na=False)
