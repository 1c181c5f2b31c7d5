"""The seam to the engine, on plain data: the input file anyone can re-run, labels, late class."""

from __future__ import annotations

import argparse
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from junheng.commands import place as place_cmd
from junheng.engines.io import InputError, sha256_hex
from junheng.engines.placement import place
from junheng.placement import adapters
from junheng.placement.adapters import MemberRow, RequestRow


def _members(n: int) -> list[MemberRow]:
    return [
        MemberRow(
            code=f"S{i:03d}",
            gender="FM"[i % 2],
            score=50 + (i * 37) % 50 + 0.25,
            needs=i % 9 == 0,
            migrant=i % 4 == 0,
            left_behind=i % 6 == 0,
        )
        for i in range(n)
    ]


def test_input_file_rerun_with_junheng_place_gives_the_same_result(tmp_path):
    reqs = [
        RequestRow("1", "together", ("S001", "S002")),
        RequestRow("2", "apart", ("S003", "S004")),
    ]
    data = adapters.engine_input(_members(30), reqs, balance_extras=True)
    assert data.sha256 == sha256_hex(data.csv)
    mine = place(data.students, 3, "published-seed", "balanced")
    path = tmp_path / "students.csv"
    path.write_bytes(data.csv)
    out = tmp_path / "out.csv"
    args = argparse.Namespace(
        students=str(path),
        classes=3,
        seed="published-seed",
        method="balanced",
        out=str(out),
        balance=None,
        table=None,
    )
    summary = place_cmd.run(args)
    assert summary["result_sha256"] == mine.summary["result_sha256"]
    assert out.read_bytes() == mine.out_bytes()


def test_input_is_sorted_by_code_whatever_the_member_order():
    a = adapters.engine_input(_members(10), [], balance_extras=False)
    b = adapters.engine_input(list(reversed(_members(10))), [], balance_extras=False)
    assert a.csv == b.csv
    assert a.csv.splitlines()[0] == b"student_id,gender,score,needs,together,apart"


def test_together_requests_sharing_a_student_merge():
    reqs = [RequestRow("1", "together", ("a", "b")), RequestRow("2", "together", ("b", "c"))]
    labels = adapters.together_labels(reqs, {"a", "b", "c", "d"})
    assert labels["a"] == labels["b"] == labels["c"] and "d" not in labels


def test_one_student_in_two_apart_requests_is_a_conflict():
    reqs = [RequestRow("1", "apart", ("a", "b")), RequestRow("2", "apart", ("b", "c"))]
    with pytest.raises(adapters.RequestConflictError, match="^b$"):
        adapters.apart_labels(reqs, {"a", "b", "c"})


def test_late_class_is_the_smallest_unblocked_then_fewest_same_gender():
    sizes = {1: 10, 2: 9, 3: 9, 4: 11}
    assert adapters.late_class(sizes, {2: 5, 3: 4}, set(), seed="s", code="x") == 3
    assert adapters.late_class(sizes, {2: 5, 3: 4}, {3}, seed="s", code="x") == 2
    assert adapters.late_class(sizes, {}, {2, 3}, seed="s", code="x") == 1
    with pytest.raises(ValueError, match="apart"):
        adapters.late_class(sizes, {}, {1, 2, 3, 4}, seed="s", code="x")


def test_import_reads_the_engine_format_and_names_a_bad_row(tmp_path):
    good = tmp_path / "c.csv"
    good.write_text(
        "student_id,gender,score,needs,together,apart\n"
        "A1,F,90,0,t1,\nA2,M,80,1,t1,\nA3,F,70,0,,x\nA4,M,60,0,,x\n"
    )
    cohort = adapters.read_import(good)
    assert [m.code for m in cohort.members] == ["A1", "A2", "A3", "A4"]
    assert cohort.together == {"t1": ["A1", "A2"]} and cohort.apart == {"x": ["A3", "A4"]}
    assert cohort.members[1].needs and cohort.members[0].score == 90.0
    bad = tmp_path / "bad.csv"
    bad.write_text("student_id,gender\nA1,F\nA2,X\n")
    with pytest.raises(InputError, match=r"unknown value 'X' \(expected one of F, M\)") as err:
        adapters.read_import(bad)
    assert err.value.row == 3 and err.value.column == "gender"


@st.composite
def cohorts(draw):
    """A cohort and requests that some placement meets: the requests are read off a hidden
    placement (round robin over a shuffled cohort), so every case is feasible by construction."""
    n = draw(st.integers(6, 60))
    k = draw(st.integers(2, min(8, n // 2)))
    members = [
        MemberRow(
            code=f"P{i:03d}",
            gender=draw(st.sampled_from("FM")),
            score=float(draw(st.integers(0, 100))),
            needs=draw(st.booleans()),
        )
        for i in range(n)
    ]
    perm = draw(st.permutations([m.code for m in members]))
    hidden = {code: i % k for i, code in enumerate(perm)}
    free = list(perm)
    reqs = []
    for j in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["together", "apart"]))
        size = draw(st.integers(2, 3))
        if kind == "together":
            c = draw(st.integers(0, k - 1))
            pick = [x for x in free if hidden[x] == c][:size]
        else:
            pick, seen = [], set()
            for x in free:
                if hidden[x] not in seen and len(pick) < size:
                    pick.append(x)
                    seen.add(hidden[x])
        if len(pick) < 2:
            continue
        free = [x for x in free if x not in pick]
        reqs.append(RequestRow(str(j), kind, tuple(pick)))
    return members, reqs, k, draw(st.text(min_size=1, max_size=8))


@settings(max_examples=40, deadline=None)
@given(cohorts())
def test_hard_rules_hold_for_random_cohorts_and_requests(case):
    members, reqs, k, seed = case
    data = adapters.engine_input(members, reqs, balance_extras=False)
    result = place(data.students, k, seed, "balanced")
    cls = result.class_of()
    sizes = Counter(cls.values())
    assert len(sizes) == k and max(sizes.values()) - min(sizes.values()) <= 1
    for r in reqs:
        classes = [cls[c] for c in r.codes]
        if r.kind == "together":
            assert len(set(classes)) == 1
        else:
            assert len(set(classes)) == len(classes)
    assert result.summary["violations"] == 0


def test_import_reads_chinese_headers_and_values_too(tmp_path):
    """A school's own spreadsheet (Chinese headers, 男/女, an .xlsx of any sheet name) reads as
    the engine format does; "学生编码 (student_id)" (label and key) too."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "一年级名单"
    ws.append(["学生编码 (student_id)", "性别", "成绩", "特殊需要", "同班", "分开"])
    for row in (
        ["A1", "女", 90, 0, "t1", ""],
        ["A2", "男", 80, 1, "t1", ""],
        ["A3", "女", 70, 0, "", "x"],
        ["A4", "男", 60, 0, "", "x"],
    ):
        ws.append(row)
    path = tmp_path / "名单.xlsx"
    book.save(path)
    cohort = adapters.read_import(path)
    assert [(m.code, m.gender) for m in cohort.members] == [
        ("A1", "F"),
        ("A2", "M"),
        ("A3", "F"),
        ("A4", "M"),
    ]
    assert cohort.together == {"t1": ["A1", "A2"]} and cohort.apart == {"x": ["A3", "A4"]}
    assert cohort.members[1].needs and cohort.members[0].score == 90.0
    bad = tmp_path / "bad.csv"
    bad.write_text("学生编码,性别\nA1,女\nA2,未知\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown value '未知'") as err:
        adapters.read_import(bad)
    assert err.value.row == 3 and err.value.column == "gender"
    assert "未知" in err.value.reason
