"""Proofs that the rules cannot hold together, each naming what clashes (InputError).

Every check is a necessary condition of any plan, so a failed check proves the contradiction:
too few teachers can move at all, too few backbone teachers, a school whose head count the
locked moves unbalance beyond repair, a subject need at a school that no eligible teacher can
fill. The exact stage (CP-SAT) proves the rest, and names the rules of its contradiction.
"""

from __future__ import annotations

import numpy as np

from junheng.engines.io import InputError
from junheng.engines.rotation.problem import Problem


def capacities(pb: Problem) -> tuple[list[int], list[int]]:
    """Per school: movable teachers who may leave it, and those elsewhere who may come to it."""
    plain = np.zeros(pb.n, dtype=np.int64)
    for i in range(pb.movable):
        if not pb.forbid[i]:
            plain[pb.home[i]] += 1
    any_dest = pb.reach.any(axis=1)
    out_cap = np.where(any_dest, plain, 0)
    in_cap = plain @ pb.reach.astype(np.int64)
    for i in range(pb.movable):
        if pb.forbid[i]:
            dests = [int(d) for d in pb.reach[pb.home[i]].nonzero()[0] if d not in pb.forbid[i]]
            out_cap[pb.home[i]] += bool(dests)
            in_cap[dests] += 1
    return [int(x) for x in out_cap], [int(x) for x in in_cap]


def prove_contradictions(pb: Problem) -> None:
    """Raise InputError (school and subject named where they can be) when the rules clash."""
    rules = pb.rules
    km = f"--max-km {rules.max_km:g}"
    if pb.n_fixed > pb.hi:
        raise InputError(
            None,
            None,
            "max_share",
            f"{pb.n_fixed} teachers are locked to other schools, more than the ceiling of "
            f"{pb.hi} movers",
        )
    out_cap, in_cap = capacities(pb)
    for s in range(pb.n):
        net = pb.fixed_net[s]  # locked in − out: the movable teachers must make up the rest
        name = pb.schools[s].school_id
        if net < 0 and in_cap[s] < -net:
            raise InputError(
                None,
                None,
                "locked",
                f"school {name} sends {-net} more locked teachers away than it receives, but "
                f"only {in_cap[s]} eligible teachers elsewhere can move there within {km} "
                "(every school keeps its head count)",
            )
        if net > 0 and out_cap[s] < net:
            raise InputError(
                None,
                None,
                "locked",
                f"school {name} receives {net} more locked teachers than it sends away, but only "
                f"{out_cap[s]} of its eligible teachers can move within {km} "
                "(every school keeps its head count)",
            )
    _needs(pb, km)
    # movers: a school sends at most what it can send and what others can send it back
    can = pb.n_fixed + sum(
        max(0, min(out_cap[s], in_cap[s] + pb.fixed_net[s])) for s in range(pb.n)
    )
    if can < pb.lo:
        raise InputError(
            None,
            None,
            "share",
            f"share {rules.share:g} needs {pb.lo} movers but only {can} eligible teachers can "
            f"move within {km} (each school receives as many as it sends)",
        )
    b_can = pb.fixed_bb + sum(1 for i in range(pb.movable) if pb.bb[i] and _can_leave(pb, i))
    b_req = pb.backbone_needed(pb.lo)
    if b_can < b_req:
        basis = "eligible teachers" if rules.backbone_basis == "eligible" else "movers"
        raise InputError(
            None,
            None,
            "backbone_share",
            f"backbone share {rules.backbone_share:g} of {basis} needs {b_req} backbone movers "
            f"but only {b_can} eligible backbone teachers can move within {km}",
        )


def _can_leave(pb: Problem, i: int) -> bool:
    row = pb.reach[pb.home[i]]
    if not pb.forbid[i]:
        return bool(row.any())
    return any(int(d) not in pb.forbid[i] for d in row.nonzero()[0])


def _needs(pb: Problem, km: str) -> None:
    nk = pb.k
    short = [
        (s, k) for s in range(pb.n) for k in range(nk) if pb.req[s * nk + k] > pb.staff0[s * nk + k]
    ]
    if not short:
        return
    could: dict[tuple[int, int], int] = dict.fromkeys(short, 0)
    wanted = {s for s, _k in short}
    for i in range(pb.movable):
        h, k = pb.home[i], pb.subj[i]
        for s in wanted:
            if (s, k) in could and pb.reach[h, s] and s not in pb.forbid[i]:
                could[(s, k)] += 1
    for s, k in short:
        have = pb.staff0[s * nk + k]
        req = pb.req[s * nk + k]
        if have + could[(s, k)] >= req:
            continue
        name = pb.schools[s].school_id
        subject = pb.subjects[k]
        out, orig = _locked_counts(pb, s, k)
        if out and orig >= req:
            raise InputError(
                None,
                None,
                "required",
                f"school {name} cannot keep {req} {subject} teachers if {out} of its {orig} "
                "must move",
            )
        raise InputError(
            None,
            None,
            "required",
            f"school {name} needs {req} {subject} teachers but has {have} and only "
            f"{could[(s, k)]} eligible {subject} teachers elsewhere can move there within {km}",
        )


def _locked_counts(pb: Problem, s: int, k: int) -> tuple[int, int]:
    """(subject-k teachers locked away from school s, its subject-k staff before any move)."""
    subject = pb.subjects[k]
    name = pb.schools[s].school_id
    out = sum(
        1 for tid, (a, _b) in pb.fixed.items() if a == name and pb.fixed_subject.get(tid) == subject
    )
    into = sum(
        1 for tid, (_a, b) in pb.fixed.items() if b == name and pb.fixed_subject.get(tid) == subject
    )
    return out, pb.staff0[s * pb.k + k] + out - into
