"""Eligible teachers see that they are eligible and state up to three schools and hardship
reasons; others cannot; the deadline closes the form; the bureau keeps a hardship case home."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from junheng.errors import ActionError
from junheng.rotation import actions, adapters
from junheng.rotation.models import PinKind, Preference


def test_eligible_teacher_sees_eligibility_and_states_preferences(rnd, rusers, client):
    user = rusers["teacher"]
    client.force_login(user)
    page = client.get("/rotation/mine/").content.decode()
    assert 'data-testid="eligible"' in page and 'data-testid="preference-form"' in page
    choices = [s for s, _km in adapters.reachable_schools(rnd, user.teacher)]
    assert len(choices) >= 3
    r = client.post(
        "/rotation/mine/",
        {
            "pref1": choices[2].pk,
            "pref2": choices[0].pk,
            "hardship": "on",
            "hardship_reason": "照顾年迈父母",
        },
    )
    assert r.status_code == 302
    p = Preference.objects.get(round=rnd, teacher=user.teacher)
    assert p.schools() == [choices[2], choices[0]]
    assert p.hardship and p.hardship_reason == "照顾年迈父母"
    page = client.get("/rotation/mine/").content.decode()
    assert 'data-testid="my-preferences"' in page and choices[2].name in page


def test_ineligible_teacher_is_told_and_cannot_state(rnd, rusers, client):
    user = rusers["teacher_new"]
    client.force_login(user)
    page = client.get("/rotation/mine/").content.decode()
    assert 'data-testid="not-eligible"' in page and 'data-testid="preference-form"' not in page
    with pytest.raises(ActionError, match="您本年度不在交流范围内，无需填报志愿"):
        actions.do_state_preferences(rnd, by=user, schools=[])
    assert not Preference.objects.exists()


def test_preferences_must_be_reachable_distinct_and_at_most_three(rnd, rusers, county6):
    user = rusers["teacher"]
    choices = [s for s, _km in adapters.reachable_schools(rnd, user.teacher)]
    bad = [
        ([user.teacher.school], "不能填报本校"),
        ([choices[0], choices[0]], "志愿学校不能重复"),
        (
            [*choices[:3], choices[-1]] if len(choices) > 3 else [None, None, None, None],
            "最多填报三个志愿学校",
        ),
    ]
    for schools, says in bad:
        with pytest.raises(ActionError, match=says):
            actions.do_state_preferences(rnd, by=user, schools=schools)
    actions.do_update_rules(rnd, by=rusers["bureau"], max_km=8.0)
    rnd.refresh_from_db()
    near = {x for x, _km in adapters.reachable_schools(rnd, user.teacher)}
    far = [s for s in choices if s not in near]
    assert far
    with pytest.raises(ActionError, match="志愿学校须为同学段、在最远交流距离以内的学校"):
        actions.do_state_preferences(rnd, by=user, schools=[far[0]])
    with pytest.raises(ActionError, match="请说明特殊困难"):  # hardship needs a reason
        actions.do_state_preferences(rnd, by=user, schools=[], hardship=True)
    assert not Preference.objects.exists()


def test_deadline_closes_preferences(rnd, rusers, client):
    actions.do_update_rules(
        rnd, by=rusers["bureau"], preference_deadline=timezone.localdate() - dt.timedelta(days=1)
    )
    rnd.refresh_from_db()
    with pytest.raises(ActionError, match="志愿填报已截止"):
        actions.do_state_preferences(rnd, by=rusers["teacher"], schools=[])
    client.force_login(rusers["teacher"])
    page = client.get("/rotation/mine/").content.decode()
    assert 'data-testid="preference-form"' not in page


def test_bureau_keeps_a_hardship_teacher_at_home(rnd, rusers, client):
    user = rusers["teacher"]
    actions.do_state_preferences(
        rnd, by=user, schools=[], hardship=True, hardship_reason="照顾患病父亲"
    )
    client.force_login(rusers["bureau"])
    page = client.get(f"/rotation/{rnd.pk}/").content.decode()
    assert "照顾患病父亲" in page and f'data-testid="keep-{user.teacher.code}"' in page
    r = client.post(
        f"/rotation/{rnd.pk}/pin/",
        {"teacher": user.teacher_id, "school": user.teacher.school_id, "kind": PinKind.LOCK},
    )
    assert r.status_code == 302
    pin = rnd.pins.get()
    assert pin.stays
    run = actions.do_run_plan(rnd, by=rusers["bureau"])
    assert run.status == "done"
    assert not run.moves.filter(teacher_id=user.teacher_id).exists()


def test_teacher_cannot_state_for_someone_else(rnd, rusers):
    with pytest.raises(actions.PermissionDenied):
        actions.do_state_preferences(rnd, by=rusers["bureau"], schools=[])


def test_bureau_enters_paper_preferences_keeping_only_reachable_schools(rnd, rusers, county6):
    eligible = rusers["teacher"].teacher
    ineligible = rusers["teacher_new"].teacher
    near = [s.code for s, _km in adapters.reachable_schools(rnd, eligible)]
    rows = {
        eligible.code: [eligible.school.code, near[0], near[0], near[1], near[2], "R99"],
        ineligible.code: near[:1],
        "T999": near[:1],
    }
    summary = actions.do_load_preferences(rnd, by=rusers["bureau"], rows=rows)
    assert summary == {"loaded": 1, "skipped_teachers": 2, "dropped_schools": 3}
    p = Preference.objects.get(round=rnd, teacher=eligible)
    assert [s.code for s in p.schools()] == near[:3]
    with pytest.raises(actions.PermissionDenied):
        actions.do_load_preferences(rnd, by=rusers["school"], rows=rows)
