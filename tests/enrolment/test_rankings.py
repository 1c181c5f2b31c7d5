"""Choice windows and rankings: idempotent submissions, grade limits, window states."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from junheng.enrolment import actions
from junheng.enrolment.models import Ranking, RankingChoice, WindowState
from junheng.errors import ActionError
from tests.enrolment.conftest import rank_all


def test_double_submit_with_same_token_keeps_one_ranking_and_receipt(window, market):
    kid, parent = market["kids"][1], market["parents"][1]
    ids = [market["chess"].pk, market["choir"].pk]
    r1 = actions.do_submit_ranking(window, kid, ids, by=parent, token="tok-1")
    r2 = actions.do_submit_ranking(window, kid, ids, by=parent, token="tok-1")
    assert r1.pk == r2.pk
    assert r2.receipt_code == r1.receipt_code and r2.version == 1
    assert Ranking.objects.filter(window=window, student=kid).count() == 1
    assert RankingChoice.objects.filter(ranking=r1).count() == 2


def test_changed_ranking_replaces_the_old_one(window, market):
    kid, parent = market["kids"][1], market["parents"][1]
    r1 = actions.do_submit_ranking(window, kid, [market["chess"].pk], by=parent, token="a")
    r2 = actions.do_submit_ranking(
        window, kid, [market["choir"].pk, market["chess"].pk], by=parent, token="b"
    )
    assert r2.pk == r1.pk and r2.version == 2 and r2.receipt_code != r1.receipt_code
    got = list(
        RankingChoice.objects.filter(ranking=r2).order_by("rank").values_list("rank", "offering_id")
    )
    assert got == [(1, market["choir"].pk), (2, market["chess"].pk)]
    assert Ranking.objects.filter(window=window).count() == 1


def test_an_old_form_sent_again_after_a_newer_one_changes_nothing(window, market, client):
    """A form is stored once. The parent stores form A, then a changed form B; the browser (or
    a flaky network) sends A again: B stays, with its version and receipt."""
    kid, parent = market["kids"][1], market["parents"][1]
    client.force_login(parent)
    url = f"/enrolment/choose/{window.pk}/{kid.pk}/"
    a = {"token": "form-a", "choice_1": market["chess"].pk}
    b = {"token": "form-b", "choice_1": market["choir"].pk, "choice_2": market["chess"].pk}
    assert client.post(url, a).status_code == 302
    assert client.post(url, b).status_code == 302
    r = Ranking.objects.get(window=window, student=kid)
    stored_b = (r.version, r.receipt_code)
    again = client.post(url, a)  # the old form once more
    assert again.status_code == 302 and again["Location"].endswith(f"/receipts/{r.pk}/")
    r.refresh_from_db()
    assert (r.version, r.receipt_code) == stored_b == (2, r.receipt_code)
    got = list(r.choices.order_by("rank").values_list("offering_id", flat=True))
    assert got == [market["choir"].pk, market["chess"].pk]
    # A new form (a new page, a new token) is still a change.
    actions.do_submit_ranking(window, kid, [market["chess"].pk], by=parent, token="form-c")
    r.refresh_from_db()
    assert r.version == 3


def test_double_post_of_the_rank_form_stores_one_row(window, market, client):
    kid, parent = market["kids"][1], market["parents"][1]
    client.force_login(parent)
    url = f"/enrolment/choose/{window.pk}/{kid.pk}/"
    assert client.get(url).status_code == 200
    data = {"token": "same-form", "choice_1": market["choir"].pk, "choice_2": market["chess"].pk}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Ranking.objects.filter(window=window, student=kid).count() == 1
    r = Ranking.objects.get(window=window, student=kid)
    assert r.version == 1 and r.choices.count() == 2
    page = client.get(first["Location"]).content.decode()
    assert r.receipt_code in page and "合唱" in page


def test_offering_not_open_to_the_childs_grade_is_refused(window, market):
    kid, parent = market["kids"][1], market["parents"][1]  # grade 3; robotics is 4–6
    with pytest.raises(ActionError, match="年级"):
        actions.do_submit_ranking(window, kid, [market["robot"].pk], by=parent)
    assert not Ranking.objects.filter(window=window).exists()
    assert market["robot"] not in actions.rankable_offerings(window, kid)


def test_duplicate_or_too_many_choices_are_refused(window, market):
    kid, parent = market["kids"][1], market["parents"][1]
    with pytest.raises(ActionError, match="同一门课程不能重复填报"):
        actions.do_submit_ranking(window, kid, [market["chess"].pk] * 2, by=parent)
    with pytest.raises(ActionError, match="请至少选择一门课程"):
        actions.do_submit_ranking(window, kid, [], by=parent)
    window.max_ranked = 1
    window.save()
    with pytest.raises(ActionError, match="最多"):
        actions.do_submit_ranking(window, kid, [market["chess"].pk, market["choir"].pk], by=parent)


def test_no_ranking_after_the_window_closes(window, market, users):
    kid, parent = market["kids"][1], market["parents"][1]
    rank_all(window, market, {1: ["chess"]})
    actions.do_close_window(window, by=users["bureau"], now=window.closes_at)
    with pytest.raises(ActionError, match="截止"):
        actions.do_submit_ranking(window, kid, [market["choir"].pk], by=parent)
    assert Ranking.objects.get(window=window, student=kid).choices.get().offering == market["chess"]


def test_no_ranking_past_closes_at_even_while_the_state_is_open(window, market):
    late = window.closes_at + dt.timedelta(seconds=1)
    with pytest.raises(ActionError, match="选课窗口未开放或已截止"):
        actions.do_submit_ranking(
            window, market["kids"][1], [market["chess"].pk], by=market["parents"][1], now=late
        )


def test_no_ranking_in_a_draft_window(market, users):
    now = timezone.now()
    w = actions.do_create_window(
        by=users["bureau"],
        school=market["school"],
        term=market["term"],
        opens_at=now,
        closes_at=now + dt.timedelta(days=1),
    )
    assert w.state == WindowState.DRAFT
    with pytest.raises(ActionError, match="选课窗口未开放或已截止"):
        actions.do_submit_ranking(
            w, market["kids"][1], [market["chess"].pk], by=market["parents"][1]
        )


def test_parent_cannot_rank_for_another_familys_child(window, market):
    with pytest.raises(PermissionDenied):
        actions.do_submit_ranking(
            window, market["kids"][2], [market["chess"].pk], by=market["parents"][1]
        )


def test_da_window_must_have_k_one(market, users):
    now = timezone.now()
    with pytest.raises(ActionError, match="延迟接受法每人只能录取一门课程"):
        actions.do_create_window(
            by=users["bureau"],
            school=market["school"],
            term=market["term"],
            opens_at=now,
            closes_at=now + dt.timedelta(days=1),
            max_courses=2,
            method="da",
        )


def test_school_admin_creates_windows_only_for_its_own_school(market, users, region):
    now = timezone.now()
    with pytest.raises(PermissionDenied):
        actions.do_create_window(
            by=users["school"],
            school=region["school_b"],
            term=market["term"],
            opens_at=now,
            closes_at=now + dt.timedelta(days=1),
        )
    w = actions.do_create_window(
        by=users["school"],
        school=market["school"],
        term=market["term"],
        opens_at=now,
        closes_at=now + dt.timedelta(days=1),
    )
    assert w.school == market["school"]
