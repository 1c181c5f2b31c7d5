"""The choice-and-draw flow in a real browser: a parent ranks on a phone, the bureau closes the
window and runs the draw, the parent sees the result, another parent drops and the waitlisted
child gets the seat; the public draw page's hash equals `junheng verify`'s."""

from __future__ import annotations

import json
import shlex

import pytest

from junheng import cli
from tests.browser.conftest import login_as
from tests.conftest import PASSWORD
from tests.enrolment.conftest import market, rank_all, window  # noqa: F401  (fixtures)


@pytest.mark.django_db(transaction=True)
def test_parent_ranks_bureau_draws_drop_passes_seat_to_waitlist(
    phone_page,
    page,
    browser,
    live_server,
    market,  # noqa: F811
    window,  # noqa: F811
    users,
    tmp_path,
    capsys,
    monkeypatch,
):
    from junheng.enrolment.models import Draw, Enrolment, Ranking

    kid = market["kids"][0]  # 张小明, the fixture parent's child
    # Two low-income children are served first and take chess's two seats.
    for i in (1, 2):
        market["kids"][i].low_income = True
        market["kids"][i].save()
    rank_all(window, market, {1: ["chess"], 2: ["chess"], 3: ["choir"]})

    # 1. The parent ranks on a phone: chess first, choir second.
    p = phone_page
    login_as(p, "parent", PASSWORD)
    p.goto(p.base + "/enrolment/choose/")
    p.click("[data-testid=rank-link]")
    p.select_option("[data-testid=choice-1]", str(market["chess"].pk))
    p.select_option("[data-testid=choice-2]", str(market["choir"].pk))
    # No option for robotics: it is for grades 4–6 and the child is in grade 3.
    assert "机器人" not in p.inner_text("[data-testid=choice-1]")
    p.click("[data-testid=submit-ranking]")
    code = p.inner_text("[data-testid=receipt-code]")
    assert len(code) == 12
    assert "围棋" in p.inner_text("[data-testid=receipt-choices]")
    ranking = Ranking.objects.get(window=window, student=kid)
    assert ranking.receipt_code == code
    alias = p.inner_text("[data-testid=pseudonym]").strip()
    assert alias == ranking.pseudonym and kid.code not in alias
    assert p.evaluate("document.documentElement.scrollWidth") <= 390

    # 2. The bureau closes the window, runs the draw and publishes the results.
    login_as(page, "bureau", PASSWORD)
    page.goto(page.base + f"/enrolment/windows/{window.pk}/")
    # Each irreversible step first says what it will do; closing before the deadline needs a
    # reason, which the families are told.
    page.click("[data-testid=close-window]")
    assert "提前截止" in page.inner_text("[data-testid=consequences]")
    page.fill("[data-testid=reason]", "场地检修，提前截止")
    page.click("[data-testid=confirm]")
    page.fill("[data-testid=entropy-input]", "17 42 08 93")
    page.click("[data-testid=run-draw]")
    # The confirmation page says what the draw does and keeps the numbers as typed.
    assert "只运行一次" in page.inner_text("[data-testid=consequences]")
    assert page.input_value("[data-testid=entropy-input]") == "17 42 08 93"
    page.click("[data-testid=confirm]")
    page.click("[data-testid=publish-results]")
    page.click("[data-testid=confirm]")
    assert page.inner_text("[data-testid=window-state]") == "已公布结果"

    # 3. The parent sees the result: choir (2nd choice), and 1st on chess's waitlist.
    p.goto(p.base + "/enrolment/results/")
    assert "合唱" in p.inner_text("[data-testid=enrolled]")
    assert "第 1 位" in p.inner_text("[data-testid=waiting]")
    assert alias in p.inner_text("[data-testid=pseudonym]")

    # 4. Another parent drops chess on their phone.
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    other = ctx.new_page()
    other.set_default_timeout(15_000)
    other.base = live_server.url
    login_as(other, market["parents"][1].username, PASSWORD)
    other.goto(other.base + "/enrolment/results/")
    other.click("[data-testid=drop]")
    assert "候补" in other.inner_text("[data-testid=consequences]")
    other.click("[data-testid=confirm]")
    other.wait_for_selector("[data-testid=not-enrolled]")
    ctx.close()

    # 5. The waitlisted child gets the offer and accepts it.
    p.goto(p.base + "/enrolment/results/")
    p.click("[data-testid=accept-offer]")
    p.wait_for_selector(".messages")
    assert "围棋" in p.inner_text("[data-testid=enrolled]")
    active = Enrolment.objects.filter(offering=market["chess"], status="active")
    assert active.count() == 2 and active.filter(student=kid).exists()

    # 6. Anyone re-runs the draw from the public page's files and the exact command shown.
    draw = Draw.objects.get(window=window)
    anon = browser.new_context()
    pub = anon.new_page()
    pub.goto(live_server.url + f"/enrolment/draws/{draw.pk}/")
    shown_hash = pub.inner_text("[data-testid=result-hash]").strip()
    assert pub.inner_text("[data-testid=entropy]").strip() == "17 42 08 93"
    command = pub.inner_text("[data-testid=verify-command]").strip()
    for name in ("offerings", "choices", "students"):
        href = pub.get_attribute(f"[data-testid=file-{name}]", "href")
        body = pub.request.get(live_server.url + href).body()
        assert kid.code.encode() not in body
        (tmp_path / f"{name}.csv").write_bytes(body)
    anon.close()
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    rc = cli.main(shlex.split(command)[1:])
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert rc == 0 and summary["ok"] and summary["result_sha256"] == shown_hash
    assert shown_hash == draw.result_sha256 and summary["seed"] == draw.final_seed
