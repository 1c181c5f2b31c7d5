"""Who sees what: a teacher only their own outcome; a school admin only its own school's needs
and moves; parents and providers get 403; anonymous users are sent to log in."""

from __future__ import annotations

import pytest

from junheng.rotation import actions
from junheng.rotation.access import moves_for
from junheng.rotation.models import SubjectNeed


@pytest.fixture
def published(rnd, rusers):
    run = actions.do_run_plan(rnd, by=rusers["bureau"])
    actions.do_publish(rnd, by=rusers["bureau"])
    rnd.refresh_from_db()
    return rnd, run


def _pages(rnd, school_id, stint_id=1):
    return [
        ("get", "/rotation/"),
        ("get", f"/rotation/{rnd.pk}/"),
        ("get", f"/rotation/{rnd.pk}/export.xlsx"),
        ("post", f"/rotation/{rnd.pk}/run/"),
        ("post", f"/rotation/{rnd.pk}/publish/"),
        ("post", f"/rotation/{rnd.pk}/pin/"),
        ("post", f"/rotation/{rnd.pk}/rules/"),
        ("get", f"/rotation/{rnd.pk}/needs/{school_id}/"),
        ("get", "/rotation/mine/"),
        ("get", "/rotation/school/"),
        ("get", "/rotation/stints/"),
        ("post", f"/rotation/stints/{stint_id}/returned/"),
    ]


@pytest.mark.parametrize("who", ["parent", "provider"])
def test_parents_and_providers_get_403_everywhere(rnd, rusers, county6, client, who):
    client.force_login(rusers[who])
    for method, url in _pages(rnd, county6.schools["R01"].pk):
        assert getattr(client, method)(url).status_code == 403, url


def test_anonymous_users_are_sent_to_log_in(rnd, county6, client):
    for method, url in _pages(rnd, county6.schools["R01"].pk):
        r = getattr(client, method)(url)
        assert r.status_code == 302 and "/login/" in r["Location"], url


def test_teacher_and_school_admin_cannot_use_bureau_pages(rnd, rusers, county6, client):
    bureau_only = [
        ("get", f"/rotation/{rnd.pk}/"),
        ("post", f"/rotation/{rnd.pk}/run/"),
        ("post", f"/rotation/{rnd.pk}/publish/"),
        ("post", f"/rotation/{rnd.pk}/pin/"),
        ("get", "/rotation/stints/"),
    ]
    for who in ("teacher", "school"):
        client.force_login(rusers[who])
        for method, url in bureau_only:
            assert getattr(client, method)(url).status_code == 403, (who, url)
    assert not rnd.runs.exists()


def test_school_admin_edits_only_its_own_schools_needs(rnd, rusers, county6, client):
    own, other = county6.schools["R01"], county6.schools["R02"]
    client.force_login(rusers["school"])
    assert client.get(f"/rotation/{rnd.pk}/needs/{own.pk}/").status_code == 200
    assert client.get(f"/rotation/{rnd.pk}/needs/{other.pk}/").status_code == 404
    before = dict(
        SubjectNeed.objects.filter(round=rnd, school=other).values_list("subject", "required")
    )
    r = client.post(f"/rotation/{rnd.pk}/needs/{other.pk}/", {"need_math": 0, "confirm": "1"})
    assert r.status_code == 404
    assert (
        dict(SubjectNeed.objects.filter(round=rnd, school=other).values_list("subject", "required"))
        == before
    )
    with pytest.raises(actions.PermissionDenied):
        actions.do_set_needs(rnd, other, by=rusers["school"], needs={"math": 0})
    # its own school: saved and confirmed
    data = {
        f"need_{s}": n
        for s, n in SubjectNeed.objects.filter(round=rnd, school=own).values_list(
            "subject", "required"
        )
    }
    data |= {
        "need_math": 2,
        "need_pe": 1,
        "need_music": 1,
        "need_art": 1,
        "need_english": 1,
        "need_science": 1,
        "need_it": 1,
        "need_chinese": 4,
        "confirm": "1",
    }
    r = client.post(f"/rotation/{rnd.pk}/needs/{own.pk}/", data)
    assert r.status_code == 302
    assert SubjectNeed.objects.get(round=rnd, school=own, subject="math").required == 2
    assert rnd.confirmations.filter(school=own).exists()
    # a teacher cannot edit needs at all
    client.force_login(rusers["teacher"])
    assert client.get(f"/rotation/{rnd.pk}/needs/{own.pk}/").status_code == 403


def test_school_admin_sees_only_its_own_schools_moves_once_published(rnd, rusers, client):
    run = actions.do_run_plan(rnd, by=rusers["bureau"])
    client.force_login(rusers["school_rural"])
    sid = rusers["school_rural"].school_id
    assert not moves_for(rusers["school_rural"], rnd).exists()  # drafts are the bureau's
    page = client.get("/rotation/school/").content.decode()
    assert 'data-testid="leaving"' not in page
    actions.do_publish(rnd, by=rusers["bureau"])
    rnd.refresh_from_db()
    seen = list(moves_for(rusers["school_rural"], rnd))
    expected = [m for m in run.moves.all() if sid in (m.from_school_id, m.to_school_id)]
    assert sorted(m.pk for m in seen) == sorted(m.pk for m in expected)
    page = client.get("/rotation/school/").content.decode()
    for m in run.moves.select_related("teacher"):
        mine = sid in (m.from_school_id, m.to_school_id)
        assert (f'data-teacher="{m.teacher.code}"' in page) == mine


def test_teacher_sees_only_their_own_outcome(published, rusers, client):
    rnd, run = published
    for who in ("teacher", "teacher_rural", "teacher_new"):
        user = rusers[who]
        seen = list(moves_for(user, rnd))
        assert all(m.teacher_id == user.teacher_id for m in seen)
        client.force_login(user)
        page = client.get("/rotation/mine/").content.decode()
        assert 'data-testid="outcome"' in page
        move = run.moves.filter(teacher_id=user.teacher_id).first()
        if move:
            assert move.to_school.name in page
        else:
            assert 'data-testid="outcome-stay"' in page
        others = run.moves.exclude(teacher_id=user.teacher_id).select_related("teacher")
        for m in others:
            assert m.teacher.name not in page or m.teacher.name == user.teacher.name


def test_teacher_sees_no_draft_outcome(rnd, rusers, client):
    actions.do_run_plan(rnd, by=rusers["bureau"])
    client.force_login(rusers["teacher"])
    page = client.get("/rotation/mine/").content.decode()
    assert 'data-testid="outcome"' not in page
    assert not moves_for(rusers["teacher"], rnd).exists()
