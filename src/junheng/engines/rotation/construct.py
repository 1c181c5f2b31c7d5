"""Stage 1, construct: same-subject exchange pairs chosen greedily for the CV gain.

An exchange of two teachers of one subject between two schools keeps every school's head
count and every subject's staff, so it can never break a need that held before. At each step
the pair (school A, school B within reach, flags of the teacher leaving A, flags of the one
leaving B) that lowers the objective the most is taken, over every pair of schools at once:
with ``G_s(db, dq)`` the change of school s's term when its backbone and qualified counts
change by db and dq, a pair sending flags fa from A and fb from B changes the objective by
``G_A(fb − fa) + G_B(fa − fb)`` plus the travel cost; availability (some subject has an
eligible teacher of flags fa at A and one of flags fb at B) is a product of 0/1 matrices.
After a step only the rows and columns of A and B change, so a step costs O(n) updates and
one arg-min over the 16·n² candidates.

The teachers of the chosen classes: the one who stated B (A) highest, then the longest
served, then the smallest teacher_id. Teachers with forbidden moves are left to the search.

It stops at the target number of movers (one short when the target is odd: the search adds
the last one with a three-school chain), or, with only a ceiling, when no pair lowers the
objective any more. Whatever the rules the construct leaves unmet (a need short before any
move, locked moves that unbalance a school, the backbone share) the search repairs.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from junheng.engines.rotation.problem import (
    KM_PER_PREF_POINT,
    MOVE_COST_POINTS,
    PREF_WEIGHT,
    Problem,
)
from junheng.engines.rotation.state import State

FLAGS = 4  # 2·backbone + qualified
COMBOS = [(fa, fb) for fa in range(FLAGS) for fb in range(FLAGS)]


def _gains(pb: Problem, st: State) -> npt.NDArray[np.float64]:
    """g[db + 1, dq + 1, s]: the change of school s's term for backbone ±db, qualified ±dq."""
    b = np.array(st.b, dtype=np.float64)
    q = np.array(st.q, dtype=np.float64)
    p = np.array(pb.students, dtype=np.float64)
    base = np.array(st.cterm, dtype=np.float64)
    g = np.zeros((3, 3, pb.n))
    for db in (-1, 0, 1):
        for dq in (-1, 0, 1):
            eb = 100.0 * (b + db) - pb.mean_b * p
            eq = 100.0 * (q + dq) - pb.mean_q * p
            g[db + 1, dq + 1] = (pb.cb * eb * eb + pb.cq * eq * eq) / p - base
    return g


def construct(pb: Problem, st: State, *, travel_cost: bool = True) -> int:
    """Add greedy same-subject exchange pairs to ``st``; returns the number of pairs.

    ``travel_cost=False`` leaves travel out of the pair's value: the plain same-subject greedy
    on the CVs alone (the plan's guard, see ``plan._greedy_guard``)."""
    n, nk = pb.n, pb.k
    if n < 2 or pb.movable == 0:
        return 0
    goal = pb.target
    if goal is not None and goal - st.movers_count < 2:
        return 0
    # classes of stayers without forbidden moves: (school, subject, flag) -> members, best first
    members: dict[tuple[int, int, int], list[int]] = {}
    for i in sorted(range(pb.movable), key=lambda i: (-pb.years[i], pb.tids[i])):
        if pb.forbid[i] or st.dest[i] != pb.home[i]:
            continue
        members.setdefault((pb.home[i], pb.subj[i], st.flag[i]), []).append(i)
    cnt = np.zeros((FLAGS, n, nk), dtype=np.int64)
    for (s, k, f), ms in members.items():
        cnt[f, s, k] = len(ms)
    has = (cnt > 0).astype(np.float64)  # has[f, s, k]
    reach = pb.reach
    travel = PREF_WEIGHT * (2 * MOVE_COST_POINTS + 2 * pb.dist / KM_PER_PREF_POINT)
    if not travel_cost:
        travel = np.zeros_like(travel)
    g = _gains(pb, st)
    inf = np.inf
    d_all = np.full((len(COMBOS), n, n), inf)

    def net(fa: int, fb: int) -> tuple[int, int]:
        return (fb >> 1) - (fa >> 1), (fb & 1) - (fa & 1)

    for c, (fa, fb) in enumerate(COMBOS):
        db, dq = net(fa, fb)
        avail = reach & ((has[fa] @ has[fb].T) > 0)
        delta = g[db + 1, dq + 1][:, None] + g[1 - db, 1 - dq][None, :] + travel
        d_all[c] = np.where(avail, delta, inf)

    def refresh(s: int) -> None:
        for c, (fa, fb) in enumerate(COMBOS):
            db, dq = net(fa, fb)
            ga = g[db + 1, dq + 1]
            gb = g[1 - db, 1 - dq]
            row_ok = reach[s] & ((has[fb] @ has[fa][s]) > 0)
            d_all[c, s, :] = np.where(row_ok, ga[s] + gb + travel[s], inf)
            col_ok = reach[:, s] & ((has[fa] @ has[fb][s]) > 0)
            d_all[c, :, s] = np.where(col_ok, ga + gb[s] + travel[:, s], inf)

    pairs = 0
    while True:
        m = st.movers_count
        if m + 2 > pb.hi or (goal is not None and m + 2 > goal):
            break
        flat = int(np.argmin(d_all))
        c, rest = divmod(flat, n * n)
        a, b = divmod(rest, n)
        val = float(d_all[c, a, b])
        if val == inf:
            break
        if goal is None and m >= pb.lo and val >= 0:
            break
        fa, fb = COMBOS[c]
        subjects = [k for k in range(nk) if cnt[fa, a, k] > 0 and cnt[fb, b, k] > 0]
        k = max(subjects, key=lambda k: (int(min(cnt[fa, a, k], cnt[fb, b, k])), -k))
        ta = _pick(pb, members[(a, k, fa)], b)
        tb = _pick(pb, members[(b, k, fb)], a)
        st.set_dest(ta, b)
        st.set_dest(tb, a)
        pairs += 1
        for s, f in ((a, fa), (b, fb)):
            cnt[f, s, k] -= 1
            if cnt[f, s, k] == 0:
                has[f, s, k] = 0.0
        g = _gains(pb, st)
        refresh(a)
        refresh(b)
    if goal is not None:
        while st.movers_count < goal and st.movers_count < pb.hi:
            if not _best_chain(pb, st, members, cnt, travel_cost):
                break
    return pairs


def _best_chain(
    pb: Problem,
    st: State,
    members: dict[tuple[int, int, int], list[int]],
    cnt: npt.NDArray[np.int64],
    travel_cost: bool = True,
) -> bool:
    """One more mover by a three-school chain: a mover j (c -> x) goes to b instead, and a
    stayer u of b, same subject, goes to x; the best such chain over every mover and school."""
    g = _gains(pb, st)
    best: tuple[float, int, int, int] | None = None
    for j in sorted(st.movers.items):
        c, x, k = pb.home[j], st.dest[j], pb.subj[j]
        fj = st.flag[j]
        ok = pb.reach[c] & pb.reach[:, x]
        ok[x] = False
        for b in pb.forbid[j]:
            ok[b] = False
        for fu in range(FLAGS):
            cand = ok & (cnt[fu, :, k] > 0)
            if not cand.any():
                continue
            db, dq = (fj >> 1) - (fu >> 1), (fj & 1) - (fu & 1)
            # b gets j (flag fj) and loses u (flag fu); x gets u instead of j
            delta = g[db + 1, dq + 1] + g[1 - db, 1 - dq][x]
            km = PREF_WEIGHT * (
                MOVE_COST_POINTS + (pb.dist[c] - pb.dist[c, x] + pb.dist[:, x]) / KM_PER_PREF_POINT
            )
            if not travel_cost:
                km = np.zeros_like(km)
            vals = np.where(cand, delta + km, np.inf)
            b = int(np.argmin(vals))
            v = float(vals[b])
            if v < np.inf and (best is None or v < best[0]):
                best = (v, j, b, fu)
    if best is None:
        return False
    _v, j, b, fu = best
    k = pb.subj[j]
    x = st.dest[j]
    u = _pick(pb, members[(b, k, fu)], x)
    cnt[fu, b, k] -= 1
    st.set_dest(j, b)
    st.set_dest(u, x)
    return True


def _pick(pb: Problem, ms: list[int], to: int) -> int:
    """The class member who goes: preferred ``to`` highest, then the longest served (order)."""
    best = max(range(len(ms)), key=lambda j: (pb.prefpts[ms[j]].get(to, 0), -j))
    return ms.pop(best)
