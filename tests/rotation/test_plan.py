"""The app's plan: every hard rule holds on the stored moves, the engine's figures are kept, the
balance monitor's what-if gives the before/after indicators."""

from __future__ import annotations

import math

from junheng.rotation import actions, adapters
from junheng.rotation.models import Move, RunStatus


def test_plan_obeys_every_hard_rule_on_stored_moves(rnd, rusers):
    run = actions.do_run_plan(rnd, by=rusers["bureau"])
    assert run.status == RunStatus.DONE, run.message
    assert actions.recheck(run) == []
    s = run.summary
    assert s["violations"] == 0
    assert s["moved"] == Move.objects.filter(run=run).count() > 0
    assert s["moved"] >= math.ceil(0.10 * s["eligible"])
    assert s["backbone_share"] >= 0.2
    assert s["cv_backbone_after"] < s["cv_backbone_before"]
