"""Stage 2, local search: repair what the construct left unmet, then improve; keep the best plan.

Every step changes a few destinations in a way that keeps each school's in − out (the one
exception, used only to repair locked moves, sends a single teacher): swap the destinations of
two movers, let a stayer of the same school go instead of a mover, insert a stayer into a
mover's path (a three-school chain), add an exchange pair, or shortcut a chain (a mover stays
and the teacher who came in their place goes on to their destination). With a target number
of movers, a step that changes the count is followed by the opposite kind, so that pairs and
chains move about while the count stays at the target.

Steps are compared lexicographically on (violations, |movers − target|, cost): a step that
breaks more rules is never taken, one that breaks fewer always; among equals, simulated
annealing on the cost (the CVs, then preferences and travel), from a low temperature (2% of
the median worsening of a random step: the construct's plan is already good, and a near
descent keeps it) down to 1/10,000 of it. The best plan seen is kept (anytime).

Determinism: the steps are drawn from a ``random.Random`` seeded by ``seed``; the search stops
after a budget of steps (``iterations``) or after ``patience`` steps without a better plan, so
the same inputs and seed give the same plan on any machine. The wall-clock ``deadline`` is
only a safety net (``stopped_by == "time"`` says it fired, and then the plan depends on the
machine's speed).
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field

from junheng.engines.rotation.problem import Problem
from junheng.engines.rotation.state import State

CHECK_EVERY = 256  # steps between looks at the clock
REPAIR_SAMPLES = 32  # a repairing step takes the best of this many drawn steps (each counted)
REPAIR_PATIENCE = 30000  # drawn steps without a better plan while rules are still broken
IMPROVEMENT = 1e-9  # a relative fall of the cost below this is float noise, not a better plan
T_START_RATIO = 0.02  # the first temperature: this share of the median worsening of a step
T_END_RATIO = 1e-4


@dataclass
class SearchResult:
    dest: list[int]
    key: tuple[int, int, float]
    iterations: int = 0
    accepted: int = 0
    improved: bool = False  # a better plan than the starting one was found
    first_feasible_at: float | None = None  # perf_counter() when the rules first all held
    stopped_by: str = "budget"
    temperature: float = 0.0
    stats: dict[str, int] = field(default_factory=dict)


class Search:
    def __init__(
        self,
        pb: Problem,
        st: State,
        *,
        seed: int,
        iterations: int,
        patience: int,
        deadline: float,
    ) -> None:
        self.pb = pb
        self.st = st
        self.rng = random.Random(seed)
        self.iterations = iterations
        self.patience = patience
        self.deadline = deadline
        self.undo: list[tuple[int, int]] = []
        self._short_cache: tuple[int, list[int]] = (-1, [])

    # ----------------------------------------------------------------- steps

    def _apply(self, changes: list[tuple[int, int]]) -> bool:
        self.st.apply(changes, self.undo)
        return True

    def _rand(self, items: list[int]) -> int:
        return items[int(self.rng.random() * len(items))]

    def swap(self) -> bool:
        st = self.st
        movers = st.movers.items
        if len(movers) < 2:
            return False
        i = self._rand(movers)
        f = int(self.rng.random() * 3)
        if f >= st.flag[i]:
            f += 1
        bucket = st.movers_flag[f].items
        if not bucket:
            return False
        j = self._rand(bucket)
        x, y = st.dest[i], st.dest[j]
        if x == y or not st.allowed(i, y) or not st.allowed(j, x):
            return False
        return self._apply([(i, y), (j, x)])

    def replace(self, want_backbone: bool = False) -> bool:
        st = self.st
        movers = st.movers.items
        if not movers:
            return False
        i = self._rand(movers)
        if want_backbone and self.pb.bb[i]:
            return False
        h = self.pb.home[i]
        stay = st.stayers_at[h].items
        if not stay:
            return False
        u = self._rand(stay)
        if want_backbone and not self.pb.bb[u]:
            return False
        x = st.dest[i]
        if not st.allowed(u, x):
            return False
        return self._apply([(i, h), (u, x)])

    def insert(self, u: int | None = None) -> bool:
        st = self.st
        if u is None:
            if not st.stayers.items:
                return False
            u = self._rand(st.stayers.items)
        b = self.pb.home[u]
        rl = st.reach_lists[b]
        if not rl:
            return False
        x = self._rand(rl)
        into = st.movers_in[x].items
        if not into:
            return False
        j = self._rand(into)
        if self.pb.home[j] == b or not st.allowed(j, b) or not st.allowed(u, x):
            return False
        return self._apply([(j, b), (u, x)])

    def new_pair(self, u: int | None = None) -> bool:
        st = self.st
        pb = self.pb
        if u is None:
            if not st.stayers.items:
                return False
            u = self._rand(st.stayers.items)
        a = pb.home[u]
        rl = st.reach_lists[a]
        if not rl:
            return False
        c = self._rand(rl)
        if self.rng.random() < 0.8:
            pool = st.stayers_sk.get(c * st.nk + pb.subj[u])
        else:
            pool = st.stayers_at[c]
        if pool is None or not pool.items:
            return False
        v = self._rand(pool.items)
        if not st.allowed(u, c) or not st.allowed(v, a):
            return False
        return self._apply([(u, c), (v, a)])

    def shortcut(self) -> bool:
        st = self.st
        movers = st.movers.items
        if not movers:
            return False
        i = self._rand(movers)
        a = self.pb.home[i]
        x = st.dest[i]
        into = st.movers_in[a].items
        if not into:
            return False
        j = self._rand(into)
        if self.pb.home[j] != x and not st.allowed(j, x):
            return False
        return self._apply([(i, a), (j, x)])

    # ----------------------------------------------------------------- repairs

    def fix_balance(self) -> bool:
        """Locked moves left a school with more in than out (or fewer): send one teacher."""
        st = self.st
        pb = self.pb
        surplus = [s for s in range(pb.n) if st.net[s] > 0]
        if not surplus:
            return False
        s = self._rand(surplus)
        lacking = [d for d in st.reach_lists[s] if st.net[d] < 0]
        if self.rng.random() < 0.5 and st.movers_in[s].items:
            j = self._rand(st.movers_in[s].items)
            h = pb.home[j]
            options = [d for d in st.reach_lists[h] if st.net[d] < 0 and st.allowed(j, d)]
            to = self._rand(options) if options and self.rng.random() < 0.7 else h
            return self._apply([(j, to)])
        if not st.stayers_at[s].items:
            return False
        u = self._rand(st.stayers_at[s].items)
        pool = lacking if lacking and self.rng.random() < 0.8 else st.reach_lists[s]
        if not pool:
            return False
        d = self._rand(pool)
        if not st.allowed(u, d):
            return False
        return self._apply([(u, d)])

    def _short_needs(self) -> list[int]:
        st = self.st
        if self._short_cache[0] != st.shortfall or not self._short_cache[1]:
            keys = [j for j, r in enumerate(st.req) if r and st.staff[j] < r]
            self._short_cache = (st.shortfall, keys)
        return self._short_cache[1]

    def fix_need(self) -> bool:
        """A subject short at a school: bring one in by an exchange, or keep one there."""
        st = self.st
        pb = self.pb
        keys = self._short_needs()
        if not keys:
            return False
        j = self._rand(keys)
        s, k = divmod(j, st.nk)
        r = self.rng.random()
        if r < 0.3:  # a mover of the subject leaves s: a colleague of another subject goes instead
            out = [i for i in st.movers_out[s].items if pb.subj[i] == k]
            if not out:
                return False
            i = self._rand(out)
            stay = st.stayers_at[s].items
            if not stay:
                return False
            u = self._rand(stay)
            if pb.subj[u] == k or not st.allowed(u, st.dest[i]):
                return False
            return self._apply([(i, s), (u, st.dest[i])])
        rl = st.reach_lists[s]
        if not rl:
            return False
        c = self._rand(rl)
        pool = st.stayers_sk.get(c * st.nk + k)
        if r < 0.8:  # an exchange: a teacher of the subject comes, one of another subject goes
            if pool is None or not pool.items or not st.stayers_at[s].items:
                return False
            a = self._rand(pool.items)
            u = self._rand(st.stayers_at[s].items)
            if pb.subj[u] == k or not st.allowed(a, s) or not st.allowed(u, c):
                return False
            return self._apply([(a, s), (u, c)])
        # a mover of the subject elsewhere comes to s instead, and a stayer of s takes its place
        into = [i for i in st.movers_in[c].items if pb.subj[i] == k] if c != s else []
        if not into:
            return False
        i = self._rand(into)
        stay = st.stayers_at[s].items
        if not stay:
            return False
        u = self._rand(stay)
        if pb.subj[u] == k or not st.allowed(i, s) or not st.allowed(u, c):
            return False
        return self._apply([(i, s), (u, c)])

    def fix_backbone(self) -> bool:
        st = self.st
        pb = self.pb
        if self.rng.random() < 0.5:
            return self.replace(want_backbone=True)
        stayers = st.stayers.items
        if not stayers:
            return False
        for _ in range(8):
            u = self._rand(stayers)
            if pb.bb[u]:
                break
        else:
            return False
        return self.insert(u) if self.rng.random() < 0.3 else self.new_pair(u)

    # ----------------------------------------------------------------- proposals

    def _fix_count(self) -> None:
        """With a target: follow a count-changing step by the opposite kind."""
        st = self.st
        t = self.pb.target
        if t is None:
            return
        for _ in range(2):
            m = st.movers_count
            if m == t:
                return
            if m < t:
                (self.insert() if t - m == 1 else self.new_pair())
            else:
                self.shortcut()

    def propose(self, repairing: bool) -> bool:
        st = self.st
        pb = self.pb
        r = self.rng.random()
        if repairing:
            m = st.movers_count
            goal_lo = max(pb.lo, pb.target if pb.target is not None else pb.lo)
            choices = []
            if st.imbalance:
                choices.append(self.fix_balance)
            if st.shortfall:
                choices.append(self.fix_need)
            if pb.backbone_needed(m) > st.backbone_movers:
                choices.append(self.fix_backbone)
            if m < goal_lo:
                choices.append(self.new_pair if goal_lo - m > 1 else self.insert)
            if m > pb.hi or (pb.target is not None and m > pb.target):
                choices.append(self.shortcut)
            if choices and r < 0.8:
                return choices[int(self.rng.random() * len(choices))]()
            r = self.rng.random()
        if r < 0.3:
            ok = self.swap()
        elif r < 0.6:
            ok = self.replace()
        elif r < 0.75:
            ok = self.shortcut()
        elif r < 0.9:
            ok = self.new_pair()
        else:
            ok = self.insert()
        if ok:
            self._fix_count()
        return ok

    def _best_of(self, samples: int) -> bool:
        """Draw ``samples`` repairing steps, keep the best one applied (False: none was valid)."""
        st = self.st
        best: tuple[tuple[int, int, float], list[tuple[int, int]]] | None = None
        for _ in range(samples):
            if self.propose(True):
                k = st.key()
                if best is None or k < best[0]:
                    best = (k, [(i, st.dest[i]) for i, _old in self.undo])
            st.revert(self.undo)
        if best is None:
            return False
        st.apply(best[1], self.undo)
        return True

    # ----------------------------------------------------------------- the search

    def _temperature(self) -> float:
        """``T_START_RATIO`` × the median worsening of 200 random steps from the current plan."""
        st = self.st
        ups: list[float] = []
        base = st.key()
        for _ in range(200):
            if self.propose(False):
                k = st.key()
                if k[:2] == base[:2] and k[2] > base[2]:
                    ups.append(k[2] - base[2])
            st.revert(self.undo)
        if not ups:
            return 0.0
        ups.sort()
        return T_START_RATIO * ups[len(ups) // 2]

    def run(self) -> SearchResult:
        st = self.st
        rng = self.rng
        cur = st.key()
        best_dest = list(st.dest)
        best = cur
        result = SearchResult(dest=best_dest, key=best)
        if cur[0] == 0:
            result.first_feasible_at = time.perf_counter()
        journal: list[tuple[int, int]] = []
        temp = t0 = 0.0
        tempered = False
        cooling = 1.0
        since_best = 0
        it = 0
        tries = 0
        rounds = 0
        settle = False  # the target cannot be reached exactly: improve with the count as it is
        n_teach = max(1, self.pb.movable)
        while it < self.iterations:
            rounds += 1
            if rounds % CHECK_EVERY == 0 and time.perf_counter() > self.deadline:
                result.stopped_by = "time"
                break
            repairing = cur[0] > 0 or (cur[1] > 0 and not settle)
            if repairing and since_best > REPAIR_PATIENCE:
                if cur[0] > 0:
                    result.stopped_by = "patience"
                    break
                settle = True
                since_best = 0
                repairing = False
            if since_best > self.patience:
                result.stopped_by = "patience"
                break
            if not repairing and not tempered and self.iterations - it > 1000:
                tempered = True
                t0 = self._temperature()
                temp = t0
                left = max(1, self.iterations - it)
                cooling = T_END_RATIO ** (1.0 / left) if t0 > 0 else 1.0
                result.temperature = t0
            if repairing:
                it += REPAIR_SAMPLES
                since_best += REPAIR_SAMPLES
                tries += REPAIR_SAMPLES
                if not self._best_of(REPAIR_SAMPLES):
                    continue
            else:
                it += 1
                since_best += 1
                tries += 1
            if not repairing and not self.propose(False):
                st.revert(self.undo)
                continue
            new = st.key()
            if new[:2] < cur[:2]:
                accept = True
            elif new[:2] == cur[:2]:
                delta = new[2] - cur[2]
                accept = delta <= 0 or (temp > 0 and rng.random() < math.exp(-delta / temp))
            else:
                accept = False
            if not repairing:
                temp *= cooling
            if not accept:
                st.revert(self.undo)
                continue
            result.accepted += 1
            for i, _old in self.undo:
                journal.append((i, st.dest[i]))
            self.undo.clear()
            cur = new
            if new[:2] < best[:2] or (
                new[:2] == best[:2] and new[2] < best[2] - IMPROVEMENT * (1.0 + abs(best[2]))
            ):
                if len(journal) > 2 * n_teach:
                    best_dest[:] = st.dest
                else:
                    for i, d in journal:
                        best_dest[i] = d
                journal.clear()
                best = new
                since_best = 0
                result.improved = True
                if new[0] == 0 and result.first_feasible_at is None:
                    result.first_feasible_at = time.perf_counter()
        result.iterations = it
        result.key = best
        result.dest = best_dest
        result.stats = {"proposals": tries}
        return result
