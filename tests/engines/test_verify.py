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
    with pytest.raises(SystemExit) as exc:
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
    with pytest.raises(SystemExit) as exc:
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
    with pytest.raises(SystemExit) as exc:
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
