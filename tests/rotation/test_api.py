"""The JSON API is scoped as the pages are."""

from __future__ import annotations

from junheng.accounts.models import User
from junheng.rotation import actions


def test_api_plan_for_the_bureau_and_own_moves_for_others(rnd, rusers, client):
    run = actions.do_run_plan(rnd, by=rusers["bureau"])
    client.force_login(rusers["bureau"])
    body = client.get(f"/api/rotation/rounds/{rnd.pk}/plan").json()
    assert body["status"] == "done" and len(body["moves"]) == run.moves.count()
    assert body["summary"]["violations"] == 0
    assert body["round"]["target_share"] is None and body["round"]["share"] == "0.1000"
    client.force_login(rusers["teacher"])
    assert client.get(f"/api/rotation/rounds/{rnd.pk}/plan").status_code == 403
    assert client.get(f"/api/rotation/rounds/{rnd.pk}/moves").json() == []  # a draft
    actions.do_publish(rnd, by=rusers["bureau"])
    moves = list(run.moves.select_related("teacher"))
    assert len(moves) > 1  # others' moves exist, so "only own" is a real filter
    mover = moves[0].teacher
    account = User.objects.filter(teacher=mover).first() or User.objects.create(
        username="r_mover", role="teacher", teacher=mover
    )
    client.force_login(account)
    mine = client.get(f"/api/rotation/rounds/{rnd.pk}/moves").json()
    assert [m["teacher_id"] for m in mine] == [mover.code]
    client.force_login(rusers["school_rural"])
    code = rusers["school_rural"].school.code
    seen = client.get(f"/api/rotation/rounds/{rnd.pk}/moves").json()
    assert seen and all(code in (m["from_school"], m["to_school"]) for m in seen)
    for who in ("parent", "provider"):
        client.force_login(rusers[who])
        assert client.get("/api/rotation/rounds").status_code == 403
        assert client.get(f"/api/rotation/rounds/{rnd.pk}/moves").status_code == 403
