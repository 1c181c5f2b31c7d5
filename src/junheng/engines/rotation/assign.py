"""Last step: who of a class of interchangeable teachers takes its moves.

Teachers of one school, subject, backbone and qualified flag are interchangeable for every rule
and for the CVs, so within such a class the moves (and the stays) are reassigned by an
assignment problem: most preference points for the school each goes to, then the longest
served; a forbidden move is never given. The plan's figures and rules do not change.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from junheng.engines.rotation.problem import Problem

FORBIDDEN_COST = 1e12


def polish(pb: Problem, dest: list[int]) -> list[int]:
    from scipy.optimize import linear_sum_assignment

    out = list(dest)
    classes: dict[tuple[int, int, int, int], list[int]] = defaultdict(list)
    for i in range(pb.movable):
        classes[(pb.home[i], pb.subj[i], pb.bb[i], pb.qq[i])].append(i)
    for key in sorted(classes):
        ms = classes[key]
        if len(ms) < 2 or all(dest[i] == pb.home[i] for i in ms):
            continue
        h = key[0]
        slots = sorted(dest[i] for i in ms)
        cost = np.zeros((len(ms), len(slots)))
        for r, i in enumerate(ms):
            for c, d in enumerate(slots):
                if d == h:
                    continue
                if d in pb.forbid[i]:
                    cost[r, c] = FORBIDDEN_COST
                else:
                    cost[r, c] = -(1000.0 * pb.prefpts[i].get(d, 0) + pb.years[i])
        rows, cols = linear_sum_assignment(cost)
        if float(cost[rows, cols].sum()) >= FORBIDDEN_COST:
            continue  # cannot happen from a valid plan; keep it as it is
        for r, c in zip(rows, cols, strict=True):
            out[ms[r]] = slots[c]
    return out
