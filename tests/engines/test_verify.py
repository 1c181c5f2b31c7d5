"""`junheng verify`: re-running a published draw from its files and revealed seed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from junheng import cli


@pytest.fixture
def draw(tmp_path, capsys):
    (tmp_path / "offerings.csv").write_text("offering_id,capacity,slot\nart,1,mon\nball,2,tue\n")
    (tmp_path / "choices.csv").write_text(
        "student_id,rank,offering_id\n"
        "s1,1,art\ns1,2,ball\ns2,1,art\ns2,2,ball\ns3,1,art\ns4,1,ball\ns4,2,art\n"
    )
    (tmp_path / "students.csv").write_text("student_id,priority\ns3,1\n")
    files = [
        "--offerings",
        str(tmp_path / "offerings.csv"),
        "--choices",
        str(tmp_path / "choices.csv"),
        "--students",
        str(tmp_path / "students.csv"),
        "--seed",
        "秋季-2025",
        "--max-courses",
        "2",
    ]
    assert cli.main(["allocate", *files, "--out", str(tmp_path / "published.csv")]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    return tmp_path, files, summary


def _last_json(text):
    return json.loads(text.strip().splitlines()[-1])


def test_verify_reproduces_the_published_hash_and_commitment(draw, capsys):
    tmp_path, files, published = draw
    argv = [
        "verify",
        *files,
        "--expect-sha256",
        published["result_sha256"],
        "--commitment",
        published["seed_commitment"],
    ]
    assert cli.main(argv) == 0
    summary = _last_json(capsys.readouterr().out)
    assert summary == {
        "ok": True,
        "seed_commitment": hashlib.sha256("秋季-2025".encode()).hexdigest(),
        "commitment_ok": True,
        "result_sha256": published["result_sha256"],
        "expected_sha256": published["result_sha256"],
    }
    # Nothing written without --out.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "choices.csv",
        "offerings.csv",
        "published.csv",
        "students.csv",
    ]


def test_verify_without_commitment_reports_null(draw, capsys):
    _tmp, files, published = draw
    assert cli.main(["verify", *files, "--expect-sha256", published["result_sha256"]]) == 0
    summary = _last_json(capsys.readouterr().out)
    assert summary["ok"] is True
    assert summary["commitment_ok"] is None


def test_verify_exits_1_when_the_hash_differs(draw, capsys):
    _tmp, files, published = draw
    wrong = "0" * 64
    with pytest.raises(SystemExit, match="^1$") as exc:
        cli.main(["verify", *files, "--expect-sha256", wrong])
    assert exc.value.code == 1
    summary = _last_json(capsys.readouterr().out)
    assert summary["ok"] is False
    assert summary["expected_sha256"] == wrong
    assert summary["result_sha256"] == published["result_sha256"]


def test_verify_exits_1_when_the_seed_does_not_match_the_commitment(draw, capsys):
    _tmp, files, published = draw
    argv = [
        "verify",
        *files,
        "--expect-sha256",
        published["result_sha256"],
        "--commitment",
        hashlib.sha256(b"another seed").hexdigest(),
    ]
    with pytest.raises(SystemExit, match="^1$") as exc:
        cli.main(argv)
    assert exc.value.code == 1
    summary = _last_json(capsys.readouterr().out)
    assert summary["commitment_ok"] is False
    assert summary["ok"] is False


def test_verify_detects_a_changed_input_file(draw, capsys):
    tmp_path, files, published = draw
    # Someone quietly gave art a second seat after the draw.
    offerings = Path(tmp_path / "offerings.csv")
    offerings.write_text(offerings.read_text().replace("art,1,mon", "art,2,mon"))
    with pytest.raises(SystemExit, match="^1$") as exc:
        cli.main(["verify", *files, "--expect-sha256", published["result_sha256"]])
    assert exc.value.code == 1
    capsys.readouterr()


def test_verify_writes_the_result_when_asked(draw, capsys):
    tmp_path, files, published = draw
    out = tmp_path / "rerun.csv"
    argv = ["verify", *files, "--expect-sha256", published["result_sha256"], "--out", str(out)]
    assert cli.main(argv) == 0
    assert out.read_bytes() == (tmp_path / "published.csv").read_bytes()
    capsys.readouterr()


def test_verify_bad_input_exits_2(draw, capsys):
    tmp_path, files, published = draw
    (tmp_path / "offerings.csv").write_text("offering_id,capacity\nart,-1\nball,2\n")
    assert cli.main(["verify", *files, "--expect-sha256", published["result_sha256"]]) == 2
    assert "offerings.csv, row 2, column 'capacity'" in capsys.readouterr().err


def test_verify_as_a_process_exits_1_on_mismatch(draw):
    import subprocess
    import sys

    _tmp, files, _published = draw
    proc = subprocess.run(
        [sys.executable, "-m", "junheng.cli", "verify", *files, "--expect-sha256", "ab" * 32],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert _last_json(proc.stdout)["ok"] is False


# --------------------------------------------------------------------------- the seed rule


def _inputs_hash(tmp_path, names):
    from junheng.engines.lottery import file_sha256, inputs_sha256

    return inputs_sha256([file_sha256((tmp_path / n).read_bytes()) for n in names])


@pytest.fixture
def ruled(tmp_path, capsys):
    """A draw run the platform's way: the final seed from the committed seed, the files' hash
    and the entropy; published with those parts."""
    from junheng.engines.lottery import final_seed

    (tmp_path / "offerings.csv").write_text("offering_id,capacity,slot\nart,1,mon\nball,1,tue\n")
    kids = ["K7QM-2XD9", "M0ZT-88AB", "R5VH-3C1N", "T2WB-6YQE", "X4HN-0PDS"]
    (tmp_path / "choices.csv").write_text(
        "student_id,rank,offering_id\n" + "".join(f"{k},1,art\n{k},2,ball\n" for k in kids)
    )
    (tmp_path / "students.csv").write_text("student_id,priority\nM0ZT-88AB,0\n")
    names = ["offerings.csv", "choices.csv", "students.csv"]
    inputs = _inputs_hash(tmp_path, names)
    seed = final_seed("committed", inputs, "17 42 08")
    files = [
        "--offerings",
        str(tmp_path / "offerings.csv"),
        "--choices",
        str(tmp_path / "choices.csv"),
        "--students",
        str(tmp_path / "students.csv"),
    ]
    assert cli.main(["allocate", *files, "--seed", seed, "--out", str(tmp_path / "pub.csv")]) == 0
    published = _last_json(capsys.readouterr().out)
    return tmp_path, files, inputs, seed, published


def test_verify_from_the_parts_shows_the_combination_and_matches(ruled, capsys):
    _tmp, files, inputs, seed, published = ruled
    argv = ["verify", *files, "--committed-seed", "committed", "--entropy", "17 42 08"]
    argv += ["--inputs-sha256", inputs, "--expect-sha256", published["result_sha256"]]
    argv += ["--commitment", hashlib.sha256(b"committed").hexdigest()]
    assert cli.main(argv) == 0
    out = capsys.readouterr()
    summary = _last_json(out.out)
    assert summary == {
        "ok": True,
        "seed_commitment": hashlib.sha256(b"committed").hexdigest(),
        "commitment_ok": True,
        "committed_seed": "committed",
        "inputs_sha256": inputs,
        "inputs_sha256_files": inputs,
        "inputs_ok": True,
        "entropy": "17 42 08",
        "seed": seed,
        "result_sha256": published["result_sha256"],
        "expected_sha256": published["result_sha256"],
    }
    assert f"sha256(committed:{inputs}:17 42 08) = {seed}" in out.err
    assert "sha256(sha256(offerings.csv):sha256(choices.csv):sha256(students.csv))" in out.err


def test_verify_computes_the_inputs_hash_when_it_is_not_given(ruled, capsys):
    _tmp, files, inputs, seed, published = ruled
    argv = ["verify", *files, "--committed-seed", "committed", "--entropy", "17 42 08"]
    assert cli.main([*argv, "--expect-sha256", published["result_sha256"]]) == 0
    summary = _last_json(capsys.readouterr().out)
    assert summary["inputs_sha256"] == inputs and summary["inputs_ok"] is None
    assert summary["seed"] == seed


def test_verify_with_another_entropy_gives_another_draw(ruled, capsys):
    _tmp, files, _inputs, seed, published = ruled
    argv = ["verify", *files, "--committed-seed", "committed", "--entropy", "17 42 09"]
    with pytest.raises(SystemExit, match="^1$") as exc:
        cli.main([*argv, "--expect-sha256", published["result_sha256"]])
    assert exc.value.code == 1
    summary = _last_json(capsys.readouterr().out)
    assert summary["ok"] is False and summary["seed"] != seed


def test_verify_refuses_files_that_are_not_the_frozen_inputs(ruled, capsys):
    tmp_path, files, inputs, _seed, published = ruled
    # A choice added after the inputs were frozen: the files' hash differs from the published.
    with open(tmp_path / "choices.csv", "a") as fh:
        fh.write("Z9Z9-Z9Z9,1,ball\n")
    argv = ["verify", *files, "--committed-seed", "committed", "--entropy", "17 42 08"]
    argv += ["--inputs-sha256", inputs, "--expect-sha256", published["result_sha256"]]
    with pytest.raises(SystemExit, match="^1$") as exc:
        cli.main(argv)
    assert exc.value.code == 1
    summary = _last_json(capsys.readouterr().out)
    assert summary["inputs_ok"] is False and summary["ok"] is False


@pytest.mark.parametrize(
    "extra",
    [
        ["--seed", "s", "--entropy", "1"],  # entropy is a part of the rule, not of --seed
        ["--committed-seed", "s"],  # the rule needs its entropy
        ["--seed", "s", "--committed-seed", "t", "--entropy", "1"],  # one or the other
    ],
)
def test_verify_seed_options_that_do_not_go_together_exit_2(ruled, capsys, extra):
    _tmp, files, _inputs, _seed, published = ruled
    with pytest.raises(SystemExit, match="^2$") as exc:
        cli.main(["verify", *files, *extra, "--expect-sha256", published["result_sha256"]])
    assert exc.value.code == 2
    capsys.readouterr()


def test_verify_a_class_placement_from_its_parts(tmp_path, capsys):
    from junheng.engines.lottery import final_seed

    rows = [f"A{i:03d},{'FM'[i % 2]},{60 + i % 37}" for i in range(24)]
    (tmp_path / "students.csv").write_text("student_id,gender,score\n" + "\n".join(rows) + "\n")
    inputs = _inputs_hash(tmp_path, ["students.csv"])
    seed = final_seed("committed", inputs, "05 11 29")
    cohort = ["--students", str(tmp_path / "students.csv"), "--classes", "3"]
    out = str(tmp_path / "classes.csv")
    assert cli.main(["place", *cohort, "--seed", seed, "--out", out]) == 0
    published = _last_json(capsys.readouterr().out)
    argv = ["verify", "--engine", "place", *cohort, "--committed-seed", "committed"]
    argv += ["--entropy", "05 11 29", "--inputs-sha256", inputs]
    argv += ["--expect-sha256", published["result_sha256"], "--out", str(tmp_path / "re.csv")]
    assert cli.main(argv) == 0
    summary = _last_json(capsys.readouterr().out)
    assert summary["ok"] is True and summary["seed"] == seed
    assert (tmp_path / "re.csv").read_bytes() == (tmp_path / "classes.csv").read_bytes()
    # the plain --seed path works for placements too
    argv = ["verify", "--engine", "place", *cohort, "--seed", seed]
    assert cli.main([*argv, "--expect-sha256", published["result_sha256"]]) == 0
    assert set(_last_json(capsys.readouterr().out)) == {
        "ok",
        "seed_commitment",
        "commitment_ok",
        "result_sha256",
        "expected_sha256",
    }


def test_verify_place_needs_its_classes(tmp_path, capsys):
    (tmp_path / "students.csv").write_text("student_id,gender\nA1,F\n")
    with pytest.raises(SystemExit, match="^2$") as exc:
        cli.main(
            ["verify", "--engine", "place", "--students", str(tmp_path / "students.csv")]
            + ["--seed", "s", "--expect-sha256", "0" * 64]
        )
    assert exc.value.code == 2
    assert "--classes is required" in capsys.readouterr().err
