"""High-school quota places to junior schools (junheng.engines.quotas, `junheng quotas`)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from junheng import cli
from junheng.engines.io import InputError
from junheng.engines.quotas import (
    allocate_quotas,
    apportion,
    exact_shares,
    parse_share,
    quota_for,
)

# ---------------------------------------------------------------- hand-computed cases

# 53/24/23 graduates, 7 seats.
#   Hamilton: exact 3.71, 1.68, 1.61 -> floors 3, 1, 1; two left to .71 (A), .68 (B).
#   D'Hondt averages: A 53, 26.5, 17.7, 13.25; B 24, 12; C 23, 11.5 -> top 7: A4 B2 C1.
#   Sainte-Laguë (1, 3, 5): A 53, 17.7, 10.6; B 24, 8; C 23, 7.67 -> top 7: A3 B2 C2.
THREE = {"A": 53, "B": 24, "C": 23}


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("hamilton", {"A": 4, "B": 2, "C": 1}),
        ("dhondt", {"A": 4, "B": 2, "C": 1}),
        ("sainte-lague", {"A": 3, "B": 2, "C": 2}),
    ],
)
def test_each_method_on_a_hand_computed_case(method, expected):
    assert apportion(7, THREE, method) == expected


def test_dhondt_favours_the_large_school_where_sainte_lague_does_not():
    grads = {"big": 70, "small1": 15, "small2": 15}
    # D'Hondt: big 70, 35, 23.3, 17.5, 14; small 15, 7.5 -> 5 seats: big 4, one small 1.
    assert apportion(5, grads, "dhondt") == {"big": 4, "small1": 1, "small2": 0}
    # Sainte-Laguë: big 70, 23.3, 14; small 15, 5 -> big 3, both smalls 1.
    assert apportion(5, grads, "sainte-lague") == {"big": 3, "small1": 1, "small2": 1}


def test_hamilton_alabama_paradox_one_more_seat_costs_a_junior_a_seat():
    grads = {"a": 6, "b": 6, "c": 2}
    # 10 seats: exact 4.29, 4.29, 1.43 -> floors 4, 4, 1; the one left to c (.43 > .29).
    assert apportion(10, grads, "hamilton") == {"a": 4, "b": 4, "c": 2}
    # 11 seats: exact 4.71, 4.71, 1.57 -> floors 4, 4, 1; the two left to a and b.
    assert apportion(11, grads, "hamilton") == {"a": 5, "b": 5, "c": 1}
    # The divisor methods are house-monotone: c never loses.
    for method in ("sainte-lague", "dhondt"):
        assert apportion(11, grads, method)["c"] >= apportion(10, grads, method)["c"]


def test_hamilton_remainder_tie_goes_to_more_graduates():
    # 3 seats over 1/3/2 graduates: exact 0.5, 1.5, 1.0; one left, tied .5 between a and b.
    assert apportion(3, {"a": 1, "b": 3, "c": 2}, "hamilton") == {"a": 0, "b": 2, "c": 1}


def test_ties_with_equal_graduates_go_to_the_smaller_id_as_text():
    # "j10" < "j9" as text.
    for method in ("hamilton", "sainte-lague", "dhondt"):
        assert apportion(1, {"j9": 5, "j10": 5}, method) == {"j9": 0, "j10": 1}


def test_divisor_ties_go_to_more_graduates():
    # D'Hondt: a 2, 1; b 4, 2 -> seat 1 b (4); seat 2 ties a 2 / b 2 -> b.
    assert apportion(2, {"a": 2, "b": 4}, "dhondt") == {"a": 0, "b": 2}
    # Sainte-Laguë: a 1; b 3, 1 -> seat 1 b; seat 2 ties a 1 / b 1 -> b.
    assert apportion(2, {"a": 1, "b": 3}, "sainte-lague") == {"a": 0, "b": 2}


def test_min_seats_are_given_first_and_the_rest_apportioned():
    grads = {"a": 90, "b": 5, "c": 5, "d": 0}
    # Without: exact 9, .5, .5 -> one left, b/c tie on remainder and graduates -> b.
    assert apportion(10, grads, "hamilton") == {"a": 9, "b": 1, "c": 0, "d": 0}
    # M = 1 for the three with graduates, 7 left: 6.3, .35, .35 -> floors 6, 0, 0; the one
    # left to b (.35 > .3, b before c by id).
    assert apportion(10, grads, "hamilton", min_seats=1) == {"a": 7, "b": 2, "c": 1, "d": 0}


def test_min_seats_more_than_the_quota_is_an_input_error():
    with pytest.raises(InputError, match="less than 1 × 3"):
        apportion(2, {"a": 1, "b": 1, "c": 1}, "hamilton", min_seats=1)


def test_quota_is_the_exact_ceiling_without_float_error():
    # 100 × 0.55 is 55.000000000000007 in floating point; the quota is exactly 55.
    assert quota_for(100, parse_share("0.55")) == 55
    assert quota_for(101, parse_share("0.6")) == 61
    assert quota_for(0, parse_share("0.6")) == 0
    assert parse_share("60%") == parse_share("3/5") == Fraction(3, 5)
    assert quota_for(7, parse_share("1")) == 7


@pytest.mark.parametrize("bad", ["0", "-0.1", "1.01", "abc", "", "150%", "nan"])
def test_share_outside_zero_one_is_an_input_error(bad):
    with pytest.raises(InputError, match="--share"):
        parse_share(bad)


def test_exact_shares_for_the_deviation_table():
    assert exact_shares(10, {"a": 6, "b": 6, "c": 2}) == {
        "a": Fraction(30, 7),
        "b": Fraction(30, 7),
        "c": Fraction(10, 7),
    }


def test_allocate_quotas_lists_every_pair_sorted_as_text():
    result = allocate_quotas({"H2": 10, "H10": 5}, {"j2": 1, "j1": 3, "j0": 0}, share="1")
    assert result.rows == [
        ("H10", "j0", 0),
        ("H10", "j1", 4),
        ("H10", "j2", 1),
        ("H2", "j0", 0),
        ("H2", "j1", 8),
        ("H2", "j2", 2),
    ]
    assert result.quotas == {"H2": 10, "H10": 5}
    assert result.summary["places"] == 15
    assert result.summary["quota_places"] == 15


# ---------------------------------------------------------------- properties


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 60),
    st.dictionaries(
        st.from_regex(r"j[0-9]{1,3}", fullmatch=True), st.integers(0, 500), min_size=1, max_size=12
    ),
    st.sampled_from(["hamilton", "sainte-lague", "dhondt"]),
    st.integers(0, 2),
)
def test_seats_add_up_to_the_quota_and_stay_near_the_exact_share(quota, grads, method, m):
    with_grads = sum(1 for g in grads.values() if g > 0)
    if quota < m * with_grads or (with_grads == 0 and quota > 0):
        with pytest.raises(
            InputError,
            match=r"quota \d+ is less than \d+ × \d+ juniors with graduates|no junior has graduates",
        ):
            apportion(quota, grads, method, m)
        return
    seats = apportion(quota, grads, method, m)
    assert sum(seats.values()) == quota
    assert all(seats[j] == 0 for j, g in grads.items() if g == 0)
    assert all(seats[j] >= m for j, g in grads.items() if g > 0)
    if method == "hamilton":
        exact = exact_shares(quota - m * with_grads, grads)
        for j, g in grads.items():
            if g > 0:
                assert abs(seats[j] - m - exact[j]) < 1  # the quota property


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 40),
    st.dictionaries(
        st.from_regex(r"j[0-9]", fullmatch=True), st.integers(1, 300), min_size=1, max_size=6
    ),
    st.sampled_from(["sainte-lague", "dhondt"]),
)
def test_divisor_methods_are_house_monotone(quota, grads, method):
    smaller, larger = apportion(quota, grads, method), apportion(quota + 1, grads, method)
    assert all(larger[j] >= smaller[j] for j in grads)


# ---------------------------------------------------------------- the command


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def files(tmp_path):
    return {
        "hs": _write(tmp_path / "high_schools.csv", "high_school_id,plan\nH1,10\nH2,11\n"),
        "jn": _write(tmp_path / "juniors.csv", "junior_id,graduates\na,6\nb,6\nc,2\nd,0\n"),
    }


def _argv(files, tmp_path, *extra):
    return [
        "quotas",
        "--high-schools",
        files["hs"],
        "--juniors",
        files["jn"],
        "--out",
        str(tmp_path / "quotas.csv"),
        *extra,
    ]


def test_cli_table_shows_the_alabama_paradox_honestly(files, tmp_path, capsys):
    assert cli.main(_argv(files, tmp_path, "--share", "1")) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    data = (tmp_path / "quotas.csv").read_bytes()
    assert data == (
        b"high_school_id,junior_id,seats\n"
        b"H1,a,4\nH1,b,4\nH1,c,2\nH1,d,0\n"
        b"H2,a,5\nH2,b,5\nH2,c,1\nH2,d,0\n"
    )
    assert summary == {
        "high_schools": 2,
        "juniors": 4,
        "places": 21,
        "quota_places": 21,
        "result_sha256": hashlib.sha256(data).hexdigest(),
    }


def test_cli_default_share_is_sixty_percent_rounded_up(files, tmp_path, capsys):
    assert cli.main(_argv(files, tmp_path, "--method", "dhondt")) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    # ceil(10 × 0.6) = 6, ceil(11 × 0.6) = 7.
    assert summary["quota_places"] == 13
    rows = list(csv.DictReader(io.StringIO((tmp_path / "quotas.csv").read_text())))
    assert len(rows) == 8
    assert sum(int(r["seats"]) for r in rows if r["high_school_id"] == "H2") == 7


BAD = [
    ("jn", "junior_id,graduates\na,-3\n", [], "juniors.csv, row 2, column 'graduates'"),
    ("jn", "junior_id,graduates\na,3\na,4\n", [], "row 3, column 'junior_id': duplicate"),
    ("jn", "junior_id,graduates\na,many\n", [], "row 2, column 'graduates': expected an integer"),
    ("jn", "junior_id\na\n", [], "column 'graduates': missing column"),
    ("hs", "high_school_id,plan\nH1,-10\n", [], "high_schools.csv, row 2, column 'plan'"),
    ("hs", "high_school_id,plan\nH1,10\nH1,5\n", [], "row 3, column 'high_school_id': duplicate"),
    ("hs", "high_school_id,plan\nH1,10\n", ["--method", "webster"], "unknown method 'webster'"),
    ("hs", "high_school_id,plan\nH1,10\n", ["--share", "0"], "--share"),
    ("hs", "high_school_id,plan\nH1,10\n", ["--share", "1.2"], "must be in (0, 1]"),
    ("hs", "high_school_id,plan\nH1,10\nH2,3\n", ["--min-seats", "1"], "row 3, column 'plan'"),
    ("hs", "high_school_id,plan\nH1,10\n", ["--min-seats", "-1"], "--min-seats"),
]


@pytest.mark.parametrize(("which", "text", "extra", "message"), BAD)
def test_bad_input_exits_2_and_writes_nothing(files, tmp_path, capsys, which, text, extra, message):
    _write(Path(files[which]), text)
    assert cli.main(_argv(files, tmp_path, *extra)) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "quotas.csv").exists()


def test_positive_quota_without_any_graduates_is_an_input_error(files, tmp_path, capsys):
    _write(Path(files["jn"]), "junior_id,graduates\na,0\n")
    assert cli.main(_argv(files, tmp_path)) == 2
    assert "no junior has graduates" in capsys.readouterr().err
    assert not (tmp_path / "quotas.csv").exists()
