"""Stage 6, bound: a lower bound on C from the linear relaxation of the flow model.

Continuous flows ``f[class, school] ≥ 0`` of classes of interchangeable teachers (school,
subject, backbone, qualified; a teacher with forbidden moves alone) over every allowed
destination, with every rule as a linear constraint (head counts, needs, backbone share, at
least the floor and at most the plan's own number of movers, or the ceiling when the plan
may move as many as help). Each school's part of C is convex in its integer count, so the
chords between consecutive integers (any subset of them) bound it from below, exactly at
integers; the relaxation's optimum is therefore at most the C of any plan with that many
movers: ``gap = (C − bound) / C``.

HiGHS runs in a child process (``python -c``), started when the plan starts and killed at the
deadline: its time limit need not be trusted. Models with more than ``MAX_FLOWS`` flows are
not solved (no gap).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from typing import Any

from junheng.engines.rotation.problem import Problem

MAX_FLOWS = 250_000
CHORD_SPAN = 25  # chords this far around the current and the ideal counts


class BoundJob:
    """The child process computing the bound; ``result(deadline)`` waits, then kills it.

    ``moved_cap``: the most movers the bound allows (the plan's target plus one, or the
    ceiling); a plan moving more gets no gap.
    """

    def __init__(self, pb: Problem, moved_cap: int | None) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.path: str | None = None
        self.moved_cap = moved_cap
        self.info: dict[str, Any] = {}
        flows = _count_flows(pb)
        self.info["flows"] = flows
        if flows == 0 or flows > MAX_FLOWS:
            self.info["status"] = "too large" if flows else "nothing to bound"
            return
        fd, self.path = tempfile.mkstemp(prefix="junheng-bound-", suffix=".pickle")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((pb, moved_cap), fh)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        # our own interpreter and module, a file we just wrote: no untrusted input
        self.proc = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-c",
                "import sys; from junheng.engines.rotation.bound import child; child(sys.argv[1])",
                self.path,
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
        )

    def result(self, deadline: float, moved: int) -> tuple[float | None, dict[str, Any]]:
        """Wait for the bound until the deadline; None when it is late or does not apply."""
        if self.proc is None:
            return None, self.info
        try:
            out, _err = self.proc.communicate(timeout=max(0.05, deadline - time.perf_counter()))
        except subprocess.TimeoutExpired:
            self.cancel()
            self.info["status"] = "stopped at the deadline"
            return None, self.info
        finally:
            self._clean()
        try:
            data = json.loads(out.decode("utf-8").strip().splitlines()[-1])
        except (ValueError, IndexError):
            self.info["status"] = "child failed"
            return None, self.info
        self.info.update(data)
        bound = data.get("bound")
        if bound is None or (self.moved_cap is not None and moved > self.moved_cap):
            return None, self.info
        return float(bound), self.info

    def cancel(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()
        self._clean()

    def _clean(self) -> None:
        if self.path is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            self.path = None


def _classes(pb: Problem) -> list[list[int]]:
    groups: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for i in range(pb.movable):
        key: tuple[int, ...] = (pb.home[i], pb.subj[i], pb.bb[i], pb.qq[i])
        if pb.forbid[i]:
            key = (*key, i)
        groups[key].append(i)
    return [groups[k] for k in sorted(groups)]


def _count_flows(pb: Problem) -> int:
    per_school = pb.reach.sum(axis=1)
    return int(sum(int(per_school[pb.home[ms[0]]]) for ms in _classes(pb)))


def relaxation(pb: Problem, moved_cap: int | None) -> tuple[float | None, dict[str, Any]]:
    """Solve the linear relaxation here (the child's work); (bound, info)."""
    import numpy as np
    import scipy.sparse as sp
    from scipy.optimize import linprog

    t0 = time.perf_counter()
    n, nk = pb.n, pb.k
    classes = _classes(pb)
    fk: list[int] = []
    fd: list[int] = []
    cap: list[int] = []
    for c, ms in enumerate(classes):
        i0 = ms[0]
        for d in pb.reach[pb.home[i0]].nonzero()[0]:
            if int(d) in pb.forbid[i0]:
                continue
            fk.append(c)
            fd.append(int(d))
        cap.append(len(ms))
    nf = len(fk)
    home = np.array([pb.home[classes[c][0]] for c in fk], dtype=np.int64)
    dest = np.array(fd, dtype=np.int64)
    subj = np.array([pb.subj[classes[c][0]] for c in fk], dtype=np.int64)
    isb = np.array([pb.bb[classes[c][0]] for c in fk], dtype=np.float64)
    isq = np.array([pb.qq[classes[c][0]] for c in fk], dtype=np.float64)
    # variables: flows, then e_b[s], e_q[s] (epigraphs of the schools' terms)
    o_eb = nf
    o_eq = nf + n
    nvar = nf + 2 * n
    rows_r: list[Any] = []
    rows_c: list[Any] = []
    rows_v: list[Any] = []
    ub: list[float] = []  # A_ub x <= b_ub
    eq_r: list[Any] = []
    eq_c: list[Any] = []
    eq_v: list[Any] = []
    beq: list[float] = []

    def le(cols: Any, vals: Any, rhs: float) -> None:
        k = len(ub)
        cols = np.asarray(cols, dtype=np.int64)
        rows_r.append(np.full(cols.size, k, dtype=np.int64))
        rows_c.append(cols)
        rows_v.append(np.asarray(vals, dtype=np.float64))
        ub.append(rhs)

    ids = np.arange(nf)
    fc = np.array(fk, dtype=np.int64)
    for c in range(len(classes)):
        cols = ids[fc == c]
        if cols.size:
            le(cols, np.ones(cols.size), cap[c])
    for s in range(n):
        cin, cout = ids[dest == s], ids[home == s]
        if cin.size or cout.size or pb.fixed_net[s]:
            k = len(beq)
            cols = np.r_[cin, cout]
            eq_r.append(np.full(cols.size, k, dtype=np.int64))
            eq_c.append(cols)
            eq_v.append(np.r_[np.ones(cin.size), -np.ones(cout.size)])
            beq.append(-pb.fixed_net[s])
    for j, r in enumerate(pb.req):
        if not r:
            continue
        s, k = divmod(j, nk)
        cin = ids[(dest == s) & (subj == k)]
        cout = ids[(home == s) & (subj == k)]
        if not cout.size and pb.staff0[j] >= r:
            continue
        # staff0 + in − out >= r  <=>  out − in <= staff0 − r
        le(np.r_[cout, cin], np.r_[np.ones(cout.size), -np.ones(cin.size)], pb.staff0[j] - r)
    le(ids, -np.ones(nf), pb.n_fixed - pb.lo)
    top = pb.hi if moved_cap is None else min(pb.hi, moved_cap)
    le(ids, np.ones(nf), top - pb.n_fixed)
    if pb.rules.backbone_basis == "eligible":
        le(ids, -isb, pb.fixed_bb - pb.backbone_needed(0))
    else:
        num, den = pb.bs.numerator, pb.bs.denominator
        # den·(Bf + Σ b f) − num·(Mf + Σ f) >= 0
        le(ids, -(den * isb - num), den * pb.fixed_bb - num * pb.n_fixed)
    # chords: e_s >= t(v) + (t(v+1) − t(v))·(x_s − v), x_s = base + in − out of the flag
    students = np.array(pb.students)
    for o_e, flag, base, coef, mean in (
        (o_eb, isb, pb.b0, pb.cb, pb.mean_b),
        (o_eq, isq, pb.q0, pb.cq, pb.mean_q),
    ):
        if coef == 0:
            continue
        out_cap = np.bincount(home, weights=flag * np.array([cap[c] for c in fk]), minlength=n)
        in_cap = np.bincount(dest, weights=flag * np.array([cap[c] for c in fk]), minlength=n)
        for s in range(n):
            p = float(students[s])

            def t(v: float, p: float = p, coef: float = coef, mean: float = mean) -> float:
                e = 100.0 * v - mean * p
                return coef * e * e / p

            lo_x = base[s] - int(out_cap[s])
            hi_x = base[s] + int(in_cap[s])
            ideal = mean * p / 100.0
            a = max(lo_x, math.floor(min(base[s], ideal)) - CHORD_SPAN)
            b = min(hi_x, math.ceil(max(base[s], ideal)) + CHORD_SPAN)
            cin = ids[(dest == s) & (flag > 0)]
            cout = ids[(home == s) & (flag > 0)]
            if b <= a:
                le([o_e + s], [-1.0], -t(a))
                continue
            for v in range(a, b):
                slope = t(v + 1) - t(v)
                # slope·(base + in − out − v) − e <= −t(v)
                cols = np.r_[cin, cout, [o_e + s]]
                vals = np.r_[slope * np.ones(cin.size), -slope * np.ones(cout.size), [-1.0]]
                le(cols, vals, -t(v) - slope * (base[s] - v))
    cost = np.zeros(nvar)
    cost[o_eb:] = 1.0
    bounds = [(0.0, float(cap[c])) for c in fk] + [(0.0, None)] * (2 * n)
    a_ub = sp.csr_matrix(
        (np.concatenate(rows_v), (np.concatenate(rows_r), np.concatenate(rows_c))),
        shape=(len(ub), nvar),
    )
    a_eq = (
        sp.csr_matrix(
            (np.concatenate(eq_v), (np.concatenate(eq_r), np.concatenate(eq_c))),
            shape=(len(beq), nvar),
        )
        if beq
        else None
    )
    res = linprog(
        cost,
        A_ub=a_ub,
        b_ub=np.array(ub),
        A_eq=a_eq,
        b_eq=np.array(beq) if beq else None,
        bounds=bounds,
        method="highs",
    )
    info = {
        "status": "optimal" if res.status == 0 else str(res.message).split(" (")[0],
        "flows": nf,
        "seconds": round(time.perf_counter() - t0, 2),
    }
    if res.status != 0:
        return None, info
    # constants of the chords: Σ t(·) at the fixed schools without flows are in e already
    return float(res.fun), info


def child(path: str) -> None:
    """Entry point of the bound's child process: a pickled (problem, cap) file, JSON out."""
    with open(path, "rb") as fh:
        # written by the parent a moment ago, in a file only this user can read (mkstemp)
        pb, cap = pickle.load(fh)  # noqa: S301
    bound, info = relaxation(pb, cap)
    info["bound"] = bound
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()
