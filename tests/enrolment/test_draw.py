"""The public draw: stored hash equals `junheng verify`, commitment, seed hidden until reveal."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shlex

import pytest

from junheng import cli
from junheng.engines.lottery import (
    file_sha256,
    final_seed,
    inputs_sha256,
    lottery_key,
    seed_commitment,
)
from junheng.enrolment import actions
from junheng.enrolment.models import (
    Draw,
    DrawAdjustment,
    Enrolment,
    Ranking,
    WaitlistEntry,
    WaitlistOffer,
    WindowState,
)
from junheng.errors import ActionError
from tests.conftest import ENTROPY
from tests.enrolment.conftest import close_and_draw, rank_all

WANTS = {
    0: ["chess", "choir"],
    1: ["chess", "choir"],
    2: ["chess"],
    3: ["choir", "chess"],
    4: ["chess", "choir"],
    5: ["choir"],
    6: ["chess", "choir"],
}


def write_files(draw, folder):
    paths = {}
    for name in ("offerings", "choices", "students"):
        p = folder / f"{name}.csv"
        p.write_bytes(draw.file_bytes(name))
        paths[name] = str(p)
    return paths


def _verify(files, *parts):
    return [
        "verify",
        "--offerings",
        files["offerings"],
        "--choices",
        files["choices"],
        "--students",
        files["students"],
        *parts,
    ]


def test_stored_hash_equals_junheng_verify_and_allocate_on_the_stored_files(
    window, market, users, tmp_path, capsys
):
    rank_all(window, market, WANTS)
    draw = close_and_draw(window, users, publish=False)
    assert window.state == WindowState.DRAWN
    assert draw.result_sha256 and draw.revealed
    f = write_files(draw, tmp_path)
    frozen = inputs_sha256(
        [file_sha256(draw.file_bytes(n)) for n in ("offerings", "choices", "students")]
    )
    assert draw.inputs_sha256 == frozen and draw.entropy == ENTROPY
    assert draw.final_seed == final_seed(draw.seed, frozen, ENTROPY)
    parts = ["--committed-seed", draw.seed, "--entropy", ENTROPY, "--inputs-sha256", frozen]
    rc = cli.main(
        _verify(f, *parts, "--max-courses", "1", "--method", "da")
        + ["--expect-sha256", draw.result_sha256, "--commitment", draw.seed_commitment]
    )
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert rc == 0 and summary["ok"] is True and summary["commitment_ok"] is True
    assert summary["inputs_ok"] is True and summary["seed"] == draw.final_seed
    # The plain path: the engine run with the final seed gives the same bytes.
    out = tmp_path / "out.csv"
    wl = tmp_path / "wl.csv"
    argv = ["allocate", *_verify(f)[1:], "--seed", draw.final_seed]
    assert cli.main([*argv, "--out", str(out), "--waitlist", str(wl)]) == 0
    assert out.read_bytes() == draw.file_bytes("out")
    assert wl.read_bytes() == draw.file_bytes("waitlist")
    # What is stored as rows is what the file says (children by their pseudonym).
    lines = draw.file_bytes("out").decode().splitlines()[1:]
    alias = dict(Ranking.objects.filter(window=window).values_list("student_id", "pseudonym"))
    rows = sorted(
        (alias[e.student_id], e.offering.engine_id, str(e.rank))
        for e in Enrolment.objects.filter(window=window)
    )
    assert rows == sorted(tuple(line.split(",")) for line in lines)
    assert len(rows) == 4  # 2 chess + 2 choir seats, 7 children


def test_a_wrong_seed_does_not_verify(window, market, users, tmp_path, capsys):
    rank_all(window, market, WANTS)
    draw = close_and_draw(window, users, publish=False)
    f = write_files(draw, tmp_path)
    argv = _verify(f, "--committed-seed", draw.seed + "x", "--entropy", ENTROPY)
    try:
        cli.main(
            argv + ["--expect-sha256", draw.result_sha256, "--commitment", draw.seed_commitment]
        )
    except SystemExit as stop:
        assert stop.code == 1
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["commitment_ok"] is False and summary["ok"] is False


def test_changing_the_public_entropy_changes_the_draw(window, market, users, tmp_path, capsys):
    # Fixed seed and pseudonyms, so that the two entropies below are known to differ here.
    Draw.objects.filter(window=window).update(
        seed="committed-seed", seed_commitment=seed_commitment("committed-seed")
    )
    rank_all(window, market, {i: ["chess", "choir"] for i in range(7)})
    for i, r in enumerate(Ranking.objects.filter(window=window).order_by("student__code")):
        r.pseudonym = f"TEST-000{i}"
        r.save(update_fields=["pseudonym"])
    draw = close_and_draw(window, users, publish=False)
    f = write_files(draw, tmp_path)
    results = {}
    for entropy in (ENTROPY, "17 42 08 94"):
        argv = _verify(f, "--committed-seed", "committed-seed", "--entropy", entropy)
        try:
            cli.main(argv + ["--expect-sha256", draw.result_sha256])
        except SystemExit as stop:
            assert stop.code == 1
        results[entropy] = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert results[ENTROPY]["ok"] is True
    changed = results["17 42 08 94"]
    assert changed["ok"] is False and changed["seed"] != draw.final_seed
    assert changed["result_sha256"] != draw.result_sha256
    # Every child's lottery key moves with the entropy.
    other = final_seed("committed-seed", draw.inputs_sha256, "17 42 08 94")
    for alias in Ranking.objects.filter(window=window).values_list("pseudonym", flat=True):
        assert lottery_key(other, alias) != lottery_key(draw.final_seed, alias)


def test_commitment_published_at_opening_matches_the_revealed_seed(window, market, users):
    draw = Draw.objects.get(window=window)
    before = draw.seed_commitment
    assert draw.revealed_at is None and len(draw.seed) == 32
    rank_all(window, market, WANTS)
    draw = close_and_draw(window, users)
    assert draw.seed_commitment == before == seed_commitment(draw.seed)


def test_public_page_hides_the_seed_before_the_draw_and_shows_it_after(
    window, market, users, client
):
    draw = Draw.objects.get(window=window)
    rank_all(window, market, WANTS)
    page = client.get(f"/enrolment/draws/{draw.pk}/").content.decode()
    assert draw.seed_commitment in page and draw.seed not in page
    assert client.get(f"/enrolment/draws/{draw.pk}/choices.csv").status_code == 404
    close_and_draw(window, users)
    draw.refresh_from_db()
    page = client.get(f"/enrolment/draws/{draw.pk}/").content.decode()
    for part in (draw.seed, draw.inputs_sha256, ENTROPY, draw.final_seed, draw.result_sha256):
        assert part in page
    assert f"--expect-sha256 {draw.result_sha256}" in page
    body = client.get(f"/enrolment/draws/{draw.pk}/choices.csv").content
    assert body == draw.file_bytes("choices")


def _public_parts(client, draw):
    page = client.get(f"/enrolment/draws/{draw.pk}/").content.decode()
    command = html.unescape(re.search(r'data-testid="verify-command">([^<]*)<', page).group(1))
    files = {n: client.get(f"/enrolment/draws/{draw.pk}/{n}.csv").content for n in Draw.FILES}
    return page, command, files


def test_public_draw_files_contain_no_student_code_of_the_school(window, market, users, client):
    from junheng.region.models import Student

    for i in (2, 4):  # priority children: the rows that must not be linkable to a child
        market["kids"][i].left_behind = True
        market["kids"][i].save()
    rank_all(window, market, WANTS)
    draw = close_and_draw(window, users)
    page, _command, files = _public_parts(client, draw)
    text = page + "".join(b.decode() for b in files.values())
    codes = list(Student.objects.filter(school=market["school"]).values_list("code", flat=True))
    assert len(codes) >= 7 and [c for c in codes if c in text] == []
    for kid in market["kids"]:
        assert kid.name not in text
    aliases = set(Ranking.objects.filter(window=window).values_list("pseudonym", flat=True))
    listed = {line.split(",")[0] for line in files["choices"].decode().splitlines()[1:]}
    assert listed == aliases and len(aliases) == 7


def test_verify_from_the_public_page_reproduces_the_hash(
    window, market, users, client, tmp_path, monkeypatch, capsys
):
    rank_all(window, market, WANTS)
    draw = close_and_draw(window, users)
    _page, command, files = _public_parts(client, draw)
    for name, data in files.items():
        (tmp_path / f"{name}.csv").write_bytes(data)
    monkeypatch.chdir(tmp_path)
    argv = shlex.split(command)
    assert argv[:2] == ["junheng", "verify"] and "--committed-seed" in argv
    capsys.readouterr()
    assert cli.main(argv[1:]) == 0
    out = capsys.readouterr()
    summary = json.loads(out.out.strip().splitlines()[-1])
    assert summary["ok"] is True and summary["commitment_ok"] is True
    assert summary["inputs_ok"] is True and summary["entropy"] == ENTROPY
    assert summary["seed"] == draw.final_seed
    assert summary["result_sha256"] == draw.result_sha256
    assert f"= {draw.final_seed}" in out.err  # the combination, shown step by step


def test_pseudonyms_differ_between_draws_and_families_see_their_own(window, market, users, client):
    from junheng.enrolment.models import ChoiceWindow

    rankings = rank_all(window, market, WANTS)
    kid, parent = market["kids"][1], market["parents"][1]
    first = rankings[1].pseudonym
    assert first and first != kid.code and kid.code not in first
    client.force_login(parent)
    receipt = client.get(f"/enrolment/receipts/{rankings[1].pk}/").content.decode()
    assert first in receipt
    close_and_draw(window, users)
    results = client.get("/enrolment/results/").content.decode()
    assert first in results
    # A later window of the same school (next term: one window per school and term) gives the
    # same child another pseudonym.
    from junheng.afterschool.models import Offering
    from junheng.region.models import Term

    spring = Term.objects.create(name="2026春", start=dt.date(2026, 2, 20), end=dt.date(2026, 7, 1))
    choir = market["choir"]
    spring_choir = Offering.objects.create(
        term=spring,
        course=choir.course,
        school=choir.school,
        slot=choir.slot,
        seats=20,
        source="supply",
    )
    now = window.closes_at
    second = actions.do_create_window(
        by=users["bureau"],
        school=market["school"],
        term=spring,
        opens_at=now - dt.timedelta(days=2),
        closes_at=now + dt.timedelta(days=2),
    )
    actions.do_open_window(second, by=users["bureau"])
    second = ChoiceWindow.objects.get(pk=second.pk)
    again = actions.do_submit_ranking(second, kid, [spring_choir.pk], by=parent)
    assert again.pseudonym and again.pseudonym != first


def test_a_draw_needs_the_public_entropy(window, market, users):
    rank_all(window, market, WANTS)
    actions.do_close_window(window, by=users["bureau"], now=window.closes_at)
    with pytest.raises(ActionError, match="公开随机数"):
        actions.do_run_draw(window, by=users["bureau"], entropy="   ")
    draw = Draw.objects.get(window=window)
    assert draw.entropy == "" and not draw.result_sha256
    window.refresh_from_db()
    assert window.state == WindowState.CLOSED


def test_the_draw_is_refused_when_the_inputs_changed_after_the_hash_was_shown(
    window, market, users
):
    rank_all(window, market, WANTS)
    actions.do_close_window(window, by=users["bureau"], now=window.closes_at)
    window.refresh_from_db()
    shown = actions.inputs_sha256_now(window)
    market["chess"].seats = 3  # someone changes a capacity between the reading and the run
    market["chess"].save()
    with pytest.raises(ActionError, match="发生了变化"):
        actions.do_run_draw(window, by=users["bureau"], entropy=ENTROPY, inputs_sha256=shown)
    assert not Draw.objects.get(window=window).result_sha256


def test_the_bureau_runs_the_draw_from_the_window_page(window, market, users, client):
    rank_all(window, market, WANTS)
    actions.do_close_window(window, by=users["bureau"], now=window.closes_at)
    window.refresh_from_db()
    client.force_login(users["bureau"])
    page = client.get(f"/enrolment/windows/{window.pk}/").content.decode()
    shown = actions.inputs_sha256_now(window)
    assert shown in page and 'data-testid="entropy-input"' in page
    url = f"/enrolment/windows/{window.pk}/run/"
    refused = client.post(url, {"inputs_sha256": shown}, follow=True).content.decode()
    assert "公开随机数" in refused
    assert not Draw.objects.get(window=window).result_sha256
    typed = {"inputs_sha256": shown, "entropy": "１７ 42  08 93", "entropy_source": "家长"}
    # The window page's form leads to the confirmation page (what the draw will do, the
    # numbers as typed); nothing runs until it is confirmed.
    page = client.post(url, typed).content.decode()
    assert "只运行一次" in page and "１７ 42  08 93" in page
    assert not Draw.objects.get(window=window).entropy
    client.post(url, {**typed, "confirm": "yes"})
    draw = Draw.objects.get(window=window)
    assert draw.entropy == ENTROPY and draw.entropy_source == "家长"
    assert draw.inputs_sha256 == shown and draw.result_sha256
    # Only the bureau runs draws.
    client.force_login(users["school"])
    assert client.post(url, {"entropy": ENTROPY}).status_code in (403, 404)


def test_priority_children_are_served_first(window, market, users):
    # Five children want the one chess seat pair; the two low-income ones must get it.
    for i in (4, 5):
        kid = market["kids"][i]
        kid.low_income = True
        kid.save()
    rank_all(window, market, {i: ["chess"] for i in range(1, 6)})
    draw = close_and_draw(window, users)
    holders = set(
        Enrolment.objects.filter(window=window, offering=market["chess"]).values_list(
            "student__code", flat=True
        )
    )
    assert holders == {market["kids"][4].code, market["kids"][5].code}
    alias = Ranking.objects.get(window=window, student=market["kids"][5]).pseudonym
    assert f"{alias},1" in draw.file_bytes("students").decode()


def test_waitlist_positions_follow_the_lottery_order(window, market, users):
    draw = Draw.objects.get(window=window)
    wants = {i: ["chess"] for i in range(7)}
    rank_all(window, market, wants)
    close_and_draw(window, users)
    draw.refresh_from_db()
    alias = dict(Ranking.objects.filter(window=window).values_list("student__code", "pseudonym"))
    order = sorted((lottery_key(draw.final_seed, alias[k.code]), k.code) for k in market["kids"])
    expect = [code for _key, code in order][2:]  # the first two hold the seats
    got = list(
        WaitlistEntry.objects.filter(window=window, offering=market["chess"])
        .order_by("position")
        .values_list("student__code", flat=True)
    )
    assert got == expect


def test_a_window_without_choices_draws_nothing(window, users):
    draw = close_and_draw(window, users)
    assert draw.summary["students"] == 0 and draw.summary["assigned"] == 0
    assert not Enrolment.objects.filter(window=window).exists()


def test_draw_report_counts_choices_and_shows_no_envy_for_da(window, market, users):
    rank_all(window, market, WANTS)
    draw = close_and_draw(window, users)
    rep = draw.report
    assert rep["students"] == 7
    assert sum(rep["by_rank"].values()) + rep["nothing"] == 7
    assert rep["nothing"] == 3 and rep["envy"] == 0
    assert rep["urban_rural"] == "urban"
    assert rep["egalitarian"] == 3.0  # worst decile = 1 child with nothing (R + 1 = 3)


def test_siblings_together_or_nothing_give_back_split_seats(window, market, users):
    from junheng.accounts.models import Guardianship

    # Kids 1 and 2 are siblings (same guardian) and ask for together-or-nothing; chess has one
    # seat, so the draw cannot place both: the one who got it gives it back, and once results
    # are published the seat goes to the first non-sibling on the waitlist in lottery order.
    Guardianship.objects.create(user=market["parents"][1], student=market["kids"][2])
    market["chess"].seats = 1
    market["chess"].save()
    for i in (1, 2):  # served first, so one of them surely gets the seat
        market["kids"][i].low_income = True
        market["kids"][i].save()
    rank_all(
        window, market, {1: ["chess"], 2: ["chess"], 3: ["chess"], 4: ["chess"]}, together={1, 2}
    )
    close_and_draw(window, users, publish=False)
    a, b = market["kids"][1], market["kids"][2]
    assert not Enrolment.objects.filter(student__in=[a, b], status="active").exists()
    assert DrawAdjustment.objects.get(window=window, kind="siblings").detail["students"] == [
        a.code,
        b.code,
    ]
    actions.do_publish_results(window, by=users["bureau"])
    keys = actions.lottery_keys(window, [market["kids"][i].pk for i in (3, 4)])
    others = sorted((keys[market["kids"][i].pk], i) for i in (3, 4))
    offer = WaitlistOffer.objects.get(offering=market["chess"])
    assert offer.student == market["kids"][others[0][1]]


def test_siblings_placed_together_keep_their_seats(window, market, users):
    from junheng.accounts.models import Guardianship

    Guardianship.objects.create(user=market["parents"][1], student=market["kids"][2])
    rank_all(window, market, {1: ["chess"], 2: ["chess"]}, together={1, 2})
    close_and_draw(window, users, publish=False)
    assert Enrolment.objects.filter(offering=market["chess"], status="active").count() == 2
    assert not DrawAdjustment.objects.filter(window=window, kind="siblings").exists()


def test_cancelled_small_offering_replaces_its_children_on_their_remaining_choices(
    window, market, users
):
    window.min_size = 2
    window.save()
    market["chess"].seats = 3
    market["chess"].save()
    # One child ranks choir first: choir will have 1 < 2 children and be cancelled.
    rank_all(window, market, {1: ["choir", "chess"], 2: ["chess"], 3: ["chess"]})
    close_and_draw(window, users)
    kid = market["kids"][1]
    assert Enrolment.objects.get(student=kid, status="active").offering == market["choir"]
    detail = actions.do_cancel_small_offerings(window, by=users["bureau"])
    market["choir"].refresh_from_db()
    assert market["choir"].status == "cancelled"
    # chess had two holders and one free seat: the child moves to their 2nd choice.
    assert detail["replaced"][kid.code] == market["chess"].pk
    e = Enrolment.objects.get(student=kid, status="active")
    assert e.offering == market["chess"] and e.rank == 2 and e.source == "replacement"
    assert Enrolment.objects.filter(student=kid, status="cancelled").count() == 1


def test_public_api_shows_the_seed_only_after_the_draw(window, market, users, client):
    draw = Draw.objects.get(window=window)
    body = client.get(f"/api/enrolment/draws/{draw.pk}").json()
    assert body["seed"] is None and body["seed_commitment"] == draw.seed_commitment
    assert body["final_seed"] is None
    rank_all(window, market, WANTS)
    close_and_draw(window, users)
    body = client.get(f"/api/enrolment/draws/{draw.pk}").json()
    draw.refresh_from_db()
    assert body["seed"] == draw.seed and body["result_sha256"] == draw.result_sha256
    assert body["entropy"] == ENTROPY and body["final_seed"] == draw.final_seed
    assert body["inputs_sha256"] == draw.inputs_sha256


def test_the_draw_runs_in_a_worker_and_the_window_page_shows_its_progress(
    window, market, users, client, settings
):
    from junheng.enrolment import actions
    from junheng.enrolment.models import DrawState
    from junheng.jobs.models import Job
    from junheng.jobs.worker import drain

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    rank_all(window, market, {i: ["chess"] for i in range(1, 4)})
    actions.do_close_window(window, by=users["bureau"], now=window.closes_at)
    client.force_login(users["bureau"])
    resp = client.post(
        f"/enrolment/windows/{window.pk}/run/", {"entropy": ENTROPY, "confirm": "yes"}, follow=True
    )
    page = resp.content.decode()
    assert "摇号已在后台开始" in page
    assert 'data-testid="job-progress"' in page and 'data-testid="run-draw"' not in page
    draw = Draw.objects.get(window=window)
    assert draw.state == DrawState.COMMITTED and not Enrolment.objects.exists()
    # A second press while it waits does not start a second draw.
    client.post(f"/enrolment/windows/{window.pk}/run/", {"entropy": ENTROPY, "confirm": "yes"})
    assert Job.objects.filter(kind="draw").count() == 1
    drain()
    draw.refresh_from_db()
    assert draw.state == DrawState.DONE and Enrolment.objects.filter(window=window).count() == 2
    job = Job.latest_for(draw)
    assert job.state == "done" and job.pct == 100


def test_a_cancelled_draw_stores_nothing_and_can_run_again(window, market, users, settings):
    from junheng.enrolment import actions
    from junheng.enrolment.models import DrawState
    from junheng.jobs.actions import request_cancel
    from junheng.jobs.models import Job
    from junheng.jobs.worker import drain

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    rank_all(window, market, {i: ["chess"] for i in range(1, 4)})
    actions.do_close_window(window, by=users["bureau"], now=window.closes_at)
    draw = actions.do_run_draw(window, by=users["bureau"], entropy=ENTROPY)
    request_cancel(Job.latest_for(draw), by=users["bureau"])
    drain()
    draw.refresh_from_db()
    assert draw.state == DrawState.FAILED and not Enrolment.objects.exists()
    actions.do_run_draw(window, by=users["bureau"], entropy=ENTROPY)
    drain()
    draw.refresh_from_db()
    assert draw.state == DrawState.DONE


def test_public_draw_names_the_release_that_drew_it(window, market, users, client):
    import junheng

    rank_all(window, market, WANTS)
    draw = close_and_draw(window, users)
    assert draw.engine_release == junheng.__version__
    page, _command, _files = _public_parts(client, draw)
    assert f"pip install junheng=={junheng.__version__}" in page
