"""Records → indicator scores → dimension scores → progress and cohort figures, in DuckDB SQL.

See the package docstring for the rules. Arithmetic is exact where order could matter: values
are DECIMAL(18,4), indicator scores DECIMAL(5,2), weights DECIMAL(9,3), so the sums DuckDB
computes in parallel are the same whatever the order, and the bytes do not depend on threads.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Final

import duckdb
import pandas as pd

from junheng.engines.io import InputError
from junheng.engines.portraits.library import DIMENSIONS, GRADES, SEXES, Indicator
from junheng.engines.portraits.tables import Col, Source, load

MIN_GROUP: Final = 10
URBAN_RURAL: Final = ("urban", "town", "rural")
LEVELS: Final = ("region", "urban_rural", "school", "grade", "class")

RECORD_COLS: Final = (
    Col("student_id"),
    Col("term"),
    Col("indicator"),
    Col("value", "decimal"),
)
STUDENT_COLS: Final = (
    Col("student_id"),
    Col("term"),
    Col("school_id"),
    Col("grade", "int", min=1, max=12),
    Col("class", required=False, default=""),
    Col("urban_rural", "choice", required=False, default="", choices=("", *URBAN_RURAL)),
    Col("sex", "choice", required=False, default="", choices=("", *SEXES)),
)

OUTPUTS: Final = {
    "scores": (
        "student_id, term, dimension, score, coverage, progress, previous_terms, version",
        "scores JOIN dims USING (dim_order)",
        "sorder, dim_order",
    ),
    "indicator_scores": (
        "st.student_id, st.term, l.indicator, l.dimension, i.value, i.records, i.score, i.weight, "
        "r.grades, r.sex, i.band",
        "iscore i JOIN st USING (sk) JOIN rule r USING (rk) JOIN lib l ON l.ik = r.ik",
        "st.sorder, i.dim_order, l.indicator",
    ),
    "cohorts": (
        "term, level, school_id, grade, class, urban_rural, dimension, students, mean, p25, "
        "median, p75",
        "cohorts JOIN dims USING (dim_order)",
        "term, level_order, school_id, grade, class, urban_rural, dim_order",
    ),
}


@dataclass(frozen=True)
class Sources:
    """Names used in error messages (file names for the CLI, labels in the app)."""

    records: str = "records"
    students: str = "students"
    indicators: str = "indicators"
    versions: str = "versions"


def _first_row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...] | None:
    return con.execute(sql).fetchone()


class Portraits:
    """The result: DuckDB tables `scores`, `indicator_scores`, `cohorts` on one connection."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        min_group: int,
        versions: list[str],
        left_out: int = 0,
    ):
        self.con = con
        self.min_group = min_group
        self.versions = versions
        self.left_out = left_out  # records left out as unscorable (`score(strict=False)`)

    def _select(self, name: str) -> str:
        columns, source, order = OUTPUTS[name]
        return f"SELECT {columns} FROM {source} ORDER BY {order}"

    def frame(self, name: str) -> pd.DataFrame:
        """One output as a data frame, in output order (decimals as floats)."""
        df = self.con.execute(self._select(name)).df()
        for col in df.columns:
            if df[col].dtype == object and len(df) and type(df[col].iloc[0]).__name__ == "Decimal":
                df[col] = df[col].astype("float64")
        return df

    def score_rows(self) -> list[tuple[Any, ...]]:
        """The dimension scores as tuples in output order, exact decimals as text: (student_id,
        term, dimension, score, coverage, progress or None, previous_terms, version)."""
        return self.con.execute(
            "SELECT student_id, term, dimension, CAST(score AS VARCHAR), "
            "CAST(coverage AS VARCHAR), CAST(progress AS VARCHAR), previous_terms, version "
            f"FROM {OUTPUTS['scores'][1]} ORDER BY {OUTPUTS['scores'][2]}"
        ).fetchall()

    def explanations(self) -> list[tuple[str, str, str]]:
        """(student_id, term, JSON) per student and term, in output order: the JSON array of
        its indicator scores ``[indicator, dimension, value, records, score, weight, grades,
        sex, band]`` (in `indicator_scores` order: the rule's grades and sex, "" for all, and
        for a band rule the threshold reached, null below the first), built by DuckDB rather
        than row by row."""
        rows = self.con.execute(
            "SELECT st.student_id, st.term, to_json(list(json_array(l.indicator, l.dimension, "
            "CAST(i.value AS DOUBLE), i.records, CAST(i.score AS DOUBLE), "
            "CAST(i.weight AS DOUBLE), r.grades, r.sex, CAST(i.band AS DOUBLE)) "
            "ORDER BY i.dim_order, l.indicator))::VARCHAR "
            "FROM iscore i JOIN st USING (sk) JOIN rule r USING (rk) JOIN lib l ON l.ik = r.ik "
            "GROUP BY st.sorder, st.student_id, st.term ORDER BY st.sorder"
        ).fetchall()
        return [(str(s), str(t), str(j)) for s, t, j in rows]

    def write_all(self, outputs: Mapping[str, str | os.PathLike[str] | None]) -> dict[str, str]:
        """Write each named output to its path (CSV) through temporary files renamed only after
        every one was written; returns name → SHA-256 of the bytes."""
        temps: list[tuple[str, Path, Path]] = []
        try:
            for name, path in outputs.items():
                if path is None:
                    continue
                target = Path(path)
                target.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp_name = tempfile.mkstemp(
                    prefix=f".{target.name}.", suffix=".csv", dir=target.parent
                )
                os.close(fd)
                temps.append((name, Path(tmp_name), target))
                self.con.execute(
                    f"COPY ({self._select(name)}) TO '{tmp_name.replace(chr(39), chr(39) * 2)}' "
                    "(FORMAT csv, HEADER, DELIMITER ',', QUOTE '\"', NEW_LINE '\\n')"
                )
            hashes = {name: _sha256_file(tmp) for name, tmp, _ in temps}
            umask = os.umask(0)
            os.umask(umask)
            for _, tmp, target in temps:
                os.chmod(tmp, 0o666 & ~umask)
                os.replace(tmp, target)
            return hashes
        finally:
            for _, tmp, _ in temps:
                tmp.unlink(missing_ok=True)

    @cached_property
    def counts(self) -> dict[str, int]:
        row = self.con.execute(
            "SELECT (SELECT count(*) FROM students), (SELECT count(DISTINCT student_id) FROM "
            "students), (SELECT count(DISTINCT term) FROM students), (SELECT count(*) FROM "
            "records), (SELECT count(*) FROM iscore), (SELECT count(*) FROM scores), "
            "(SELECT count(*) FROM cohorts), (SELECT count(*) FROM cohorts WHERE mean IS NULL)"
        ).fetchone()
        assert row is not None
        keys = (
            "student_terms", "students", "terms", "records", "indicator_scores", "scores",
            "cohort_cells", "cohort_cells_suppressed",
        )  # fmt: skip
        return {k: int(v) for k, v in zip(keys, row, strict=True)}

    def dimension_means(self) -> dict[str, float | None]:
        """Region-wide mean per dimension over every term (None when fewer than the group size
        of students have a score: students, not student-terms, so that two terms of five
        children never make a figure)."""
        rows = self.con.execute(
            "SELECT dimension, count(DISTINCT student_id), avg(score) FROM scores "
            "JOIN dims USING (dim_order) GROUP BY dimension"
        ).fetchall()
        got = {str(d): (int(n), float(m)) for d, n, m in rows}
        out: dict[str, float | None] = {}
        for d in DIMENSIONS:
            n, m = got.get(d, (0, 0.0))
            out[d] = round(m, 2) if n >= self.min_group else None
        return out


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _library_tables(con: duckdb.DuckDBPyConnection, library: Sequence[Indicator]) -> None:
    """`lib`: one row per indicator and version (`ik`); `rule`: one row per library row (`rk`,
    its grades and sex); `bands`; `applies`: the rule of each indicator for each grade and sex
    (sex "" = not given: only the rules for both sexes)."""
    order = {d: i for i, d in enumerate(DIMENSIONS)}
    iks: dict[tuple[str, str], int] = {}
    for i in library:
        iks.setdefault((i.version, i.indicator), len(iks) + 1)
    firsts = {iks[(i.version, i.indicator)]: i for i in reversed(library)}
    lib = pd.DataFrame(
        {
            "ik": list(firsts),
            "version": [i.version for i in firsts.values()],
            "indicator": [i.indicator for i in firsts.values()],
            "dimension": [i.dimension for i in firsts.values()],
            "dim_order": [order[i.dimension] for i in firsts.values()],
            "aggregate": [i.aggregate for i in firsts.values()],
            "missing": [i.missing for i in firsts.values()],
        }
    )
    rule = pd.DataFrame(
        {
            "rk": list(range(1, len(library) + 1)),
            "ik": [iks[(i.version, i.indicator)] for i in library],
            "gmin": [i.grades[0] for i in library],
            "gmax": [i.grades[1] for i in library],
            "grades": [i.grades_text for i in library],
            "sex": [i.sex for i in library],
            "weight": [str(i.weight) for i in library],
            "method": [i.method for i in library],
            "low": [None if i.low is None else str(i.low) for i in library],
            "high": [None if i.high is None else str(i.high) for i in library],
        }
    )
    bands = pd.DataFrame(
        [(k + 1, str(t), str(sc)) for k, i in enumerate(library) for t, sc in i.bands],
        columns=["rk", "threshold", "score"],
    )
    con.execute(
        "CREATE TABLE dims AS SELECT * FROM (VALUES "
        + ", ".join(f"({i}, '{d}')" for i, d in enumerate(DIMENSIONS))
        + ") t(dim_order, dimension)"
    )
    con.register("lib_frame", lib)
    con.execute(
        "CREATE TABLE lib AS SELECT ik::INTEGER AS ik, version, indicator, dimension, "
        "dim_order::INTEGER AS dim_order, aggregate, missing FROM lib_frame"
    )
    con.unregister("lib_frame")
    con.register("rule_frame", rule)
    con.execute(
        "CREATE TABLE rule AS SELECT rk::INTEGER AS rk, ik::INTEGER AS ik, gmin::INTEGER AS gmin, "
        "gmax::INTEGER AS gmax, grades, sex, CAST(weight AS DECIMAL(9,3)) AS weight, method, "
        "CAST(low AS DOUBLE) AS low, CAST(high AS DOUBLE) AS high FROM rule_frame"
    )
    con.unregister("rule_frame")
    con.register("bands_frame", bands)
    con.execute(
        "CREATE TABLE bands AS SELECT rk::INTEGER AS rk, CAST(threshold AS DOUBLE) AS threshold,"
        " CAST(score AS DECIMAL(5,2)) AS score FROM bands_frame"
    )
    con.unregister("bands_frame")
    con.execute(
        f"""
        CREATE TABLE applies AS
        SELECT l.version, r.ik, g.grade, s.sex, r.rk, l.dim_order, r.weight, l.missing
        FROM rule r JOIN lib l USING (ik)
        CROSS JOIN range({GRADES[0]}, {GRADES[1] + 1}) g(grade)
        CROSS JOIN (VALUES ('') {"".join(f", ('{x}')" for x in SEXES)}) s(sex)
        WHERE g.grade BETWEEN r.gmin AND r.gmax AND (r.sex = '' OR r.sex = s.sex)
        """
    )


def score(
    records: Source,
    students: Source,
    library: Sequence[Indicator],
    versions: Mapping[str, str] | None = None,
    *,
    min_group: int = MIN_GROUP,
    threads: int | None = None,
    sources: Sources = Sources(),
    progress: Callable[[str, float], None] | None = None,
    strict: bool = True,
) -> Portraits:
    """Score every student and term; raises `InputError` naming file, row and column.

    `progress(stage, fraction)` is called after each stage (a job's progress bar, the CLI's
    stderr). With `strict=False` (the platform, whose records were checked when they were
    stored) a record the term's library cannot score — its indicator is not in the version,
    or has no rule for the child's grade and sex — is left out and counted
    (`Portraits.left_out`) instead of being an error."""

    def say(stage: str, fraction: float) -> None:
        if progress is not None:
            progress(stage, fraction)

    if min_group < 1:
        raise InputError(None, None, "--min-group", "must be ≥ 1")
    if not library:
        raise InputError(sources.indicators, 2, "indicator", "no indicators")
    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.execute("SET preserve_insertion_order = true")
    # no records at all is a valid term: `missing = zero` indicators still score
    load(con, "records", records, RECORD_COLS, sources.records, empty_ok=True)
    say("records read", 0.15)
    load(con, "students", students, STUDENT_COLS, sources.students)
    say("students read", 0.2)
    _library_tables(con, library)

    dup = _first_row(
        con,
        "SELECT _row, student_id, term FROM (SELECT _row, student_id, term, row_number() OVER "
        "(PARTITION BY student_id, term ORDER BY _row) AS k FROM students) WHERE k > 1 "
        "ORDER BY _row LIMIT 1",
    )
    if dup:
        raise InputError(
            sources.students, int(dup[0]), "term",
            f"duplicate (student_id={dup[1]!r}, term={dup[2]!r})",
        )  # fmt: skip

    # the version in force in each term
    known = sorted({i.version for i in library})
    terms = [
        str(t[0])
        for t in con.execute("SELECT DISTINCT term FROM students ORDER BY term").fetchall()
    ]
    if versions:
        missing = [t for t in terms if t not in versions]
        if missing:
            row = _first_row(
                con, f"SELECT min(_row) FROM students WHERE term = '{_esc(missing[0])}'"
            )
            assert row is not None
            raise InputError(
                sources.students, int(row[0]), "term",
                f"no library version is in force in term {missing[0]!r}",
            )  # fmt: skip
        tv = {t: versions[t] for t in terms}
    else:
        if len(known) > 1:
            raise InputError(
                sources.versions, None, None,
                f"the library has {len(known)} versions: say which term uses which",
            )  # fmt: skip
        tv = dict.fromkeys(terms, known[0])
    for t, v in tv.items():
        if v not in known:
            raise InputError(
                sources.versions, None, "version", f"unknown version {v!r} for term {t!r}"
            )
    con.register("tv_frame", pd.DataFrame({"term": list(tv), "version": list(tv.values())}))
    con.execute("CREATE TABLE tv AS SELECT term, version FROM tv_frame")
    con.unregister("tv_frame")

    say("checked", 0.3)
    # integer keys: sk = the student-term's row in the students table, ik = the indicator
    con.execute(
        "CREATE TABLE st AS SELECT _row AS sk, student_id, term, school_id, grade, class, "
        "urban_rural, sex, tv.version, row_number() OVER (ORDER BY student_id, term) AS sorder "
        "FROM students JOIN tv USING (term)"
    )
    con.execute(
        "CREATE TABLE rec AS SELECT r._row, st.sk, l.ik, a.rk, r.value FROM records r "
        "LEFT JOIN st USING (student_id, term) "
        "LEFT JOIN lib l ON l.version = st.version AND l.indicator = r.indicator "
        "LEFT JOIN applies a ON a.ik = l.ik AND a.grade = st.grade AND a.sex = st.sex"
    )
    stray = _first_row(con, "SELECT min(_row) FROM rec WHERE sk IS NULL")
    if stray and stray[0] is not None:
        row = _first_row(con, f"SELECT student_id, term FROM records WHERE _row = {int(stray[0])}")
        assert row is not None
        raise InputError(
            sources.records, int(stray[0]), "student_id",
            f"unknown student {row[0]!r} in term {row[1]!r} (not in the students table)",
        )  # fmt: skip
    left_out = 0
    if not strict:
        found = _first_row(con, "SELECT count(*) FROM rec WHERE sk IS NOT NULL AND rk IS NULL")
        left_out = int(found[0]) if found else 0
        if left_out:
            con.execute("DELETE FROM rec WHERE sk IS NOT NULL AND rk IS NULL")
    unknown = _first_row(con, "SELECT min(_row) FROM rec WHERE ik IS NULL")
    if unknown and unknown[0] is not None:
        row = _first_row(
            con,
            "SELECT r.indicator, st.version FROM records r JOIN st USING (student_id, term) "
            f"WHERE r._row = {int(unknown[0])}",
        )
        assert row is not None
        raise InputError(
            sources.records, int(unknown[0]), "indicator",
            f"unknown indicator {row[0]!r} (library version {row[1]!r})",
        )  # fmt: skip
    unruled = _first_row(con, "SELECT min(_row) FROM rec WHERE rk IS NULL")
    if unruled and unruled[0] is not None:
        row = _first_row(
            con,
            "SELECT r.indicator, st.grade, st.sex FROM records r JOIN st USING (student_id, "
            f"term) WHERE r._row = {int(unruled[0])}",
        )
        assert row is not None
        raise InputError(
            sources.records, int(unruled[0]), "indicator",
            f"indicator {row[0]!r} has no rule for grade {row[1]}"
            + (f", sex {row[2]}" if row[2] else " and a student of no given sex"),
        )  # fmt: skip
    say("keyed", 0.45)

    # one value per student-term and indicator: the records, plus a 0 for a `missing = zero`
    # indicator the child has no record of
    # (a child's indicator has one rule, its grade's and sex's: the key is the rule's)
    span = len(library) + 1  # one BIGINT key per student-term and rule hashes fastest
    con.execute(
        f"""
        CREATE TABLE agg AS
        WITH src AS (
            SELECT sk * {span} + rk AS key, value, 1 AS real FROM rec
            UNION ALL
            SELECT st.sk * {span} + a.rk, 0::DECIMAL(18,4), 0 FROM st
            JOIN applies a ON a.version = st.version AND a.grade = st.grade
                AND a.sex = st.sex AND a.missing = 'zero'
        )
        SELECT key // {span} AS sk, (key % {span})::INTEGER AS rk, sum(real)::BIGINT AS n,
               sum(value) AS total, max(value) FILTER (WHERE real = 1) AS vmax,
               min(value) FILTER (WHERE real = 1) AS vmin
        FROM src GROUP BY key
        """
    )
    con.execute("DROP TABLE rec")
    say("aggregated", 0.6)
    con.execute(
        """
        CREATE TABLE base AS
        SELECT a.sk, a.rk, r.ik, l.dim_order, r.weight, r.method, r.low, r.high, st.term,
               st.grade, a.n AS records,
               CAST(CASE l.aggregate
                   WHEN 'sum' THEN a.total
                   WHEN 'count' THEN a.n
                   WHEN 'max' THEN coalesce(a.vmax, 0)
                   WHEN 'min' THEN coalesce(a.vmin, 0)
                   ELSE CASE WHEN a.n > 0 THEN a.total / a.n ELSE 0 END
               END AS DECIMAL(18,4)) AS value
        FROM agg a JOIN rule r USING (rk) JOIN lib l ON l.ik = r.ik JOIN st USING (sk)
        """
    )
    con.execute("DROP TABLE agg")
    con.execute(
        """
        CREATE TABLE iscore AS
        SELECT sk, rk, ik, dim_order, weight, records, value,
               CAST(round(100 * greatest(0, least(1,
                   (CAST(value AS DOUBLE) - low) / (high - low))), 2) AS DECIMAL(5,2)) AS score,
               NULL::DOUBLE AS band
        FROM base WHERE method = 'linear'
        UNION ALL
        SELECT b.sk, b.rk, b.ik, b.dim_order, b.weight, b.records, b.value,
               coalesce(bd.score, 0)::DECIMAL(5,2) AS score, bd.threshold AS band
        FROM (SELECT * FROM base WHERE method = 'bands') b
        ASOF LEFT JOIN bands bd ON bd.rk = b.rk AND CAST(b.value AS DOUBLE) >= bd.threshold
        UNION ALL
        SELECT sk, rk, ik, dim_order, weight, records, value,
               CAST(round(100 * ((rank() OVER w_all - 1) + 0.5 * count(*) OVER w_eq)
                   / count(*) OVER w_grade, 2) AS DECIMAL(5,2)) AS score,
               NULL::DOUBLE AS band
        FROM base WHERE method = 'percentile'
        WINDOW w_grade AS (PARTITION BY term, grade, rk),
               w_all AS (PARTITION BY term, grade, rk ORDER BY value),
               w_eq AS (PARTITION BY term, grade, rk, value)
        """
    )
    con.execute("DROP TABLE base")
    say("indicators scored", 0.75)
    con.execute(
        """
        CREATE TABLE dscore AS
        WITH d AS (
            SELECT sk, dim_order, sum(weight * score) AS ws, sum(weight) AS w
            FROM iscore GROUP BY sk, dim_order
        )
        SELECT d.sk, st.student_id, st.term, st.sorder, st.version, d.dim_order,
               CAST(round(CAST(d.ws AS DOUBLE) / CAST(d.w AS DOUBLE), 2) AS DECIMAL(5,2))
                   AS score,
               CAST(round(CAST(d.w AS DOUBLE) / CAST(t.w_all AS DOUBLE), 3) AS DECIMAL(4,3))
                   AS coverage
        FROM d JOIN st USING (sk)
        JOIN (SELECT version, grade, sex, dim_order, sum(weight) AS w_all FROM applies
              GROUP BY version, grade, sex, dim_order) t ON t.version = st.version
              AND t.grade = st.grade AND t.sex = st.sex AND t.dim_order = d.dim_order
        """
    )
    con.execute(
        """
        CREATE TABLE scores AS
        SELECT *, count(*) OVER w_prev AS previous_terms,
               CAST(round(CAST(score AS DOUBLE) - CAST(avg(score) OVER w_prev AS DOUBLE), 2)
                   AS DECIMAL(6,2)) AS progress
        FROM dscore
        WINDOW w_prev AS (PARTITION BY student_id, dim_order ORDER BY term
                          ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
        """
    )
    con.execute("DROP TABLE dscore")
    say("dimensions scored", 0.85)
    con.execute(
        f"""
        CREATE TABLE cohorts AS
        WITH j AS (
            SELECT st.term, sc.dim_order, sc.score, st.school_id,
                   CAST(st.grade AS VARCHAR) AS grade, st.class, st.urban_rural
            FROM scores sc JOIN st USING (sk)
        ), g AS (
            SELECT term, dim_order,
                   CASE WHEN grouping(class) = 0 THEN 'class'
                        WHEN grouping(grade) = 0 THEN 'grade'
                        WHEN grouping(school_id) = 0 THEN 'school'
                        WHEN grouping(urban_rural) = 0 THEN 'urban_rural'
                        ELSE 'region' END AS level,
                   CASE WHEN grouping(class) = 0 THEN 4 WHEN grouping(grade) = 0 THEN 3
                        WHEN grouping(school_id) = 0 THEN 2 WHEN grouping(urban_rural) = 0
                        THEN 1 ELSE 0 END AS level_order,
                   coalesce(school_id, '') AS school_id, coalesce(grade, '') AS grade,
                   coalesce(class, '') AS class, coalesce(urban_rural, '') AS urban_rural,
                   count(*) AS students,
                   CAST(round(CAST(sum(score) AS DOUBLE) / count(*), 2) AS DECIMAL(5,2)) AS mean,
                   quantile_disc(score, [0.25, 0.5, 0.75]) AS q
            FROM j
            GROUP BY GROUPING SETS ((term, dim_order),
                (term, dim_order, urban_rural),
                (term, dim_order, school_id),
                (term, dim_order, school_id, grade),
                (term, dim_order, school_id, grade, class))
        )
        SELECT term, level, level_order, nullif(school_id, '') AS school_id,
               nullif(grade, '') AS grade, nullif(class, '') AS class,
               nullif(urban_rural, '') AS urban_rural, dim_order, students,
               CASE WHEN students >= {min_group} THEN mean END AS mean,
               CASE WHEN students >= {min_group} THEN CAST(q[1] AS DECIMAL(5,2)) END AS p25,
               CASE WHEN students >= {min_group} THEN CAST(q[2] AS DECIMAL(5,2)) END AS median,
               CASE WHEN students >= {min_group} THEN CAST(q[3] AS DECIMAL(5,2)) END AS p75
        FROM g
        WHERE NOT (g.level = 'urban_rural' AND g.urban_rural = '')
          AND NOT (g.level = 'class' AND g.class = '')
        """
    )
    _protect_cohorts(con, min_group)
    say("cohorts", 0.95)
    return Portraits(con, min_group, sorted(set(tv.values())), left_out)


def _protect_cohorts(con: duckdb.DuckDBPyConnection, min_group: int) -> None:
    """Complementary suppression of the cohort file (`suppression.protect`): per term and
    dimension, in every partition of a shown cell — the region into urban/town/rural and into
    schools, each urban/town/rural class into its schools, a school into its grades, a grade
    into its classes — the hidden children number 0 or at least `min_group`, so that no small
    cell is worked out by difference. The hidden cells' figures are emptied."""
    from junheng.engines.portraits.suppression import protect

    rows = con.execute(
        "SELECT term, dim_order, level, coalesce(school_id, ''), coalesce(grade, ''), "
        "coalesce(class, ''), coalesce(urban_rural, ''), students FROM cohorts"
    ).fetchall()
    if not rows:
        return
    ur_of: dict[str, set[str]] = {}
    for school, ur in con.execute(
        "SELECT DISTINCT school_id, urban_rural FROM st WHERE urban_rural <> ''"
    ).fetchall():
        ur_of.setdefault(str(school), set()).add(str(ur))
    counts: dict[tuple[str, ...], int] = {}
    children: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for term, dim, level, school, grade, klass, ur, n in rows:
        key = (str(term), str(dim), str(level), school, grade, klass, ur)
        counts[key] = int(n)
        region = (str(term), str(dim), "region", "", "", "", "")
        parents: list[tuple[tuple[str, ...], str]] = []
        if level == "urban_rural":
            parents = [(region, "ur")]
        elif level == "school":
            parents = [(region, "school")]
            # a school in one urban/town/rural class only: a child of that class's cell
            if len(ur_of.get(school, set())) == 1:
                (u,) = ur_of[school]
                parents.append(((str(term), str(dim), "urban_rural", "", "", "", u), "school"))
        elif level == "grade":
            parents = [((str(term), str(dim), "school", school, "", "", ""), "grade")]
        elif level == "class":
            parents = [((str(term), str(dim), "grade", school, grade, "", ""), "class")]
        for parent, kind in parents:
            children.setdefault((*parent, kind), []).append(key)
    partitions = [(k[:-1], kids) for k, kids in children.items()]
    hidden = protect(counts, partitions, min_group)
    extra = [k for k in hidden if counts[k] >= min_group]
    if not extra:
        return
    frame = pd.DataFrame(
        extra,
        columns=["term", "dim_order", "level", "school_id", "grade", "class", "urban_rural"],
    )
    frame["dim_order"] = frame["dim_order"].astype("int64")
    con.register("hidden_frame", frame)
    con.execute(
        "UPDATE cohorts SET mean = NULL, p25 = NULL, median = NULL, p75 = NULL "
        "FROM hidden_frame h WHERE cohorts.term = h.term AND cohorts.dim_order = h.dim_order "
        "AND cohorts.level = h.level AND coalesce(cohorts.school_id, '') = h.school_id "
        "AND coalesce(cohorts.grade, '') = h.grade AND coalesce(cohorts.class, '') = h.class "
        "AND coalesce(cohorts.urban_rural, '') = h.urban_rural"
    )
    con.unregister("hidden_frame")


def _esc(text: str) -> str:
    return text.replace("'", "''")
