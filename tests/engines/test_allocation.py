"""The after-school draw (junheng.engines.allocation and `junheng allocate`), CONTRACTS.md."""

from __future__ import annotations

import hashlib
import io
import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from junheng import cli
from junheng.engines.allocation import Choice, Offering, allocate
from junheng.engines.io import InputError

# ---------------------------------------------------------------- references (straightforward)


def _key(seed: str, sid: str) -> str:
    return hashlib.sha256(f"{seed}:{sid}".encode()).hexdigest()


def _service_order(choices, priorities, seed):
    students = {c.student_id for c in choices} | set(priorities)
    return sorted(students, key=lambda s: (-priorities.get(s, 0), _key(seed, s)))


def _lists(choices):
    lists = defaultdict(list)
    for c in choices:
        lists[c.student_id].append((c.rank, c.offering_id))
    return {s: sorted(v) for s, v in lists.items()}


def reference_serial_dictatorship(offerings, choices, priorities, seed):
    seats = {o.offering_id: o.capacity for o in offerings}
    lists = _lists(choices)
    rows = []
    for s in _service_order(choices, priorities, seed):
        for rank, o in lists.get(s, []):
            if seats[o] > 0:
                seats[o] -= 1
                rows.append((s, o, rank))
                break
    return sorted(rows, key=lambda r: (r[0], r[2]))


def reference_draft(offerings, choices, priorities, seed, k):
    seats = {o.offering_id: o.capacity for o in offerings}
    slot = {o.offering_id: (o.slot or f"own:{o.offering_id}") for o in offerings}
    lists = _lists(choices)
    order = _service_order(choices, priorities, seed)
    held = defaultdict(list)
    for r in range(k):
        for s in order if r % 2 == 0 else order[::-1]:
            for rank, o in lists.get(s, []):
                taken = [x for _, x in held[s]]
                if seats[o] > 0 and o not in taken and slot[o] not in {slot[x] for x in taken}:
                    seats[o] -= 1
                    held[s].append((rank, o))
                    break
    rows = [(s, o, rank) for s, v in held.items() for rank, o in v]
    return sorted(rows, key=lambda r: (r[0], r[2]))


def milp_best_welfare(offerings, choices, k):
    """The welfare optimum by an independent MILP (HiGHS)."""
    if not choices:
        return 0
    big_r = max(c.rank for c in choices)
    w = np.array([big_r + 1 - c.rank for c in choices], dtype=float)
    slot = {o.offering_id: (o.slot or f"own:{o.offering_id}") for o in offerings}
    cap = {o.offering_id: o.capacity for o in offerings}
    rows, ub = [], []
    groups = defaultdict(list)
    for j, c in enumerate(choices):
        groups[("off", c.offering_id)].append(j)
        groups[("stu", c.student_id)].append(j)
        groups[("slot", c.student_id, slot[c.offering_id])].append(j)
    for key, js in groups.items():
        row = np.zeros(len(choices))
        row[js] = 1
        rows.append(row)
        ub.append(cap[key[1]] if key[0] == "off" else (k if key[0] == "stu" else 1))
    res = milp(
        -w,
        integrality=np.ones(len(choices)),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(np.array(rows), -np.inf, np.array(ub, dtype=float)),
    )
    assert res.status == 0
    return round(-res.fun)


def _rows(result):
    return [(a.student_id, a.offering_id, a.rank) for a in result.assignments]


# ---------------------------------------------------------------- hand-computed cases

# Priorities 3, 2, 1 fix the service order a, b, c whatever the seed.
PRIO = {"a": 3, "b": 2, "c": 1}
OFFERS = [Offering("art", 1, "mon"), Offering("ball", 1, "mon"), Offering("chess", 2, None)]
WANTS = [
    Choice("a", 1, "art"),
    Choice("a", 2, "ball"),
    Choice("a", 3, "chess"),
    Choice("b", 1, "art"),
    Choice("b", 2, "chess"),
    Choice("c", 1, "art"),
    Choice("c", 2, "ball"),
]


def test_da_serves_in_priority_order_each_taking_best_free_seat():
    result = allocate(OFFERS, WANTS, PRIO, seed="any")
    # a takes art; b finds art full, takes chess; c finds art full, takes ball.
    assert _rows(result) == [("a", "art", 1), ("b", "chess", 2), ("c", "ball", 2)]
    s = result.summary
    assert (s["students"], s["assigned"], s["first_choice"], s["unassigned"]) == (3, 3, 1, 0)
    assert (s["seats"], s["seats_filled"]) == (4, 3)
    # R = 3: welfare = 3 + 2 + 2.
    assert s["welfare"] == 7
    # Waitlist: b and c ranked art above what they got, in service order.
    assert [(w.offering_id, w.position, w.student_id) for w in result.waitlist] == [
        ("art", 1, "b"),
        ("art", 2, "c"),
    ]


def test_draft_second_round_runs_in_reverse_and_respects_slots():
    result = allocate(OFFERS, WANTS, PRIO, seed="any", max_courses=2)
    assert result.method == "draft"
    # Round 1 (a, b, c): a art, b chess, c ball.
    # Round 2 (c, b, a): c has nothing left (art full); b: art full, chess held -> skips;
    # a: ball full, chess has a seat and no slot -> chess.
    assert _rows(result) == [
        ("a", "art", 1),
        ("a", "chess", 3),
        ("b", "chess", 2),
        ("c", "ball", 2),
    ]
    assert result.summary["welfare"] == 3 + 1 + 2 + 2


def test_draft_never_gives_two_offerings_in_one_slot():
    offers = [Offering("x", 5, "tue"), Offering("y", 5, "tue"), Offering("z", 5, "wed")]
    wants = [Choice("a", 1, "x"), Choice("a", 2, "y"), Choice("a", 3, "z")]
    result = allocate(offers, wants, {}, seed="s", max_courses=3)
    assert _rows(result) == [("a", "x", 1), ("a", "z", 3)]


def test_max_welfare_beats_the_lottery_when_an_early_student_blocks_a_seat():
    offers = [Offering("p", 1), Offering("q", 1)]
    # a (served first) wants p then q; b wants only p. da: a gets p, b nothing (welfare 2).
    wants = [Choice("a", 1, "p"), Choice("a", 2, "q"), Choice("b", 1, "p")]
    da = allocate(offers, wants, {"a": 1}, seed="s")
    assert _rows(da) == [("a", "p", 1)]
    assert da.summary["welfare"] == 2
    best = allocate(offers, wants, {"a": 1}, seed="s", method="max-welfare")
    assert _rows(best) == [("a", "q", 2), ("b", "p", 1)]
    assert best.summary["welfare"] == 1 + 2


def test_max_welfare_breaks_ties_towards_the_service_order():
    offers = [Offering("p", 1)]
    wants = [Choice("a", 1, "p"), Choice("b", 1, "p")]
    assert _rows(allocate(offers, wants, {"b": 1}, seed="s", method="max-welfare")) == [
        ("b", "p", 1)
    ]
    assert _rows(allocate(offers, wants, {"a": 1}, seed="s", method="max-welfare")) == [
        ("a", "p", 1)
    ]


def test_student_with_priority_but_no_choices_counts_as_unassigned():
    result = allocate([Offering("p", 1)], [Choice("a", 1, "p")], {"z": 5}, seed="s")
    assert result.summary["students"] == 2
    assert result.summary["unassigned"] == 1


def test_zero_capacity_offering_puts_everyone_on_its_waitlist():
    offers = [Offering("full", 0), Offering("open", 1)]
    wants = [Choice("a", 1, "full"), Choice("a", 2, "open"), Choice("b", 1, "full")]
    result = allocate(offers, wants, {"a": 1}, seed="s")
    assert _rows(result) == [("a", "open", 2)]
    assert [(w.offering_id, w.student_id) for w in result.waitlist] == [
        ("full", "a"),
        ("full", "b"),
    ]


def test_output_bytes_are_sorted_by_student_then_rank_and_quote_commas():
    offers = [Offering("o,1", 2), Offering("o2", 2, "mon")]
    wants = [
        Choice("b", 2, "o,1"),
        Choice("b", 1, "o2"),
        Choice('a"x', 1, "o,1"),
    ]
    result = allocate(offers, wants, {}, seed="s", max_courses=2)
    assert result.out_bytes() == (
        b'student_id,offering_id,rank\n"a""x","o,1",1\nb,o2,1\nb,"o,1",2\n'
    )
    assert result.summary["result_sha256"] == hashlib.sha256(result.out_bytes()).hexdigest()


def test_da_requires_k_one_and_unknown_method_is_an_input_error():
    with pytest.raises(InputError, match="da needs"):
        allocate(OFFERS, WANTS, {}, seed="s", max_courses=2, method="da")
    with pytest.raises(InputError, match="unknown method"):
        allocate(OFFERS, WANTS, {}, seed="s", method="boston")
    with pytest.raises(InputError, match="≥ 1"):
        allocate(OFFERS, WANTS, {}, seed="s", max_courses=0)


def test_different_seeds_usually_give_different_results():
    offers = [Offering(f"o{i}", 2) for i in range(5)]
    wants = [Choice(f"s{s}", r + 1, f"o{(s + r) % 5}") for s in range(30) for r in range(3)]
    hashes = {allocate(offers, wants, {}, seed=f"seed-{i}").result_sha256 for i in range(20)}
    assert len(hashes) >= 15


# ---------------------------------------------------------------- properties


@st.composite
def instances(draw):
    n_off = draw(st.integers(1, 6))
    offerings = [
        Offering(
            f"o{i}",
            draw(st.integers(0, 3)),
            draw(st.sampled_from([None, "mon-1", "mon-2", "tue-1"])),
        )
        for i in range(n_off)
    ]
    gap = draw(st.sampled_from([1, 1, 2]))  # sometimes ranks 2, 4, 6 (gaps are allowed)
    choices = []
    for s in range(draw(st.integers(0, 9))):
        picks = draw(st.lists(st.integers(0, n_off - 1), unique=True, max_size=n_off))
        choices += [Choice(f"s{s}", gap * r, f"o{o}") for r, o in enumerate(picks, 1)]
    priorities = draw(
        st.dictionaries(
            st.sampled_from([f"s{i}" for i in range(11)]), st.integers(0, 2), max_size=4
        )
    )
    seed = draw(st.text(max_size=6))
    return offerings, draw(st.permutations(choices)), priorities, seed


def _check_limits(offerings, choices, k, rows):
    cap = {o.offering_id: o.capacity for o in offerings}
    slot = {o.offering_id: (o.slot or f"own:{o.offering_id}") for o in offerings}
    ranked = {(c.student_id, c.offering_id): c.rank for c in choices}
    per_offering, per_student, per_slot = defaultdict(int), defaultdict(int), set()
    for s, o, rank in rows:
        assert ranked[(s, o)] == rank
        per_offering[o] += 1
        per_student[s] += 1
        assert (s, slot[o]) not in per_slot
        per_slot.add((s, slot[o]))
    assert all(per_offering[o] <= cap[o] for o in per_offering)
    assert all(v <= k for v in per_student.values())


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(instances(), st.integers(1, 3), st.sampled_from(["draft", "max-welfare"]))
def test_capacity_k_and_slots_are_never_exceeded(inst, k, method):
    offerings, choices, priorities, seed = inst
    result = allocate(offerings, choices, priorities, seed=seed, max_courses=k, method=method)
    _check_limits(offerings, choices, k, _rows(result))
    _check_limits(offerings, choices, 1, _rows(allocate(offerings, choices, priorities, seed)))


@SETTINGS
@given(instances())
def test_da_equals_serial_dictatorship_in_service_order(inst):
    offerings, choices, priorities, seed = inst
    result = allocate(offerings, choices, priorities, seed=seed)
    assert _rows(result) == reference_serial_dictatorship(offerings, choices, priorities, seed)


@SETTINGS
@given(instances(), st.integers(1, 3))
def test_draft_equals_a_plain_reference_draft(inst, k):
    offerings, choices, priorities, seed = inst
    result = allocate(offerings, choices, priorities, seed=seed, max_courses=k, method="draft")
    assert _rows(result) == reference_draft(offerings, choices, priorities, seed, k)


@SETTINGS
@given(instances(), st.integers(1, 3))
def test_max_welfare_is_optimal_and_never_below_da_or_draft(inst, k):
    offerings, choices, priorities, seed = inst
    best = allocate(offerings, choices, priorities, seed, max_courses=k, method="max-welfare")
    assert best.summary["welfare"] == milp_best_welfare(offerings, choices, k)
    draft = allocate(offerings, choices, priorities, seed, max_courses=k, method="draft")
    assert best.summary["welfare"] >= draft.summary["welfare"]
    if k == 1:
        da = allocate(offerings, choices, priorities, seed)
        assert best.summary["welfare"] >= da.summary["welfare"]


@SETTINGS
@given(instances(), st.integers(1, 2), st.sampled_from(["draft", "max-welfare"]))
def test_same_seed_same_bytes_whatever_the_input_order(inst, k, method):
    offerings, choices, priorities, seed = inst
    a = allocate(offerings, choices, priorities, seed, max_courses=k, method=method)
    b = allocate(offerings[::-1], choices[::-1], priorities, seed, max_courses=k, method=method)
    assert a.out_bytes() == b.out_bytes()
    assert a.waitlist_bytes() == b.waitlist_bytes()
    assert a.summary == b.summary


@SETTINGS
@given(instances(), st.integers(1, 2))
def test_every_waitlisted_student_ranked_the_offering_above_their_result(inst, k):
    offerings, choices, priorities, seed = inst
    method = "da" if k == 1 else "draft"
    result = allocate(offerings, choices, priorities, seed, max_courses=k, method=method)
    ranked = {(c.student_id, c.offering_id): c.rank for c in choices}
    held = defaultdict(list)
    for s, _o, rank in _rows(result):
        held[s].append(rank)
    order = _service_order(choices, priorities, seed)
    by_offering = defaultdict(list)
    for w in result.waitlist:
        by_offering[w.offering_id].append(w)
        rank = ranked[(w.student_id, w.offering_id)]
        mine = held[w.student_id]
        assert len(mine) < k or rank < max(mine)
        assert (w.student_id, w.offering_id) not in {(s, o) for s, o, _ in _rows(result)}
    for entries in by_offering.values():
        assert [w.position for w in entries] == list(range(1, len(entries) + 1))
        positions = [order.index(w.student_id) for w in entries]
        assert positions == sorted(positions)
    if k == 1:
        # Everyone who did not get an offering they ranked above their result is listed.
        expected = {(o, s) for (s, o), rank in ranked.items() if not held[s] or rank < held[s][0]}
        assert {(w.offering_id, w.student_id) for w in result.waitlist} == expected


# ---------------------------------------------------------------- the command


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def files(tmp_path):
    return {
        "offerings": _write(
            tmp_path / "offerings.csv",
            "offering_id,capacity,slot\nart,1,mon\nball,1,mon\nchess,2,\n",
        ),
        "choices": _write(
            tmp_path / "choices.csv",
            "student_id,rank,offering_id\na,1,art\na,2,ball\na,3,chess\nb,1,art\nb,2,chess\n"
            "c,1,art\nc,2,ball\n",
        ),
        "students": _write(tmp_path / "students.csv", "student_id,priority\na,3\nb,2\nc,1\n"),
    }


def _argv(files, tmp_path, *extra):
    return [
        "allocate",
        "--offerings",
        files["offerings"],
        "--choices",
        files["choices"],
        "--students",
        files["students"],
        "--seed",
        "any",
        "--out",
        str(tmp_path / "out.csv"),
        "--waitlist",
        str(tmp_path / "waitlist.csv"),
        *extra,
    ]


def _summary(capsys):
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_cli_writes_the_same_bytes_as_the_python_api(files, tmp_path, capsys):
    assert cli.main(_argv(files, tmp_path)) == 0
    summary = _summary(capsys)
    out = (tmp_path / "out.csv").read_bytes()
    assert out == b"student_id,offering_id,rank\na,art,1\nb,chess,2\nc,ball,2\n"
    assert (tmp_path / "waitlist.csv").read_bytes() == (
        b"offering_id,position,student_id\nart,1,b\nart,2,c\n"
    )
    api = allocate(OFFERS, WANTS, PRIO, seed="any")
    assert summary == api.summary
    assert summary["result_sha256"] == hashlib.sha256(out).hexdigest()
    assert list(summary) == [
        "students",
        "assigned",
        "first_choice",
        "unassigned",
        "seats",
        "seats_filled",
        "welfare",
        "seed_commitment",
        "result_sha256",
    ]
    assert summary["seed_commitment"] == hashlib.sha256(b"any").hexdigest()


def test_cli_reads_untidy_csv_and_xlsx_to_the_same_result(files, tmp_path, capsys):
    import openpyxl

    assert cli.main(_argv(files, tmp_path)) == 0
    clean = (tmp_path / "out.csv").read_bytes()
    # Spaces and quotes take the careful reader; the result must not change.
    _write(
        Path(files["choices"]),
        'student_id, rank ,offering_id\n"a",1,art\na, 2,ball\na,3,chess\nb,1,art\nb,2,chess\n'
        "c,1,art\nc,2, ball\n",
    )
    assert cli.main(_argv(files, tmp_path)) == 0
    assert (tmp_path / "out.csv").read_bytes() == clean
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [
        ("offering_id", "capacity", "slot"),
        ("art", 1, "mon"),
        ("ball", 1, "mon"),
        ("chess", 2, None),
    ]:
        sheet.append(row)
    book.save(tmp_path / "offerings.xlsx")
    files["offerings"] = str(tmp_path / "offerings.xlsx")
    assert cli.main(_argv(files, tmp_path)) == 0
    assert (tmp_path / "out.csv").read_bytes() == clean
    capsys.readouterr()


def test_full_width_spaces_are_trimmed_like_ascii_ones(tmp_path, capsys):
    offerings = _write(tmp_path / "o.csv", "offering_id,capacity\n书法,1\n围棋,1\n")
    clean = _write(tmp_path / "c1.csv", "student_id,rank,offering_id\n学生1,1,书法\n学生2,1,书法\n")
    # A full-width space (U+3000) after an id, as Chinese spreadsheets often have.
    untidy = _write(
        tmp_path / "c2.csv", "student_id,rank,offering_id\n学生1\u3000,1,书法\n学生2,1,书法\n"
    )
    outs = []
    for choices in (clean, untidy):
        argv = ["allocate", "--offerings", offerings, "--choices", choices, "--seed", "s"]
        assert cli.main([*argv, "--out", str(tmp_path / "out.csv")]) == 0
        outs.append((tmp_path / "out.csv").read_bytes())
    assert outs[0] == outs[1]
    assert "学生1\u3000".encode() not in outs[1]
    capsys.readouterr()


def test_priorities_file_is_optional_and_priority_column_defaults_to_zero(files, tmp_path, capsys):
    argv = _argv(files, tmp_path)
    i = argv.index("--students")
    del argv[i : i + 2]
    assert cli.main(argv) == 0
    no_file = _summary(capsys)
    _write(Path(files["students"]), "student_id\na\nb\nc\n")
    assert cli.main(_argv(files, tmp_path)) == 0
    assert _summary(capsys) == no_file


BAD_INPUTS = [
    (
        "choices",
        "student_id,offering_id\na,art\n",
        "choices.csv, row 1, column 'rank': missing column",
    ),
    (
        "choices",
        "student_id,rank,offering_id\na,first,art\n",
        "row 2, column 'rank': expected an integer",
    ),
    (
        "choices",
        "student_id,rank,offering_id\na,1,art\na,2,golf\n",
        "row 3, column 'offering_id': unknown offering 'golf'",
    ),
    (
        "choices",
        "student_id,rank,offering_id\na,1,art\nb,1,art\na,2,art\n",
        "row 4, column 'offering_id': duplicate choice",
    ),
    (
        "choices",
        "student_id,rank,offering_id\na,1,art\na,1,ball\n",
        "row 3, column 'rank': rank 1 used twice",
    ),
    ("choices", "student_id,rank,offering_id\na,0,art\n", "row 2, column 'rank'"),
    ("choices", "student_id,rank,offering_id\n,1,art\n", "row 2, column 'student_id': empty value"),
    (
        "offerings",
        "offering_id,capacity\nart,-1\nball,1\nchess,1\n",
        "offerings.csv, row 2, column 'capacity'",
    ),
    (
        "offerings",
        "offering_id,capacity\nart,1\nart,2\nball,1\nchess,1\n",
        "row 3, column 'offering_id': duplicate",
    ),
    (
        "offerings",
        "offering_id,capacity\nart,1.5\nball,1\nchess,1\n",
        "row 2, column 'capacity': expected an integer",
    ),
    (
        "students",
        "student_id,priority\na,1\na,2\n",
        "students.csv, row 3, column 'student_id': duplicate",
    ),
    ("students", "student_id,priority\na,high\n", "row 2, column 'priority'"),
]


@pytest.mark.parametrize(("which", "text", "message"), BAD_INPUTS)
def test_bad_input_exits_2_naming_file_row_column_and_writes_nothing(
    files, tmp_path, capsys, which, text, message
):
    _write(Path(files[which]), text)
    assert cli.main(_argv(files, tmp_path)) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out.csv").exists()
    assert not (tmp_path / "waitlist.csv").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--max-courses", "0"], "must be ≥ 1"),
        (["--max-courses", "2", "--method", "da"], "da needs --max-courses 1"),
        (["--method", "boston"], "unknown method 'boston'"),
    ],
)
def test_impossible_parameters_exit_2_and_write_nothing(files, tmp_path, capsys, extra, message):
    assert cli.main(_argv(files, tmp_path, *extra)) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


def test_bad_input_leaves_an_existing_output_untouched(files, tmp_path, capsys):
    (tmp_path / "out.csv").write_bytes(b"old")
    _write(Path(files["offerings"]), "offering_id,capacity\nart,-3\n")
    assert cli.main(_argv(files, tmp_path)) == 2
    assert (tmp_path / "out.csv").read_bytes() == b"old"
    capsys.readouterr()


def test_the_installed_command_runs_end_to_end(files, tmp_path):
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "junheng.cli", *_argv(files, tmp_path, "--max-courses", "2")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["seats_filled"] == 4
    assert (
        summary["result_sha256"] == hashlib.sha256((tmp_path / "out.csv").read_bytes()).hexdigest()
    )
    rows = io.StringIO((tmp_path / "out.csv").read_text()).read().splitlines()
    assert rows[0] == "student_id,offering_id,rank"
