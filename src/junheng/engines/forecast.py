"""Enrolment projection and school-place warnings (学位预测与预警), CONTRACTS.md "junheng forecast".

Problem: a bureau must know years ahead which schools will overflow and which will empty, so
that it can build, extend, re-zone or merge in time (Lishui's "peaks and valleys of supply and
demand for school places"; the national items on school size and class size depend on it).

Method: the grade-progression-ratio (cohort-survival) method that school districts use
(e.g. Schellenberg & Stephens, *Enrollment Projection: Variations on a Theme*, 1987; the
"cohort survival" method of most state education departments). For every school:

- Y is the school's last year of history and g₀ its lowest grade (1, or 7 for a junior school).
- For a grade g ≠ g₀ the ratio r_g is the mean of enrol(y, g) / enrol(y−1, g−1) over the latest
  H years y ≤ Y for which both values exist and the denominator is > 0 (with none, r_g = 1), and
  P(y, g) = P(y−1, g−1) × r_g for y > Y, where P is the history for y ≤ Y.
- With births in the school's zone, the entry ratio e is the mean of enrol(y, g₀) / births(y−6)
  over the latest H years with births(y−6) > 0 (and enrol(y, g₀) present), and
  P(y, g₀) = births(y−6) × e where births(y−6) exists; otherwise, and without births,
  P(y, g₀) is the mean of the latest H history values of grade g₀.
- Values are carried unrounded and written rounded half up, floor(x + 0.5).
- A warning per school and projected year: students (the sum of the rounded grades) against
  capacity = classrooms × max_class: red above 1.0, amber from 0.9 to 1.0, green below 0.9.

Readings where the contract is silent (also in README.md and docs/forecast.md):

- "Latest H years for which both exist": the years are filtered first (both values present,
  denominator > 0), then the latest H of them are averaged. A history row that is absent (a
  school grade missing in one year) does not enter any ratio; as the base of a projection it
  counts as 0 students.
- Each school has its own Y; its projected years are Y+1 … Y+N. `students_last` is the sum over
  schools of their students in their own last year (the base of the projection); `peak_year` and
  `students_peak` compare the totals of the output rows by calendar year.
- The entry uses births(y−6) for the lowest grade whatever it is (to the letter, also for a
  junior school: give such a school no births and its grade 7 is the mean of its history, or
  give births shifted as the bureau sees fit). A school with births rows but no year with both
  enrol(y, g₀) and births(y−6) > 0 has no entry ratio and uses the history mean.
- Before rounding a value is rounded to 9 decimals, so binary noise (2.4999999999999996 for a
  decimal 2.5) does not decide a half.
- A level is judged on the exact ratio of the integers (10 × students ≥ 9 × capacity is amber
  or worse, students > capacity is red); the utilisation column is that ratio with 4 decimals.
- With capacity, every school of the output needs a capacity row; capacity must be > 0
  (classrooms ≥ 1, max_class ≥ 1). A school id in births or capacity that is in no enrolment
  row (nor opened by a scenario) is an input error, as are duplicates, a school with a single
  year or with a gap in its years, grades outside 1–9 and negative counts.

Scenarios beyond the contract (each optional; the baseline is the run without them), applied
to the unrounded projection in this order:

1. **Openings** (new school with a zone split, 新建学校分流): `school_id, from_school, year,
   share` — from `year` on, the new school takes `share` (0 < share ≤ 1) of `from_school`'s
   projected students in every grade; the shares taken from one school may not exceed 1.
2. **Housing** (new housing / migrant inflow, 新建小区): `school_id, year, students`, optional
   `grade` — the development adds `students` children of school age to the zone from `year` on,
   spread evenly over the school's grades (or all in `grade`), in every projected year ≥ `year`
   (a standing population, the "pupil yield" planners apply on top of the cohort projection).
3. **Mergers** (撤并, Yueqing's consolidation): `school_id, into, year` — from `year` on the
   school's students move grade by grade into `into`, and the school has no rows; the receiving
   school must have every grade that moves, and may not itself be merged.

Performance: vectorised numpy over a dense (school × year × grade) array; the city (603 schools
× 9 grades × 6 years) takes milliseconds.

>>> hist = pd.DataFrame({"school_id": ["A"] * 4, "year": [2023, 2023, 2024, 2024],
...                      "grade": [1, 2, 1, 2], "students": [100, 90, 110, 99]})
>>> f = forecast(hist, years=2)
>>> f.projection[["school_id", "year", "grade", "students"]].values.tolist()
[['A', 2025, 1, 105], ['A', 2025, 2, 109], ['A', 2026, 1, 105], ['A', 2026, 2, 104]]
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from junheng.engines.io import InputError, frame_bytes, sha256_hex

GRADES = 9
ENTRY_LAG = 6  # children enter grade 1 six years after their birth year
MAX_YEARS = 50

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Sources:
    """Names used in error messages (file names for the CLI, labels in the app)."""

    enrolment: str = "enrolment"
    births: str = "births"
    capacity: str = "capacity"
    housing: str = "housing"
    mergers: str = "mergers"
    openings: str = "openings"


@dataclass(frozen=True)
class Scenario:
    """Optional planner's changes applied on top of the baseline (see the module docstring).

    housing: school_id, year, students[, grade]; mergers: school_id, into, year;
    openings: school_id, from_school, year, share.
    """

    housing: pd.DataFrame | None = None
    mergers: pd.DataFrame | None = None
    openings: pd.DataFrame | None = None

    @property
    def empty(self) -> bool:
        return all(t is None or len(t) == 0 for t in (self.housing, self.mergers, self.openings))


@dataclass(frozen=True)
class Forecast:
    """The result.

    projection: school_id, year, grade, value (unrounded), students (rounded) — projected years
    only, sorted by school_id (text), year, grade.
    totals: school_id, year, students (sum of the rounded grades) and, with capacity,
    capacity, classrooms, max_class, utilisation (float), level, classes_needed (one grade per
    class: Σ ceil(students_g / max_class)) and classrooms_needed (beyond the classrooms).
    ratios: school_id, grade, kind ("progression" | "entry" | "mean"), ratio, used (how many
    years entered the mean) — how each school's projection was made.
    """

    projection: pd.DataFrame
    totals: pd.DataFrame
    ratios: pd.DataFrame
    years: int
    students_last: int
    has_capacity: bool

    @cached_property
    def out_bytes(self) -> bytes:
        return frame_bytes(self.projection[["school_id", "year", "grade", "students"]])

    @cached_property
    def warnings_bytes(self) -> bytes:
        if not self.has_capacity:
            raise ValueError("warnings need capacity")
        w = self.totals[["school_id", "year", "students", "capacity"]].copy()
        w["utilisation"] = [f"{u:.4f}" for u in self.totals["utilisation"]]
        w["level"] = self.totals["level"]
        return frame_bytes(w)

    @cached_property
    def summary(self) -> dict[str, Any]:
        by_year = self.projection.groupby("year", sort=True)["students"].sum()
        if len(by_year):
            peak = int(by_year.max())
            peak_year: int | None = int(by_year.index[int(np.argmax(by_year.to_numpy()))])
        else:
            peak, peak_year = 0, None
        red = amber = None
        if self.has_capacity:
            red = int((self.totals["level"] == "red").sum())
            amber = int((self.totals["level"] == "amber").sum())
        return {
            "schools": int(self.totals["school_id"].nunique()),
            "years": self.years,
            "students_last": self.students_last,
            "students_peak": peak,
            "peak_year": peak_year,
            "red": red,
            "amber": amber,
            "result_sha256": sha256_hex(self.out_bytes),
        }

    def first_overflow(self) -> dict[str, int]:
        """school_id -> the first projected year it is red (schools that never overflow absent)."""
        if not self.has_capacity:
            return {}
        red = self.totals[self.totals["level"] == "red"]
        first = red.groupby("school_id", sort=True)["year"].min()
        return {str(k): int(v) for k, v in first.items()}


def round_half_up(values: Array) -> npt.NDArray[np.int64]:
    """floor(x + 0.5), after rounding to 9 decimals so float noise does not decide a half.

    >>> round_half_up(np.array([2.5, 3.5, 2.4999999999999996, 0.49, -0.5])).tolist()
    [3, 4, 3, 0, 0]
    """
    return np.floor(np.round(values, 9) + 0.5).astype(np.int64)


def level_of(students: npt.ArrayLike, capacity: npt.ArrayLike) -> npt.NDArray[np.str_]:
    """red above 1.0, amber from 0.9 to 1.0 (both included), green below 0.9; exact on integers.

    >>> level_of([91, 90, 89, 100, 101], [100] * 5).tolist()
    ['amber', 'amber', 'green', 'amber', 'red']
    """
    s = np.asarray(students, dtype=np.int64)
    c = np.asarray(capacity, dtype=np.int64)
    return np.where(s > c, "red", np.where(10 * s >= 9 * c, "amber", "green"))


# ---------------------------------------------------------------- validation


def _row(df: pd.DataFrame, pos: int) -> int:
    """The file row (header = 1) of the frame's row at position `pos`."""
    if "_row" in df.columns:
        return int(df["_row"].iloc[pos])
    return pos + 2


def _with_rows(df: pd.DataFrame) -> pd.DataFrame:
    out = df.reset_index(drop=True).copy()
    if "_row" not in out.columns:
        out["_row"] = np.arange(2, len(out) + 2)
    return out


def _require(df: pd.DataFrame, source: str, columns: dict[str, str]) -> pd.DataFrame:
    """Check columns exist and have the right kind; ints checked for whole values."""
    df = _with_rows(df)
    for name, kind in columns.items():
        if name not in df.columns:
            raise InputError(source, 1, name, "missing column")
        if kind == "str":
            df[name] = df[name].astype(str).str.strip()
            empty = (df[name] == "").to_numpy()
            if empty.any():
                raise InputError(
                    source, _row(df, int(np.flatnonzero(empty)[0])), name, "empty value"
                )
            continue
        values = pd.to_numeric(df[name], errors="coerce").to_numpy(dtype="float64")
        bad = ~np.isfinite(values)
        if kind == "int":
            bad |= np.isfinite(values) & (values != np.floor(values))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            want = "an integer" if kind == "int" else "a number"
            raise InputError(
                source, _row(df, i), name, f"expected {want}, got {df[name].iloc[i]!r}"
            )
        df[name] = values.astype("int64") if kind == "int" else values
    return df


def _check_range(
    df: pd.DataFrame, source: str, col: str, lo: float | None, hi: float | None = None
) -> None:
    v = df[col].to_numpy()
    bad = np.zeros(len(v), dtype=bool)
    if lo is not None:
        bad |= v < lo
    if hi is not None:
        bad |= v > hi
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        if hi is None:
            want = f"must be ≥ {lo:g}"
        elif lo is None:
            want = f"must be ≤ {hi:g}"
        else:
            want = f"must be {lo:g}–{hi:g}"
        raise InputError(source, _row(df, i), col, f"{want}, got {v[i]!r}")


def _check_unique(df: pd.DataFrame, source: str, cols: list[str]) -> None:
    dup = df.duplicated(subset=cols, keep="first").to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        vals = ", ".join(f"{c}={df[c].iloc[i]!r}" for c in cols)
        raise InputError(source, _row(df, i), cols[-1], f"duplicate ({vals})")


def _check_known(df: pd.DataFrame, source: str, col: str, known: set[str], what: str) -> None:
    bad = ~df[col].isin(known).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(source, _row(df, i), col, f"unknown {what} {df[col].iloc[i]!r}")


def _check_years(enrol: pd.DataFrame, source: str) -> None:
    """At least two years per school, and no gap between its first and last year."""
    years = enrol[["school_id", "year"]].drop_duplicates().sort_values(["school_id", "year"])
    count = years.groupby("school_id", sort=False)["year"].transform("size")
    single = years[count.to_numpy() < 2]
    if len(single):
        school = single["school_id"].iloc[0]
        pos = int(np.flatnonzero((enrol["school_id"] == school).to_numpy())[0])
        raise InputError(
            source,
            _row(enrol, pos),
            "year",
            f"school {school!r} has one year of history; at least two consecutive years needed",
        )
    prev = years.groupby("school_id", sort=False)["year"].shift(1)
    gap = (prev.notna() & (years["year"] - prev > 1)).to_numpy()
    if gap.any():
        j = int(np.flatnonzero(gap)[0])
        school, year = years["school_id"].iloc[j], int(years["year"].iloc[j])
        before = int(prev.iloc[j])
        hit = (enrol["school_id"] == school) & (enrol["year"] == year)
        pos = int(np.flatnonzero(hit.to_numpy())[0])
        missing = f"{before + 1}" if year - before == 2 else f"{before + 1}–{year - 1}"
        raise InputError(
            source,
            _row(enrol, pos),
            "year",
            f"school {school!r} has no rows for {missing}: its years must be consecutive",
        )


def _means_of_latest(values: Array, valid: npt.NDArray[np.bool_], h: int) -> tuple[Array, Array]:
    """Mean over the last axis of the latest `h` valid entries; returns (mean, count).

    Entries are ordered oldest → latest along the last axis. Where count is 0, mean is NaN.
    """
    from_end = np.cumsum(valid[..., ::-1], axis=-1)[..., ::-1]
    sel = valid & (from_end <= h)
    count = sel.sum(axis=-1).astype(np.float64)
    total = np.where(sel, values, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return mean, count


# ---------------------------------------------------------------- the projection


def forecast(
    enrolment: pd.DataFrame,
    births: pd.DataFrame | None = None,
    capacity: pd.DataFrame | None = None,
    *,
    years: int = 6,
    history: int = 3,
    scenario: Scenario | None = None,
    sources: Sources | None = None,
) -> Forecast:
    """Project every school's enrolment by grade `years` years ahead (module docstring).

    enrolment: school_id, year, grade, students; births: school_id, year, births; capacity:
    school_id, classrooms, max_class. Frames may carry `_row` (file row numbers for errors);
    otherwise row numbers are counted from 2 in frame order.
    """
    src = sources or Sources()
    if not 1 <= years <= MAX_YEARS:
        raise InputError(None, None, "--years", f"must be 1–{MAX_YEARS}, got {years}")
    if history < 1:
        raise InputError(None, None, "--history", f"must be ≥ 1, got {history}")
    enrol = _require(
        enrolment,
        src.enrolment,
        {"school_id": "str", "year": "int", "grade": "int", "students": "int"},
    )
    if not len(enrol):
        raise InputError(src.enrolment, None, None, "no enrolment rows")
    _check_range(enrol, src.enrolment, "grade", 1, GRADES)
    _check_range(enrol, src.enrolment, "students", 0)
    _check_unique(enrol, src.enrolment, ["school_id", "year", "grade"])
    _check_years(enrol, src.enrolment)
    known = set(enrol["school_id"].unique().tolist())

    scn = scenario or Scenario()
    openings = _openings(scn.openings, src, known)
    known_all = known | set(openings["school_id"].tolist())

    birth = None
    if births is not None:
        birth = _require(births, src.births, {"school_id": "str", "year": "int", "births": "int"})
        _check_range(birth, src.births, "births", 0)
        _check_unique(birth, src.births, ["school_id", "year"])
        _check_known(birth, src.births, "school_id", known, "school")
    cap = None
    if capacity is not None:
        cap = _require(
            capacity, src.capacity, {"school_id": "str", "classrooms": "int", "max_class": "int"}
        )
        _check_range(cap, src.capacity, "classrooms", 1)
        _check_range(cap, src.capacity, "max_class", 1)
        _check_unique(cap, src.capacity, ["school_id"])
        _check_known(cap, src.capacity, "school_id", known_all, "school")

    schools = sorted(known)
    index = {s: i for i, s in enumerate(schools)}
    n_s = len(schools)
    sid = enrol["school_id"].map(index).to_numpy()
    year = enrol["year"].to_numpy()
    last = np.full(n_s, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last, sid, year)
    first = np.full(n_s, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, sid, year)
    span = int((last - first).max()) + 1

    # Dense history aligned at each school's last year: column span-1 is year Y.
    hist = np.full((n_s, span, GRADES + 1), np.nan)
    j = year - last[sid] + span - 1
    hist[sid, j, enrol["grade"].to_numpy()] = enrol["students"].to_numpy(dtype=np.float64)
    present = ~np.isnan(hist)
    has_grade = present.any(axis=1)  # (schools, grade)
    has_grade[:, 0] = False
    lowest = np.argmax(has_grade, axis=1)  # g₀ per school

    # Grade-progression ratios r_g (g = 1..9; r_1 unused), over transitions y-1 -> y.
    num, den = hist[:, 1:, 1:], hist[:, :-1, :-1]
    ok = present[:, 1:, 1:] & present[:, :-1, :-1] & (np.nan_to_num(den) > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(ok, num / np.where(ok, den, 1.0), 0.0)
    r_mean, r_used = _means_of_latest(np.moveaxis(q, 1, 2), np.moveaxis(ok, 1, 2), history)
    ratio = np.ones((n_s, GRADES + 1))
    ratio[:, 1:] = np.where(r_used > 0, r_mean, 1.0)
    used = np.zeros((n_s, GRADES + 1))
    used[:, 1:] = r_used

    # Entry: births aligned so that column j holds births(year_j - 6), for history and horizon.
    rows = np.arange(n_s)
    g0_hist = hist[rows, :, lowest]  # (schools, span)
    born = np.full((n_s, span + years), np.nan)
    if birth is not None and len(birth):
        b_sid = birth["school_id"].map(index).to_numpy()
        b_j = birth["year"].to_numpy() + ENTRY_LAG - last[b_sid] + span - 1
        inside = (b_j >= 0) & (b_j < span + years)
        born[b_sid[inside], b_j[inside]] = birth["births"].to_numpy(dtype=np.float64)[inside]
    b_hist = born[:, :span]
    e_ok = ~np.isnan(g0_hist) & (np.nan_to_num(b_hist) > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        e_q = np.where(e_ok, g0_hist / np.where(e_ok, b_hist, 1.0), 0.0)
    entry, entry_used = _means_of_latest(e_q, e_ok, history)
    mean0, mean0_used = _means_of_latest(np.nan_to_num(g0_hist), ~np.isnan(g0_hist), history)

    # Projection, horizon by horizon, every school at once.
    proj = np.zeros((n_s, years + 1, GRADES + 1))
    proj[:, 0, :] = np.nan_to_num(hist[:, span - 1, :])
    below = np.arange(GRADES + 1)[None, :] < lowest[:, None]
    keep = has_grade & ~below
    for k in range(1, years + 1):
        step = np.zeros((n_s, GRADES + 1))
        step[:, 1:] = proj[:, k - 1, :-1] * ratio[:, 1:]
        b_k = born[:, span - 1 + k]
        use_births = (entry_used > 0) & ~np.isnan(b_k)
        step[rows, lowest] = np.where(use_births, np.nan_to_num(b_k) * entry, mean0)
        proj[:, k, :] = np.where(keep, step, 0.0)

    # Long form: one row per (school, projected year, school grade).
    s_idx, k_idx, g_idx = np.nonzero(np.broadcast_to(keep[:, None, :], (n_s, years, GRADES + 1)))
    k_idx = k_idx + 1
    long = pd.DataFrame(
        {
            "school_id": np.asarray(schools, dtype=object)[s_idx],
            "year": last[s_idx] + k_idx,
            "grade": g_idx.astype(np.int64),
            "value": proj[s_idx, k_idx, g_idx],
        }
    )
    students_last = int(np.nan_to_num(hist[:, span - 1, :]).sum())

    if not scn.empty:
        long = _apply_openings(long, openings)
        long = _apply_housing(long, scn.housing, src, known_all)
        long = _apply_mergers(long, scn.mergers, src, known_all)
    long = long.sort_values(["school_id", "year", "grade"], kind="mergesort").reset_index(drop=True)
    long["students"] = round_half_up(long["value"].to_numpy(dtype=np.float64))

    totals = long.groupby(["school_id", "year"], sort=True, as_index=False)["students"].sum()
    if cap is not None:
        totals = _capacity(totals, long, cap, src)

    ratios = _ratio_table(
        schools, has_grade, lowest, ratio, used, entry, entry_used, mean0, mean0_used
    )
    return Forecast(
        projection=long,
        totals=totals,
        ratios=ratios,
        years=years,
        students_last=students_last,
        has_capacity=cap is not None,
    )


def _capacity(
    totals: pd.DataFrame, long: pd.DataFrame, cap: pd.DataFrame, src: Sources
) -> pd.DataFrame:
    """Capacity, utilisation and level per school-year, and the classes needed grade by grade.

    A class holds one grade, so the classes needed are Σ_g ceil(students_g / max_class); the
    classrooms needed are those beyond the school's classrooms.
    """
    missing = sorted(set(totals["school_id"]) - set(cap["school_id"]))
    if missing:
        raise InputError(
            src.capacity, None, "school_id", f"no capacity row for school {missing[0]!r}"
        )
    cols = cap[["school_id", "classrooms", "max_class"]]
    out = totals.merge(cols, on="school_id", how="left")
    out["capacity"] = out["classrooms"] * out["max_class"]
    out["utilisation"] = out["students"] / out["capacity"]
    out["level"] = level_of(out["students"], out["capacity"])
    per_grade = long[["school_id", "year", "students"]].merge(cols, on="school_id", how="left")
    per_grade["classes"] = -(-per_grade["students"] // per_grade["max_class"])
    classes = per_grade.groupby(["school_id", "year"], sort=True)["classes"].sum()
    out["classes_needed"] = classes.to_numpy()
    out["classrooms_needed"] = np.maximum(out["classes_needed"] - out["classrooms"], 0)
    return out


def _ratio_table(
    schools: list[str],
    has_grade: npt.NDArray[np.bool_],
    lowest: npt.NDArray[np.int64],
    ratio: Array,
    used: Array,
    entry: Array,
    entry_used: Array,
    mean0: Array,
    mean0_used: Array,
) -> pd.DataFrame:
    s_idx, g_idx = np.nonzero(has_grade)
    is_low = g_idx == lowest[s_idx]
    by_births = is_low & (entry_used[s_idx] > 0)
    kind = np.where(is_low, np.where(by_births, "entry", "mean"), "progression")
    value = np.where(is_low, np.where(by_births, entry[s_idx], mean0[s_idx]), ratio[s_idx, g_idx])
    n = np.where(
        is_low, np.where(by_births, entry_used[s_idx], mean0_used[s_idx]), used[s_idx, g_idx]
    )
    return pd.DataFrame(
        {
            "school_id": np.asarray(schools, dtype=object)[s_idx],
            "grade": g_idx.astype(np.int64),
            "kind": kind,
            "ratio": value,
            "used": n.astype(np.int64),
        }
    )


# ---------------------------------------------------------------- scenarios


def _openings(table: pd.DataFrame | None, src: Sources, known: set[str]) -> pd.DataFrame:
    cols = {"school_id": "str", "from_school": "str", "year": "int", "share": "float"}
    if table is None or not len(table):
        return pd.DataFrame(
            {c: pd.Series(dtype=object if k == "str" else float) for c, k in cols.items()}
        )
    op = _require(table, src.openings, cols)
    _check_unique(op, src.openings, ["school_id"])
    clash = op["school_id"].isin(known).to_numpy()
    if clash.any():
        i = int(np.flatnonzero(clash)[0])
        raise InputError(
            src.openings,
            _row(op, i),
            "school_id",
            f"school {op['school_id'].iloc[i]!r} exists already",
        )
    _check_known(op, src.openings, "from_school", known, "school")
    bad = ~((op["share"] > 0) & (op["share"] <= 1)).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            src.openings, _row(op, i), "share", f"must be in (0, 1], got {op['share'].iloc[i]:g}"
        )
    over = op.groupby("from_school")["share"].transform("sum").to_numpy() > 1 + 1e-9
    if over.any():
        i = int(np.flatnonzero(over)[0])
        raise InputError(
            src.openings,
            _row(op, i),
            "share",
            f"the shares taken from {op['from_school'].iloc[i]!r} add up to more than 1",
        )
    return op


def _apply_openings(long: pd.DataFrame, op: pd.DataFrame) -> pd.DataFrame:
    if not len(op):
        return long
    taken = long.merge(
        op[["school_id", "from_school", "year", "share"]].rename(
            columns={"school_id": "new_school", "from_school": "school_id", "year": "opens"}
        ),
        on="school_id",
    )
    taken = taken[taken["year"] >= taken["opens"]]
    moved = taken.assign(school_id=taken["new_school"], value=taken["value"] * taken["share"])
    lost = (
        taken.assign(value=taken["value"] * taken["share"])
        .groupby(["school_id", "year", "grade"], as_index=False)["value"]
        .sum()
        .rename(columns={"value": "lost"})
    )
    out = long.merge(lost, on=["school_id", "year", "grade"], how="left")
    out["value"] = out["value"] - out["lost"].fillna(0.0)
    return pd.concat(
        [
            out[["school_id", "year", "grade", "value"]],
            moved[["school_id", "year", "grade", "value"]],
        ],
        ignore_index=True,
    )


def _apply_housing(
    long: pd.DataFrame, table: pd.DataFrame | None, src: Sources, known: set[str]
) -> pd.DataFrame:
    if table is None or not len(table):
        return long
    hs = _with_rows(table)
    if "grade" not in hs.columns:
        hs["grade"] = 0
    hs["grade"] = hs["grade"].astype(str).str.strip().replace("", "0")
    hs = _require(
        hs, src.housing, {"school_id": "str", "year": "int", "students": "float", "grade": "int"}
    )
    _check_range(hs, src.housing, "students", 0)
    _check_range(hs, src.housing, "grade", 0, GRADES)
    _check_known(hs, src.housing, "school_id", known, "school")
    grades = long[["school_id", "grade"]].drop_duplicates()
    n_grades = grades.groupby("school_id")["grade"].size()
    spread = hs[hs["grade"] == 0].merge(grades, on="school_id", suffixes=("_all", ""))
    spread["add"] = spread["students"] / spread["school_id"].map(n_grades)
    one = hs[hs["grade"] != 0].copy()
    if len(one):
        has = one.merge(grades, on=["school_id", "grade"], how="left", indicator=True)
        bad = (has["_merge"] == "left_only").to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                src.housing,
                int(has["_row"].iloc[i]),
                "grade",
                f"school {has['school_id'].iloc[i]!r} has no grade {int(has['grade'].iloc[i])}",
            )
    one["add"] = one["students"]
    adds = pd.concat(
        [spread[["school_id", "grade", "year", "add"]], one[["school_id", "grade", "year", "add"]]],
        ignore_index=True,
    ).rename(columns={"year": "from_year"})
    long = long.reset_index(drop=True)
    hit = long.reset_index().merge(adds, on=["school_id", "grade"])
    hit = hit[hit["year"] >= hit["from_year"]]
    return _add_at(long, hit["index"], hit["add"])


def _add_at(long: pd.DataFrame, index: pd.Series, amount: pd.Series) -> pd.DataFrame:
    """`long` (positional index) with `amount` added to the values at the positions `index`."""
    add = np.zeros(len(long))
    np.add.at(add, index.to_numpy(dtype=np.int64), amount.to_numpy(dtype=np.float64))
    return long.assign(value=long["value"].to_numpy(dtype=np.float64) + add)


def _apply_mergers(
    long: pd.DataFrame, table: pd.DataFrame | None, src: Sources, known: set[str]
) -> pd.DataFrame:
    if table is None or not len(table):
        return long
    mg = _require(table, src.mergers, {"school_id": "str", "into": "str", "year": "int"})
    _check_unique(mg, src.mergers, ["school_id"])
    _check_known(mg, src.mergers, "school_id", known, "school")
    _check_known(mg, src.mergers, "into", known, "school")
    self_merge = (mg["school_id"] == mg["into"]).to_numpy()
    if self_merge.any():
        i = int(np.flatnonzero(self_merge)[0])
        raise InputError(src.mergers, _row(mg, i), "into", "a school cannot merge into itself")
    chain = mg["into"].isin(set(mg["school_id"])).to_numpy()
    if chain.any():
        i = int(np.flatnonzero(chain)[0])
        raise InputError(
            src.mergers,
            _row(mg, i),
            "into",
            f"school {mg['into'].iloc[i]!r} is itself merged: merge into the final school",
        )
    long = long.reset_index(drop=True)
    leaving = long.merge(
        mg[["school_id", "into", "year", "_row"]].rename(columns={"year": "from_year"}),
        on="school_id",
    )
    leaving = leaving[leaving["year"] >= leaving["from_year"]]
    target = long[["school_id", "year", "grade"]].reset_index()
    arrive = leaving.merge(
        target.rename(columns={"school_id": "into"}), on=["into", "year", "grade"], how="left"
    )
    lacking = arrive["index"].isna().to_numpy()
    if lacking.any():
        i = int(np.flatnonzero(lacking)[0])
        raise InputError(
            src.mergers,
            int(arrive["_row"].iloc[i]),
            "into",
            f"school {arrive['into'].iloc[i]!r} has no grade {int(arrive['grade'].iloc[i])} "
            f"in {int(arrive['year'].iloc[i])} to take {arrive['school_id'].iloc[i]!r}'s students",
        )
    out = _add_at(long, arrive["index"], arrive["value"])
    gone = out.reset_index().merge(
        mg[["school_id", "year"]].rename(columns={"year": "from_year"}), on="school_id"
    )
    gone = gone[gone["year"] >= gone["from_year"]]["index"]
    return out.drop(index=gone.to_numpy()).reset_index(drop=True)
