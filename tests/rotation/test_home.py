"""The home-page card (for accounts.views.home): eligibility, stated preferences, outcome."""

from __future__ import annotations

from django.template.loader import render_to_string

from junheng.rotation import actions
from junheng.rotation.home import home_card


def _render(user):
    return render_to_string("rotation/_home_card.html", {"rotation": home_card(user)})


def test_home_card_tells_a_teacher_eligibility_then_outcome(rnd, rusers):
    t = rusers["teacher"]
    assert "符合交流条件" in _render(t) and "请填报交流志愿" in _render(t)
    assert "不在交流范围内" in _render(rusers["teacher_new"])
    actions.do_state_preferences(rnd, by=t, schools=[])
    assert "已填报志愿" in _render(t)
    run = actions.do_run_plan(rnd, by=rusers["bureau"])
    actions.do_publish(rnd, by=rusers["bureau"])
    move = run.moves.filter(teacher=t.teacher).first()
    html = _render(t)
    assert (f"您将交流到{move.to_school.name}" in html) if move else ("不参加交流" in html)


def test_home_card_for_school_admins_and_nobody_else(rnd, rusers, county6):
    assert "学科需求尚未确认" in _render(rusers["school"])
    actions.do_confirm_needs(rnd, county6.schools["R01"], by=rusers["school"])
    assert "学科需求已确认" in _render(rusers["school"])
    for who in ("bureau", "parent", "provider"):
        assert home_card(rusers[who]) is None
