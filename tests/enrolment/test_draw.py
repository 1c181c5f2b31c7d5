"""The public draw: stored hash equals `junheng verify`, commitment, seed hidden until reveal."""

from __future__ import annotations

import json

from junheng import cli
from junheng.engines.lottery import lottery_key, seed_commitment
from junheng.enrolment import actions
from junheng.enrolment.models import (
    Draw,
    DrawAdjustment,
    Enrolment,
    WaitlistEntry,
    WaitlistOffer,
    WindowState,
)
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


def test_stored_hash_equals_junheng_verify_and_allocate_on_the_stored_files(
    window, market, users, tmp_path, capsys
):
    rank_all(window, market, WANTS)
    draw = close_and_draw(window, users, publish=False)
    assert window.state == WindowState.DRAWN
    assert draw.result_sha256 and draw.revealed
    f = write_files(draw, tmp_path)
    rc = cli.main(
        [
            "verify",
            "--offerings",
            f["offerings"],
            "--choices",
            f["choices"],
            "--students",
            f["students"],
            "--seed",
            draw.seed,
            "--max-courses",
            "1",
            "--method",
            "da",
            "--expect-sha256",
            draw.result_sha256,
            "--commitment",
            draw.seed_commitment,
        ]
    )
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert rc == 0 and summary["ok"] is True and summary["commitment_ok"] is True
    out = tmp_path / "out.csv"
    wl = tmp_path / "wl.csv"
    assert (
        cli.main(
            [
                "allocate",
                "--offerings",
                f["offerings"],
                "--choices",
                f["choices"],
                "--students",
                f["students"],
                "--seed",
                draw.seed,
                "--out",
                str(out),
                "--waitlist",
                str(wl),
            ]
        )
        == 0
    )
    assert out.read_bytes() == draw.file_bytes("out")
    assert wl.read_bytes() == draw.file_bytes("waitlist")
    # What is stored as rows is what the file says.
    lines = draw.file_bytes("out").decode().splitlines()[1:]
    rows = sorted(
        (e.student.code, e.offering.engine_id, str(e.rank))
        for e in Enrolment.objects.filter(window=window).select_related("student")
    )
    assert rows == sorted(tuple(line.split(",")) for line in lines)
    assert len(rows) == 4  # 2 chess + 2 choir seats, 7 children


def test_a_wrong_seed_does_not_verify(window, market, users, tmp_path, capsys):
    rank_all(window, market, WANTS)
    draw = close_and_draw(window, users, publish=False)
    f = write_files(draw, tmp_path)
    try:
        cli.main(
            [
                "verify",
                "--offerings",
                f["offerings"],
                "--choices",
                f["choices"],
                "--students",
                f["students"],
                "--seed",
                draw.seed + "x",
                "--expect-sha256",
                draw.result_sha256,
                "--commitment",
                draw.seed_commitment,
            ]
        )
    except SystemExit as stop:
        assert stop.code == 1
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["commitment_ok"] is False


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
    assert draw.seed in page and draw.result_sha256 in page
    assert f"--expect-sha256 {draw.result_sha256}" in page
    body = client.get(f"/enrolment/draws/{draw.pk}/choices.csv").content
    assert body == draw.file_bytes("choices")
    text = body.decode()
    for kid in market["kids"]:
        assert kid.code in text and kid.name not in text


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
    assert "K0005,1" in draw.file_bytes("students").decode()


def test_waitlist_positions_follow_the_lottery_order(window, market, users):
    draw = Draw.objects.get(window=window)
    wants = {i: ["chess"] for i in range(7)}
    rank_all(window, market, wants)
    close_and_draw(window, users)
    order = sorted((lottery_key(draw.seed, k.code), k.code) for k in market["kids"])
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
    draw = Draw.objects.get(window=window)
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
    others = sorted((lottery_key(draw.seed, market["kids"][i].code), i) for i in (3, 4))
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
    rank_all(window, market, WANTS)
    close_and_draw(window, users)
    body = client.get(f"/api/enrolment/draws/{draw.pk}").json()
    draw.refresh_from_db()
    assert body["seed"] == draw.seed and body["result_sha256"] == draw.result_sha256


def test_the_draw_runs_in_a_worker_and_the_window_page_shows_its_progress(
    window, market, users, client, settings
):
    from junheng.enrolment import actions
    from junheng.enrolment.models import DrawState
    from junheng.jobs.models import Job
    from junheng.jobs.worker import drain

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    rank_all(window, market, {i: ["chess"] for i in range(1, 4)})
    actions.do_close_window(window, by=users["bureau"])
    client.force_login(users["bureau"])
    resp = client.post(f"/enrolment/windows/{window.pk}/run/", follow=True)
    page = resp.content.decode()
    assert "摇号已在后台开始" in page
    assert 'data-testid="job-progress"' in page and 'data-testid="run-draw"' not in page
    draw = Draw.objects.get(window=window)
    assert draw.state == DrawState.COMMITTED and not Enrolment.objects.exists()
    # A second press while it waits does not start a second draw.
    client.post(f"/enrolment/windows/{window.pk}/run/")
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
    actions.do_close_window(window, by=users["bureau"])
    draw = actions.do_run_draw(window, by=users["bureau"])
    request_cancel(Job.latest_for(draw), by=users["bureau"])
    drain()
    draw.refresh_from_db()
    assert draw.state == DrawState.FAILED and not Enrolment.objects.exists()
    actions.do_run_draw(window, by=users["bureau"])
    drain()
    draw.refresh_from_db()
    assert draw.state == DrawState.DONE
