"""Stage 4, exact: CP-SAT on the flows of classes of interchangeable teachers.

Used only when the search could not make every rule hold. Teachers of one school, subject and
backbone flag without forbidden moves form a class (a teacher with forbidden moves is a class
of their own); an integer flow ``f[class, school]`` over every allowed destination carries them.
Constraints: a class sends at most its members; every school's in − out makes up its locked
moves; every subject need; the floor and the ceiling on movers; the backbone share. With a
target the objective is |movers − target|.

CP-SAT runs on one worker with a deterministic-time budget (the same inputs give the same
answer), and the wall-clock time left as a cap. A plan goes back to the search; a proof of
infeasibility is solved again with one enforcement literal per rule and CP-SAT's assumptions,
whose core names the rules that cannot hold together (schools and subjects).
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from junheng.engines.io import InputError
from junheng.engines.rotation.problem import Problem

CORE_NAMES = 8  # rules named in the message at most
# Naming the rules in the way is a nicety once infeasibility is proven: the search for a small
# core (CP-SAT with one assumption per rule) gets at most this many deterministic seconds, and
# at most CORE_WALL_S of the wall clock, so that a proven contradiction is reported at once
# (an instance of 20 schools spent its whole two minutes here before, and named nothing).
CORE_SECONDS = 5.0
CORE_WALL_S = 10.0


class _Model:
    def __init__(self, pb: Problem, literals: bool) -> None:
        from ortools.sat.python import cp_model

        self.cp = cp_model
        self.m = cp_model.CpModel()
        self.names: list[tuple[Any, str]] = []
        self.literals = literals
        m = self.m
        groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for i in range(pb.movable):
            key: tuple[Any, ...] = (pb.home[i], pb.subj[i], pb.bb[i])
            if pb.forbid[i]:
                key = (*key, i)
            groups[key].append(i)
        self.classes = [groups[key] for key in sorted(groups)]
        self.flows: list[list[tuple[int, Any]]] = []
        n, nk = pb.n, pb.k
        into: list[list[Any]] = [[] for _ in range(n)]
        out: list[list[Any]] = [[] for _ in range(n)]
        into_k: dict[int, list[Any]] = defaultdict(list)
        out_k: dict[int, list[Any]] = defaultdict(list)
        every: list[Any] = []
        backbone: list[Any] = []
        for members in self.classes:
            i0 = members[0]
            h, k = pb.home[i0], pb.subj[i0]
            dests = [int(d) for d in pb.reach[h].nonzero()[0] if int(d) not in pb.forbid[i0]]
            row = []
            for d in dests:
                v = m.new_int_var(0, len(members), "")
                row.append((d, v))
                into[d].append(v)
                out[h].append(v)
                into_k[d * nk + k].append(v)
                out_k[h * nk + k].append(v)
                every.append(v)
                if pb.bb[i0]:
                    backbone.append(v)
            if row:
                m.add(sum(v for _d, v in row) <= len(members))
            self.flows.append(row)
        for s in range(n):
            if into[s] or out[s] or pb.fixed_net[s]:
                self._rule(
                    sum(into[s]) - sum(out[s]) == -pb.fixed_net[s],
                    f"school {pb.schools[s].school_id} keeps its head count",
                )
        for j, r in enumerate(pb.req):
            if not r:
                continue
            if not out_k.get(j) and pb.staff0[j] >= r:
                continue
            s, k = divmod(j, nk)
            self._rule(
                pb.staff0[j] + sum(into_k.get(j, [])) - sum(out_k.get(j, [])) >= r,
                f"school {pb.schools[s].school_id} keeps {r} {pb.subjects[k]} teachers",
            )
        movers = pb.n_fixed + sum(every)
        self._rule(movers >= pb.lo, f"at least {pb.lo} movers (--share {pb.rules.share:g})")
        if pb.hi < pb.n_fixed + pb.movable:
            self._rule(movers <= pb.hi, f"at most {pb.hi} movers (--max-share)")
        bmovers = pb.fixed_bb + sum(backbone)
        bs = pb.rules.backbone_share
        if pb.rules.backbone_basis == "eligible":
            self._rule(
                bmovers >= pb.backbone_needed(0),
                f"at least {pb.backbone_needed(0)} backbone movers (--backbone-share {bs:g})",
            )
        else:
            self._rule(
                pb.bs.denominator * bmovers - pb.bs.numerator * movers >= 0,
                f"backbone movers at least {bs:g} of the movers",
            )
        if pb.target is not None and not literals:
            dev = m.new_int_var(0, pb.n_fixed + pb.movable, "dev")
            m.add(dev >= movers - pb.target)
            m.add(dev >= pb.target - movers)
            m.minimize(dev)

    def _rule(self, ct: Any, name: str) -> None:
        c = self.m.add(ct)
        if self.literals:
            lit = self.m.new_bool_var(name)
            c.only_enforce_if(lit)
            self.names.append((lit, name))

    def solve(self, seconds: float, wall: float) -> tuple[Any, Any]:
        solver = self.cp.CpSolver()
        prm = solver.parameters
        prm.num_workers = 1
        prm.random_seed = 0
        prm.max_deterministic_time = max(0.5, seconds)
        prm.max_time_in_seconds = max(0.5, wall)
        if self.literals:
            self.m.add_assumptions([lit for lit, _name in self.names])
        status = solver.solve(self.m)
        return status, solver


def solve_exact(pb: Problem, deadline: float) -> tuple[list[int] | None, dict[str, Any]]:
    """A plan (destinations of the movable teachers) keeping every rule, or None in the time.

    Raises InputError naming the rules when CP-SAT proves that no plan exists.
    """
    left = deadline - time.perf_counter()
    info: dict[str, Any] = {}
    if left < 0.5:
        info["status"] = "no time left"
        return None, info
    model = _Model(pb, literals=False)
    t0 = time.perf_counter()
    status, solver = model.solve(left, left)
    cp = model.cp
    info.update(
        status=solver.status_name(status),
        seconds=round(time.perf_counter() - t0, 2),
        deterministic_time=round(solver.deterministic_time, 2),
    )
    if status in (cp.OPTIMAL, cp.FEASIBLE):
        dest = list(pb.home)
        for members, row in zip(model.classes, model.flows, strict=True):
            order = sorted(members, key=lambda i: (-pb.years[i], pb.tids[i]))
            at = 0
            for d, v in row:
                for _ in range(int(solver.value(v))):
                    dest[order[at]] = d
                    at += 1
        return dest, info
    if status != cp.INFEASIBLE:
        return None, info
    names = ["head counts, subject needs, the movers' share and the backbone share"]
    left = deadline - time.perf_counter()
    if left > 0.5:
        core_model = _Model(pb, literals=True)
        status, solver = core_model.solve(min(left, CORE_SECONDS), min(left, CORE_WALL_S))
        if status == cp.INFEASIBLE:
            core = set(solver.sufficient_assumptions_for_infeasibility())
            found = [name for lit, name in core_model.names if lit.index in core]
            if found:
                names = found
    more = f" and {len(names) - CORE_NAMES} more" if len(names) > CORE_NAMES else ""
    raise InputError(
        None,
        None,
        None,
        "the rules cannot all hold together within --max-km "
        f"{pb.rules.max_km:g}: {'; '.join(names[:CORE_NAMES])}{more}",
    )
