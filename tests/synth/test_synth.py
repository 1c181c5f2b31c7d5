"""The synthetic regions: same seed same bytes, contract formats, consistent references, real gaps."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from junheng.cli import main
from junheng.engines.io import Column, check_known, check_unique, read_table
from junheng.engines.stats import weighted_cv
from junheng.synth import PROFILES, files, generate, write
from junheng.synth.profiles import CITY
from junheng.synth.region import make_cells, make_schools

LEVELS = ("primary", "junior")
UR = ("urban", "town", "rural")

# The contract's columns (CONTRACTS.md), as each engine must be able to read them.
CONTRACT: dict[str, list[Column]] = {
    "schools.csv": [
        Column("school_id"),
        Column("level", "choice", choices=LEVELS),
        Column("urban_rural", "choice", choices=UR),
        Column("students", "int", min=0),
        Column("x_km", "float"),
        Column("y_km", "float"),
        Column("slots", "int", min=0),
    ],
    "teachers.csv": [
        Column("teacher_id"),
        Column("school_id"),
        Column("subject"),
        Column("years_at_school", "int", min=0),
        Column("age", "int", min=18),
        Column("backbone", "bool01"),
        Column("qualified", "bool01"),
        Column("pref1", required=False, default=""),
        Column("pref2", required=False, default=""),
        Column("pref3", required=False, default=""),
    ],
    "needs.csv": [Column("school_id"), Column("subject"), Column("required", "int", min=0)],
    "providers.csv": [Column("provider_id"), Column("weekly_sessions", "int", min=0)],
    "courses.csv": [
        Column("course_id"),
        Column("provider_id"),
        Column("category"),
        Column("seats", "int", min=1),
        Column("sessions_per_week", "int", min=1),
        Column("max_km", "float", min=0),
        Column("x_km", "float"),
        Column("y_km", "float"),
    ],
    "balance.csv": [
        Column("school_id"),
        Column("level", "choice", choices=LEVELS),
        Column("students", "int", min=0),
        Column("qualified_teachers", "int", min=0),
        Column("backbone_teachers", "int", min=0),
        Column("pe_art_teachers", "int", min=0),
        Column("teaching_room_m2", "float", min=0),
        Column("sports_field_m2", "float", min=0),
        Column("equipment_yuan", "float", min=0),
        Column("multimedia_classrooms", "float", min=0),
        Column("teaching_point", "bool01", required=False, default="0"),
    ],
    "students.csv": [
        Column("student_id"),
        Column("gender", "choice", choices=("F", "M")),
        Column("score", "float", required=False),
        Column("needs", "bool01", required=False, default="0"),
        Column("together", required=False, default=""),
        Column("apart", required=False, default=""),
        Column("school_id"),
    ],
    "offerings.csv": [
        Column("offering_id"),
        Column("capacity", "int", min=0),
        Column("slot", required=False, default=""),
    ],
    "choices.csv": [Column("student_id"), Column("rank", "int", min=1), Column("offering_id")],
    "priorities.csv": [Column("student_id"), Column("priority", "int", default=0)],
    "high_schools.csv": [Column("high_school_id"), Column("plan", "int", min=0)],
    "juniors.csv": [Column("junior_id"), Column("graduates", "int", min=0)],
    "enrolment.csv": [
        Column("school_id"),
        Column("year", "int"),
        Column("grade", "int", min=1, max=9),
        Column("students", "int", min=0),
    ],
    "births.csv": [Column("school_id"), Column("year", "int"), Column("births", "int", min=0)],
    "capacity.csv": [
        Column("school_id"),
        Column("classrooms", "int", min=1),
        Column("max_class", "int", min=1),
    ],
    "pairing.csv": [
        Column("school_id"),
        Column("level", "choice", choices=("primary", "junior", "nine_year")),
        Column("urban_rural", "choice", choices=UR),
        Column("students", "int", min=0),
        Column("x_km", "float"),
        Column("y_km", "float"),
        Column("strength", "float"),
        Column("role", "choice", choices=("core", "member")),
        Column("capacity", required=False, default=""),
        Column("region", required=False, default=""),
    ],
}
REGION_FILES = ("region_schools.csv", "region_teachers.csv", "region_students.csv")
# checked in tests/engines/test_portraits_synth.py
PORTRAIT_FILES = ("portrait_students.csv", "portrait_records.csv", "portrait_indicators.csv")


@pytest.fixture(scope="module")
def county():
    return generate("county", "test-seed")


@pytest.fixture(scope="module")
def county_files(county):
    return files(county)


@pytest.fixture(scope="module")
def tables(county, tmp_path_factory):
    out = tmp_path_factory.mktemp("county")
    write(county, out)
    return {name: read_table(out / name, cols) for name, cols in CONTRACT.items()} | {
        name: pd.read_csv(out / name, dtype=str, keep_default_na=False) for name in REGION_FILES
    }


def test_same_seed_gives_the_same_bytes_for_every_file(county_files):
    again = files(generate("county", "test-seed"))
    assert sorted(again) == sorted(county_files)
    for name, blob in county_files.items():
        assert again[name] == blob, name


def test_a_different_seed_changes_every_file(county_files):
    other = files(generate("county", "another-seed"))
    for name, blob in county_files.items():
        if name == "portrait_indicators.csv":
            continue  # the default indicator library: the same for every seed
        assert other[name] != blob, name


def test_files_use_unix_line_ends_and_utf8(county_files):
    for name, blob in county_files.items():
        text = blob.decode("utf-8")
        assert "\r" not in text, name
        assert text.endswith("\n"), name


def test_every_engine_file_parses_with_the_contract_columns(tables):
    for name, cols in CONTRACT.items():
        df = tables[name]
        assert len(df) > 0, name
        for col in cols:
            assert col.name in df.columns, (name, col.name)


def test_ids_are_unique(tables):
    check_unique("schools.csv", tables["schools.csv"], ["school_id"])
    check_unique("teachers.csv", tables["teachers.csv"], ["teacher_id"])
    check_unique("needs.csv", tables["needs.csv"], ["school_id", "subject"])
    check_unique("providers.csv", tables["providers.csv"], ["provider_id"])
    check_unique("courses.csv", tables["courses.csv"], ["course_id"])
    check_unique("balance.csv", tables["balance.csv"], ["school_id", "level"])
    check_unique("students.csv", tables["students.csv"], ["student_id"])
    check_unique("offerings.csv", tables["offerings.csv"], ["offering_id"])
    check_unique("choices.csv", tables["choices.csv"], ["student_id", "rank"])
    check_unique("choices.csv", tables["choices.csv"], ["student_id", "offering_id"])
    check_unique("priorities.csv", tables["priorities.csv"], ["student_id"])
    check_unique("high_schools.csv", tables["high_schools.csv"], ["high_school_id"])
    check_unique("juniors.csv", tables["juniors.csv"], ["junior_id"])
    check_unique("region_students.csv", tables["region_students.csv"], ["code"])
    check_unique("region_schools.csv", tables["region_schools.csv"], ["name"])


def test_references_are_known(tables):
    schools = set(tables["schools.csv"].school_id)
    t = tables["teachers.csv"]
    check_known("teachers.csv", t, "school_id", schools, "school")
    for col in ("pref1", "pref2", "pref3"):
        prefs = t[t[col] != ""]
        check_known("teachers.csv", prefs, col, schools, "school")
        assert (prefs[col] != prefs.school_id).all()
    check_known("needs.csv", tables["needs.csv"], "school_id", schools, "school")
    check_known(
        "courses.csv",
        tables["courses.csv"],
        "provider_id",
        tables["providers.csv"].provider_id,
        "provider",
    )
    check_known("balance.csv", tables["balance.csv"], "school_id", schools, "school")
    check_known("students.csv", tables["students.csv"], "school_id", schools, "school")
    check_known("juniors.csv", tables["juniors.csv"], "junior_id", schools, "school")
    offerings = tables["offerings.csv"]
    choices = tables["choices.csv"]
    check_known("choices.csv", choices, "offering_id", offerings.offering_id, "offering")
    # every student chooses among the offerings of their own school
    school_of_student = tables["region_students.csv"].set_index("code").school
    school_of_offering = offerings.set_index("offering_id").school_id
    assert (
        choices.student_id.map(school_of_student).to_numpy()
        == choices.offering_id.map(school_of_offering).to_numpy()
    ).all()
    # priorities list exactly the students who chose
    assert set(tables["priorities.csv"].student_id) == set(choices.student_id)
    check_known("region_teachers.csv", tables["region_teachers.csv"], "school", schools, "school")


def test_choice_ranks_run_from_one_without_gaps_and_at_most_five(tables):
    c = tables["choices.csv"]
    per = c.groupby("student_id")["rank"].agg(["min", "max", "count"])
    assert (per["min"] == 1).all()
    assert (per["max"] == per["count"]).all()
    assert per["max"].max() <= 5
    assert c.student_id.is_monotonic_increasing


def test_needs_are_met_by_the_current_staff(tables):
    t = tables["teachers.csv"]
    have = t.groupby(["school_id", "subject"]).size()
    needs = tables["needs.csv"].set_index(["school_id", "subject"]).required
    assert (needs <= have.reindex(needs.index).fillna(0)).all()


def test_place_file_holds_the_incoming_grades_with_feasible_groups(county, tables):
    st = tables["students.csv"]
    assert set(st.grade) == {"1", "7"}
    rs = tables["region_students.csv"]
    assert len(st) == int(rs.grade.isin(["1", "7"]).sum())
    for col in ("together", "apart"):
        labelled = st[st[col] != ""]
        assert len(labelled) > 0, col
        groups = labelled.groupby(col).agg(
            n=("student_id", "size"), cohorts=("school_id", "nunique"), classes=("classes", "min")
        )
        assert (groups.cohorts == 1).all()
        assert (groups.n >= 2).all()
        if col == "apart":
            assert (groups.n <= groups.classes.astype(int)).all()
    assert not ((st.together != "") & (st.apart != "")).any()


def test_nine_year_schools_are_one_school_row_and_two_balance_rows(county, tables):
    s = county.schools
    nine = s[s.level == "nine_year"]
    assert len(nine) >= 2
    bal = tables["balance.csv"]
    for r in nine.itertuples():
        rows = bal[bal.school_id == r.code]
        assert sorted(rows.level) == ["junior", "primary"]
        assert rows.students.sum() == r.students
        for col in (
            "teaching_room_m2",
            "sports_field_m2",
            "equipment_yuan",
            "multimedia_classrooms",
        ):
            assert abs(rows[col].sum() - getattr(r, col)) <= 1, col
        pp = rows[rows.level == "primary"].iloc[0]
        pj = rows[rows.level == "junior"].iloc[0]
        # enrolment weighted primary : junior = 1 : 1.1
        want = pp.students / (pp.students + 1.1 * pj.students)
        got = pp.teaching_room_m2 / (pp.teaching_room_m2 + pj.teaching_room_m2)
        assert got == pytest.approx(want, abs=1e-3)
        row = tables["schools.csv"].set_index("school_id").loc[r.code]
        assert row.level == ("primary" if pp.students >= pj.students else "junior")


def test_county_profile_has_about_forty_schools_and_45000_students(county):
    assert 36 <= len(county.schools) <= 44
    assert 40_000 <= len(county.students) <= 50_000
    assert 3_000 <= len(county.teachers) <= 4_200
    assert len(county.providers) == 80
    assert len(county.courses) == 400
    assert county.schools.teaching_point.sum() >= 1
    assert 0.5 <= county.choices.student_idx.nunique() / len(county.students) <= 0.7


def _per100(tables):
    bal = tables["balance.csv"]
    bal = bal[~bal.teaching_point]
    ur = bal.school_id.map(tables["schools.csv"].set_index("school_id").urban_rural)
    return bal, ur


def test_rural_schools_are_smaller_and_worse_equipped(tables):
    s = tables["schools.csv"]
    size = s.groupby("urban_rural").students.median()
    assert size["rural"] * 3 < size["town"] < size["urban"]
    bal, ur = _per100(tables)
    sums = bal.assign(ur=ur.to_numpy()).groupby("ur").sum(numeric_only=True)
    per = lambda col: 100 * sums[col] / sums["students"]  # noqa: E731
    assert per("backbone_teachers")["rural"] < 0.6 * per("backbone_teachers")["urban"]
    assert per("qualified_teachers")["rural"] < per("qualified_teachers")["urban"]
    assert per("pe_art_teachers")["rural"] < per("pe_art_teachers")["urban"]
    assert per("equipment_yuan")["rural"] < 0.6 * per("equipment_yuan")["urban"]
    assert per("multimedia_classrooms")["rural"] < per("multimedia_classrooms")["urban"]
    assert per("sports_field_m2")["rural"] < per("sports_field_m2")["urban"]


def test_migrants_gather_in_town_schools_and_left_behind_children_in_rural_ones(county):
    st = county.students
    ur = county.schools.urban_rural.to_numpy()[st.school_idx.to_numpy()]
    migrant = st.groupby(ur).migrant.mean()
    left = st.groupby(ur).left_behind.mean()
    assert migrant["town"] > 2 * migrant["urban"]
    assert migrant["town"] > 2 * migrant["rural"]
    assert left["rural"] > 3 * left["urban"]


def test_the_county_does_not_pass_the_balance_verdict(tables):
    """Some rural schools fail indicators and at least one CV is near or above its limit."""
    bal, ur = _per100(tables)
    thr = {
        "primary": (4.2, 1.0, 0.9, 4.5, 7.5, 2000, 2.3),
        "junior": (5.3, 1.0, 0.9, 5.8, 10.2, 2500, 2.4),
    }
    vals = np.c_[
        100 * bal.qualified_teachers / bal.students,
        100 * bal.backbone_teachers / bal.students,
        100 * bal.pe_art_teachers / bal.students,
        bal.teaching_room_m2 / bal.students,
        bal.sports_field_m2 / bal.students,
        bal.equipment_yuan / bal.students,
        100 * bal.multimedia_classrooms / bal.students,
    ]
    limits = np.array([thr[lv] for lv in bal.level])
    met = (vals >= limits).sum(axis=1)
    passes = (met == 7) | ((met == 6) & (vals >= 0.85 * limits).all(axis=1))
    rural = (ur == "rural").to_numpy()
    assert not passes[rural].all()
    assert passes[(ur == "urban").to_numpy()].mean() > 0.7
    worst = 0.0
    for level, limit in (("primary", 0.50), ("junior", 0.45)):
        m = (bal.level == level).to_numpy()
        cvs = [weighted_cv(vals[m, i], bal.students[m]) for i in range(7)]
        worst = max(worst, max(cvs) / limit)
    assert worst > 0.8


def test_region_files_carry_the_importers_columns(tables):
    assert {
        "code",
        "name",
        "level",
        "urban_rural",
        "x_km",
        "y_km",
        "teaching_room_m2",
        "sports_field_m2",
        "equipment_yuan",
        "multimedia_classrooms",
        "after_school_slots",
    } <= set(tables["region_schools.csv"].columns)
    assert {
        "code",
        "name",
        "school",
        "subject",
        "section",
        "qualification",
        "backbone_level",
        "years_at_school",
        "age",
        "gender",
    } <= set(tables["region_teachers.csv"].columns)
    assert {
        "code",
        "name",
        "gender",
        "birth_date",
        "school",
        "grade",
        "class",
        "migrant",
        "left_behind",
        "low_income",
        "support_needs",
        "score",
    } <= set(tables["region_students.csv"].columns)
    assert set(tables["region_schools.csv"].level) == {"primary", "junior", "nine_year"}


def test_class_sizes_stay_within_the_national_limits(county):
    st = county.students
    size = st.groupby(["school_idx", "grade", "class_number"]).size().reset_index(name="n")
    limit = np.where(size.grade <= 6, 45, 50)
    assert (size.n.to_numpy() <= limit).all()


def test_twins_and_siblings_share_a_surname(county):
    fam = county.students[county.students.family != ""]
    assert len(fam) > 0
    assert (fam.groupby("family").size() == 2).all()
    first = fam.groupby("family").name.agg(lambda s: {n[0] for n in s})
    assert (first.map(len) == 1).all()


def test_city_layout_has_603_schools_and_about_a_million_students():
    schools, _ = make_schools(CITY, "layout")
    assert len(schools) == 603
    assert 950_000 <= schools.students.sum() <= 1_050_000
    cells = make_cells(schools, "layout")
    assert cells.students.sum() == schools.students.sum()
    span = schools.x_km.max() - schools.x_km.min()
    assert 60 <= span <= 110


def test_cli_writes_every_file_and_prints_a_summary(tmp_path, capsys):
    assert main(["synth", "--profile", "county", "--seed", "cli", "--out", str(tmp_path)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["profile"] == "county"
    assert set(summary["files"]) == set(CONTRACT) | set(REGION_FILES) | set(PORTRAIT_FILES)
    for name, digest in summary["files"].items():
        import hashlib

        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == digest


def test_cli_rejects_an_unknown_profile(tmp_path):
    with pytest.raises(SystemExit, match="^2$") as exc:
        main(["synth", "--profile", "province", "--seed", "x", "--out", str(tmp_path)])
    assert exc.value.code == 2
    assert list(tmp_path.iterdir()) == []


def test_profiles_are_the_two_of_the_contract():
    assert sorted(PROFILES) == ["city", "county"]


def test_region_frame_round_trips_through_csv(county_files):
    df = pd.read_csv(
        io.BytesIO(county_files["region_students.csv"]), dtype=str, keep_default_na=False
    )
    assert df.code.str.fullmatch(r"P\d{8}").all()
    assert df.birth_date.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()


def test_pairing_file_names_cores_among_the_strongest_schools_of_each_level(tables):
    df = tables["pairing.csv"]
    check_unique("pairing.csv", df, ["school_id"])
    assert set(df.school_id) == set(tables["schools.csv"].school_id)
    cores, members = df[df.role == "core"], df[df.role == "member"]
    assert 0.25 <= len(cores) / len(df) <= 0.4
    # urban schools are the stronger ones: most cores are urban, most rural schools members
    assert (cores.urban_rural == "urban").mean() > 0.5
    assert (members.urban_rural == "rural").sum() > (cores.urban_rural == "rural").sum()
    assert cores.strength.mean() > members.strength.mean() + 10
    assert set(df.region) == {""}  # the county is one region
