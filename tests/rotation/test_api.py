"""The JSON API is scoped as the pages are."""

from __future__ import annotations

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
    mine = client.get(f"/api/rotation/rounds/{rnd.pk}/moves").json()
    assert all(m["teacher_id"] == rusers["teacher"].teacher.code for m in mine)
    client.force_login(rusers["school_rural"])
    code = rusers["school_rural"].school.code
    seen = client.get(f"/api/rotation/rounds/{rnd.pk}/moves").json()
    assert seen and all(code in (m["from_school"], m["to_school"]) for m in seen)
    for who in ("parent", "provider"):
        client.force_login(rusers[who])
        assert client.get("/api/rotation/rounds").status_code == 403
        assert client.get(f"/api/rotation/rounds/{rnd.pk}/moves").status_code == 403
