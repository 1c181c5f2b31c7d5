"""A plan under construction: every movable teacher's destination and the running figures.

``set_dest(i, d)`` moves movable teacher i to school d (their home: stays) and keeps, in O(1),
the counts per school (backbone, qualified, staff per subject, in − out), the movers, the
objective parts and the violation measure, and the indexes the search samples from. Every
stage (construct, search, exact) writes plans through it, and the hard rules are read off it:

- ``violations``: subject shortfalls + Σ|in − out| over schools + movers below the floor or
  above the ceiling + backbone movers short of the backbone share (0 for a valid plan);
- ``deviation``: |movers − target| (0 without a target);
- ``cost``: C (the CVs) + preferences and travel (see ``problem``).
"""

from __future__ import annotations

from junheng.engines.rotation.problem import (
    KM_PER_PREF_POINT,
    MOVE_COST_POINTS,
    PREF_WEIGHT,
    Problem,
)


class IndexedSet:
    """A set of ints with O(1) add, remove and random access (for sampling)."""

    __slots__ = ("items", "pos")

    def __init__(self) -> None:
        self.items: list[int] = []
        self.pos: dict[int, int] = {}

    def add(self, x: int) -> None:
        self.pos[x] = len(self.items)
        self.items.append(x)

    def remove(self, x: int) -> None:
        p = self.pos.pop(x)
        last = self.items.pop()
        if last != x:
            self.items[p] = last
            self.pos[last] = p

    def __len__(self) -> int:
        return len(self.items)


class State:
    def __init__(self, pb: Problem) -> None:
        self.pb = pb
        n, nk = pb.n, pb.k
        self.nk = nk
        self.km: list[list[float]] = pb.dist.tolist()
        self.reach_sets: list[set[int]] = [
            {int(d) for d in pb.reach[s].nonzero()[0]} for s in range(n)
        ]
        self.reach_lists: list[list[int]] = [sorted(r) for r in self.reach_sets]
        self.dest: list[int] = list(pb.home)
        self.b: list[int] = list(pb.b0)
        self.q: list[int] = list(pb.q0)
        self.staff: list[int] = list(pb.staff0)
        self.req: list[int] = pb.req
        self.net: list[int] = list(pb.fixed_net)
        self.movers_count = pb.n_fixed
        self.backbone_movers = pb.fixed_bb
        self.cterm = [pb.term(s, self.b[s], self.q[s]) for s in range(n)]
        self.csum = sum(self.cterm)
        self.rsum = 0.0
        self.shortfall = sum(max(0, r - st) for r, st in zip(self.req, self.staff, strict=True))
        self.imbalance = sum(abs(x) for x in self.net)
        self.flag = [2 * b + q for b, q in zip(pb.bb, pb.qq, strict=True)]
        # indexes for sampling
        self.movers = IndexedSet()
        self.movers_flag = [IndexedSet() for _ in range(4)]
        self.movers_in = [IndexedSet() for _ in range(n)]
        self.movers_out = [IndexedSet() for _ in range(n)]
        self.stayers = IndexedSet()
        self.stayers_at = [IndexedSet() for _ in range(n)]
        self.stayers_sk: dict[int, IndexedSet] = {}
        for i in range(pb.movable):
            self._add_stayer(i)

    # ----------------------------------------------------------------- indexes

    def _add_stayer(self, i: int) -> None:
        h = self.pb.home[i]
        self.stayers.add(i)
        self.stayers_at[h].add(i)
        key = h * self.nk + self.pb.subj[i]
        sk = self.stayers_sk.get(key)
        if sk is None:
            sk = self.stayers_sk[key] = IndexedSet()
        sk.add(i)

    def _remove_stayer(self, i: int) -> None:
        h = self.pb.home[i]
        self.stayers.remove(i)
        self.stayers_at[h].remove(i)
        self.stayers_sk[h * self.nk + self.pb.subj[i]].remove(i)

    # ----------------------------------------------------------------- moves

    def allowed(self, i: int, d: int) -> bool:
        """d is teacher i's home, or a school i may move to."""
        h = self.pb.home[i]
        return d == h or (d in self.reach_sets[h] and d not in self.pb.forbid[i])

    def move_cost(self, i: int, d: int) -> float:
        h = self.pb.home[i]
        if d == h:
            return 0.0
        return PREF_WEIGHT * (
            MOVE_COST_POINTS + self.km[h][d] / KM_PER_PREF_POINT - self.pb.prefpts[i].get(d, 0)
        )

    def set_dest(self, i: int, d: int) -> None:
        o = self.dest[i]
        if o == d:
            return
        pb = self.pb
        h = pb.home[i]
        nk = self.nk
        k = pb.subj[i]
        bi = pb.bb[i]
        qi = pb.qq[i]
        # subject staff and shortfalls
        staff, req = self.staff, self.req
        j = o * nk + k
        st = staff[j]
        staff[j] = st - 1
        if st <= req[j]:
            self.shortfall += 1
        j = d * nk + k
        st = staff[j]
        staff[j] = st + 1
        if st < req[j]:
            self.shortfall -= 1
        # CV terms
        if bi or qi:
            b, q, ct = self.b, self.q, self.cterm
            b[o] -= bi
            q[o] -= qi
            b[d] += bi
            q[d] += qi
            t_o = pb.term(o, b[o], q[o])
            t_d = pb.term(d, b[d], q[d])
            self.csum += t_o - ct[o] + t_d - ct[d]
            ct[o] = t_o
            ct[d] = t_d
        # head counts: in − out falls at o and rises at d, whatever the kind of change
        net = self.net
        x = net[o]
        net[o] = x - 1
        self.imbalance += abs(x - 1) - abs(x)
        x = net[d]
        net[d] = x + 1
        self.imbalance += abs(x + 1) - abs(x)
        self.rsum += self.move_cost(i, d) - self.move_cost(i, o)
        f = self.flag[i]
        if o == h:  # a stayer starts moving
            self._remove_stayer(i)
            self.movers.add(i)
            self.movers_flag[f].add(i)
            self.movers_out[h].add(i)
            self.movers_in[d].add(i)
            self.movers_count += 1
            self.backbone_movers += bi
        elif d == h:  # a mover stays after all
            self.movers.remove(i)
            self.movers_flag[f].remove(i)
            self.movers_out[h].remove(i)
            self.movers_in[o].remove(i)
            self._add_stayer(i)
            self.movers_count -= 1
            self.backbone_movers -= bi
        else:
            self.movers_in[o].remove(i)
            self.movers_in[d].add(i)
        self.dest[i] = d

    def apply(self, changes: list[tuple[int, int]], undo: list[tuple[int, int]]) -> None:
        for i, d in changes:
            undo.append((i, self.dest[i]))
            self.set_dest(i, d)

    def revert(self, undo: list[tuple[int, int]]) -> None:
        for i, d in reversed(undo):
            self.set_dest(i, d)
        undo.clear()

    # ----------------------------------------------------------------- figures

    def violations(self) -> int:
        pb = self.pb
        m = self.movers_count
        v = self.shortfall + self.imbalance
        if m < pb.lo:
            v += pb.lo - m
        if m > pb.hi:
            v += m - pb.hi
        short = pb.backbone_needed(m) - self.backbone_movers
        if short > 0:
            v += short
        return v

    def deviation(self) -> int:
        t = self.pb.target
        return 0 if t is None else abs(self.movers_count - t)

    def cost(self) -> float:
        return self.csum + self.rsum

    def key(self) -> tuple[int, int, float]:
        return (self.violations(), self.deviation(), self.csum + self.rsum)

    def recompute_cost(self) -> None:
        """Recompute the float sums from scratch (no drift in long searches)."""
        pb = self.pb
        self.cterm = [pb.term(s, self.b[s], self.q[s]) for s in range(pb.n)]
        self.csum = sum(self.cterm)
        self.rsum = sum(self.move_cost(i, d) for i, d in enumerate(self.dest))
