"""Balanced class placement of a new cohort (均衡编班 / 阳光分班), with a public lottery.

Problem: split n students into N classes so that the hard rules hold — class sizes differ by at
most 1, each `together` group (twins, siblings) is in one class, no two students of an `apart`
group share a class — and, for `balanced`, the classes are alike: girls and boys per class
within 1, support-needs students (and any extra 0/1 attribute such as migrant or left-behind)
spread evenly, every class mean score as close to the cohort mean as possible. The national
school management standard (2017) forbids key and non-key classes; schools traditionally deal
students in an S-shape ("snake", 蛇形分班) by score within gender and draw class numbers and
teacher teams by lot in public.

Method (all three methods share the first and last step):
1. Construction. `snake`: the S-shaped deal by score (descending, ties by lottery key) within
   gender, girls then boys in one continuous deal. `random`: students in lottery-key order dealt
   round robin (a seeded shuffle). `balanced`: students ordered by gender, needs, extra
   attributes and score, dealt in pairs of rounds whose class order is a seeded lottery
   permutation and its reverse (a snake whose starting class order the seed draws), so the seed
   decides among equally good placements.
2. Repair of the hard rules, as few moves as possible: each together group gathers into the class
   that already holds most of it, and each apart clash moves one student out, each move being a
   swap with the most similar free student (same gender and needs, nearest score). If the greedy
   repair cannot, a CP-SAT model keeps as many students as possible where they were subject to
   all hard rules, or proves the requests impossible (an `InputError`).
3. `balanced` only: local search with swaps of single students (together groups stay put).
   First the counts, lexicographically gender, then needs, then each extra attribute: the sum
   of squared class counts is reduced (its minimum is exactly "every class within 1 of the
   others") by rounds of plain moves — the fullest class paired with the emptiest, the second
   with the second…, in each pair a student with the attribute swapped for one without it who
   is alike in every other attribute — and single swaps where those run out. Then the score:
   the largest |class mean − cohort mean|, then the sum of squares, by rounds of paired swaps
   (the k-th highest class by mean deviation paired with the k-th lowest, in each pair the
   best swap of two students with identical attributes, all pairs at once), then the best
   swap between the worst class and any other, then rounds again. Candidate partners come
   from a binary search for the ideal score change (both objectives are convex in it).
   Stopping rule: the largest deviation reaches the floor of the score grid (`score_floor`:
   class sums are multiples of the scores' common step, so nothing does better), or neither a
   round nor a swap of the worst class improves. A small cohort that stopped above the floor
   gets a second search of single best swaps from the same point (the older, slower search:
   from the worst class down until no class has an improving swap), and the better result is
   kept. 5,000 pupils into 100 classes take some 40 ms of CPU and reach the floor.
4. Class numbers are drawn by lottery (抽签定班号): internal class k becomes the class whose key
   sha256(f"{seed}:class-{k}") ranks where it does.

Guarantee: the hard rules hold in every result (`violations` is 0) or the input is rejected with
a reason; same students and seed give byte-identical output. `score_bound` computes with CP-SAT
the best possible largest class-mean deviation under the same rules and the same gender/needs
spreads (small cohorts), so the local search's gap to the optimum can be reported.

Formats: `score_max_dev` in the summary is rounded to 6 decimals; the optional balance table
(`PlacementResult.table_bytes`) writes mean scores with 4. `place_all` runs many schools'
cohorts (a whole grade of a city) over worker processes with a progress callback, and
`draw_teams` draws teacher teams to classes with the same public lottery.

Lottery keys: CONTRACTS.md "The public lottery" (`junheng.engines.lottery`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from junheng.engines.io import InputError, sha256_hex
from junheng.engines.lottery import lottery_digests, lottery_keys

METHODS = ("balanced", "snake", "random")
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PlacementStudent:
    student_id: str
    gender: str  # "F" or "M"
    score: float | None = None
    needs: bool = False
    together: str = ""  # same label, same class
    apart: str = ""  # same label, different classes
    attributes: Mapping[str, bool] = field(default_factory=dict)  # extra 0/1 to balance


@dataclass(frozen=True)
class ClassRow:
    """One line of the public balance table."""

    class_no: int
    size: int
    female: int
    male: int
    needs: int
    mean_score: float | None
    attributes: dict[str, int]


@dataclass(frozen=True)
class PlacementResult:
    student_ids: list[str]  # input order
    classes: list[int]  # 1..N, input order
    n_classes: int
    method: str
    seed: str
    table: list[ClassRow]
    summary: dict[str, Any]

    def class_of(self) -> dict[str, int]:
        return dict(zip(self.student_ids, self.classes, strict=True))

    def out_bytes(self) -> bytes:
        return _out_bytes(self.student_ids, self.classes)

    def table_bytes(self) -> bytes:
        names = list(self.table[0].attributes) if self.table else []
        lines = [",".join(["class", "size", "F", "M", "needs", "mean_score", *names])]
        for row in self.table:
            mean = "" if row.mean_score is None else f"{row.mean_score:.4f}"
            extra = [str(row.attributes[k]) for k in names]
            lines.append(
                ",".join(
                    [str(row.class_no), str(row.size), str(row.female), str(row.male)]
                    + [str(row.needs), mean, *extra]
                )
            )
        return ("\n".join(lines) + "\n").encode("utf-8")


def _csv(s: str) -> str:
    return '"' + s.replace('"', '""') + '"' if any(c in s for c in ',"\n\r') else s


def _out_bytes(ids: Sequence[str], classes: Sequence[int]) -> bytes:
    order = sorted(range(len(ids)), key=ids.__getitem__)
    if any(c in "".join(ids) for c in ',"\n\r'):
        body = "".join(f"{_csv(ids[i])},{classes[i]}\n" for i in order)
    else:  # no id needs quoting
        body = "".join([f"{ids[i]},{classes[i]}\n" for i in order])
    return ("student_id,class\n" + body).encode("utf-8")


# --------------------------------------------------------------------------- the cohort


class _Cohort:
    """The students as arrays, with units (together groups) and apart labels checked."""

    def __init__(self, students: Sequence[PlacementStudent], n_classes: int, seed: str) -> None:
        n = len(students)
        if n == 0:
            raise InputError(None, None, "student_id", "no students to place")
        if n_classes < 1:
            raise InputError(None, None, "classes", f"need at least 1 class, got {n_classes}")
        if n_classes > n:
            raise InputError(None, None, "classes", f"{n_classes} classes for only {n} students")
        self.n, self.N = n, n_classes
        self.q, self.r = divmod(n, n_classes)
        self.cap = self.q + (1 if self.r else 0)
        ids = [s.student_id for s in students]
        genders = [s.gender for s in students]
        self.ids = ids
        if len(set(ids)) != n or not {"F", "M"}.issuperset(genders):
            seen: dict[str, int] = {}
            for i, s in enumerate(students):  # the first bad row, in file order
                if s.student_id in seen:
                    raise InputError(None, i + 2, "student_id", f"duplicate {s.student_id!r}")
                seen[s.student_id] = i
                if s.gender not in ("F", "M"):
                    raise InputError(None, i + 2, "gender", f"expected F or M, got {s.gender!r}")
        scores = [s.score for s in students]
        unscored = scores.count(None)
        self.has_score = unscored < n
        if self.has_score and unscored:
            raise InputError(
                None,
                scores.index(None) + 2,
                "score",
                "missing score (give every student a score, or none)",
            )
        self.score = (
            np.array(scores, dtype=np.float64) if self.has_score else np.zeros(n, dtype=np.float64)
        )
        if not np.isfinite(self.score).all():
            i = int(np.flatnonzero(~np.isfinite(self.score))[0])
            raise InputError(None, i + 2, "score", "not a finite number")
        self.female = (np.array(genders) == "F").astype(np.int64)
        self.needs = np.fromiter((bool(s.needs) for s in students), dtype=bool, count=n).astype(
            np.int64
        )
        names: set[str] = set()
        for s in students:
            if s.attributes:
                names.update(s.attributes)
        self.extra_names = sorted(names)
        extras = np.zeros((n, len(self.extra_names)), dtype=np.int64)
        for k, name in enumerate(self.extra_names):
            extras[:, k] = np.fromiter(
                (bool(s.attributes.get(name, False)) for s in students), dtype=bool, count=n
            )
        # Attribute matrix: F, M, needs, extras…; levels give the lexicographic priority.
        self.X = np.column_stack([self.female, 1 - self.female, self.needs, extras]).astype(
            np.int64
        )
        self.levels: list[list[int]] = [[0, 1], [2]] + [
            [3 + k] for k in range(len(self.extra_names))
        ]
        # Students with the same attribute row share a code: swapping two of them changes no
        # count. `code_rows[k]` is the row of code k.
        if self.X.shape[1] < 62:
            packed = self.X @ (np.int64(1) << np.arange(self.X.shape[1], dtype=np.int64))
            _, first_of, code = np.unique(packed, return_index=True, return_inverse=True)
            self.code_rows = self.X[first_of]
        else:
            self.code_rows, code = np.unique(self.X, axis=0, return_inverse=True)
        self.code = code.astype(np.int64).ravel()
        self.n_codes = int(self.code_rows.shape[0])
        self._flipped: dict[tuple[int, ...], IntArray] = {}
        # Lottery ranks: the digests' 64-bit words in order compare as the hex keys do.
        words = lottery_digests(seed, ids)
        self.keyrank = np.empty(n, dtype=np.int64)
        self.keyrank[np.lexsort(words.T[::-1])] = np.arange(n)
        # together units: the groups first (in order of first appearance), then every other
        # student alone, in input order
        unit_label: dict[str, int] = {}
        members: list[list[int]] = []
        unit = np.full(n, -1, dtype=np.int64)
        for i, s in enumerate(students):
            if s.together:
                u = unit_label.get(s.together)
                if u is None:
                    u = unit_label[s.together] = len(members)
                    members.append([])
                members[u].append(i)
                unit[i] = u
        alone = unit < 0
        unit[alone] = len(members) + np.arange(int(alone.sum()))
        self.unit = unit
        self.unit_size = np.concatenate(
            [
                np.array([len(m) for m in members], dtype=np.int64),
                np.ones(int(alone.sum()), np.int64),
            ]
        )
        self.groups = [np.array(m, dtype=np.int64) for m in members if len(m) > 1]
        self.movable = self.unit_size[unit] == 1
        for label, u in unit_label.items():
            if len(members[u]) > self.cap:
                raise InputError(
                    None,
                    members[u][0] + 2,
                    "together",
                    f"together group {label!r} has {len(members[u])} students but a class "
                    f"holds at most {self.cap} ({n} students in {n_classes} classes)",
                )
        # apart labels
        apart_label: dict[str, int] = {}
        lab = np.full(n, -1, dtype=np.int64)
        for i, s in enumerate(students):
            if s.apart:
                lab[i] = apart_label.setdefault(s.apart, len(apart_label))
        self.lab = lab
        self.n_labels = len(apart_label)
        label_names = {v: k for k, v in apart_label.items()}
        if self.n_labels:
            sizes = np.bincount(lab[lab >= 0], minlength=self.n_labels)
            for li in np.flatnonzero(sizes > n_classes):
                first = int(np.flatnonzero(lab == li)[0])
                raise InputError(
                    None,
                    first + 2,
                    "apart",
                    f"apart group {label_names[int(li)]!r} has {int(sizes[li])} students but "
                    f"there are only {n_classes} classes",
                )
            for label, u in unit_label.items():
                labs = [int(lab[i]) for i in members[u] if lab[i] >= 0]
                if len(labs) != len(set(labs)):
                    raise InputError(
                        None,
                        members[u][0] + 2,
                        "apart",
                        f"together group {label!r} holds two students who must be apart",
                    )

    @property
    def units(self) -> list[IntArray]:
        """The members of every unit (a together group, or one student), by unit number."""
        order = np.argsort(self.unit, kind="stable")
        return np.split(order, np.cumsum(self.unit_size)[:-1])

    def flipped_code(self, cols: Sequence[int]) -> IntArray:
        """Per student, the code of its attribute row with the columns `cols` flipped (-1
        where no student has that row)."""
        key = tuple(cols)
        if key in self._flipped:
            return self._flipped[key]
        index = {row.tobytes(): k for k, row in enumerate(self.code_rows)}
        flipped = self.code_rows.copy()
        flipped[:, cols] = 1 - flipped[:, cols]
        to = np.array([index.get(row.tobytes(), -1) for row in flipped], dtype=np.int64)
        self._flipped[key] = to[self.code]
        return self._flipped[key]

    # counts -----------------------------------------------------------------------------
    def counts(self, cls: IntArray) -> IntArray:
        c = np.zeros((self.N, self.X.shape[1]), dtype=np.int64)
        np.add.at(c, cls, self.X)
        return c

    def label_counts(self, cls: IntArray) -> IntArray:
        lc = np.zeros((self.N, max(self.n_labels, 1)), dtype=np.int64)
        m = self.lab >= 0
        np.add.at(lc, (cls[m], self.lab[m]), 1)
        return lc

    def violations(self, cls: IntArray) -> int:
        sizes = np.bincount(cls, minlength=self.N)
        v = int(sizes.max() - sizes.min() > 1)
        for u in self.groups:
            v += len(np.unique(cls[u])) - 1
        if self.n_labels:
            lc = self.label_counts(cls)
            v += int(np.maximum(lc - 1, 0).sum())
        return v


def _seed_int_perm(seed: str, tag: str, k: int) -> IntArray:
    """A lottery permutation of range(k): order of sha256(f"{seed}:{tag}-{i}")."""
    keys = [hashlib.sha256(f"{seed}:{tag}-{i}".encode()).hexdigest() for i in range(k)]
    return np.argsort(np.array(keys), kind="stable").astype(np.int64)


# --------------------------------------------------------------------------- construction


def _snake(co: _Cohort) -> IntArray:
    order = np.lexsort((co.keyrank, -co.score, 1 - co.female))  # girls first, score desc
    pos = np.arange(co.n)
    rnd, j = pos // co.N, pos % co.N
    cls = np.empty(co.n, dtype=np.int64)
    cls[order] = np.where(rnd % 2 == 0, j, co.N - 1 - j)
    return cls


def _random(co: _Cohort) -> IntArray:
    order = np.argsort(co.keyrank, kind="stable")
    cls = np.empty(co.n, dtype=np.int64)
    cls[order] = np.arange(co.n) % co.N
    return cls


def _balanced_start(co: _Cohort, seed: str) -> IntArray:
    extras = co.X[:, 3:]
    keys: list[Any] = [co.keyrank, -co.score]
    keys += [-extras[:, k] for k in range(extras.shape[1] - 1, -1, -1)]
    keys += [-co.needs, 1 - co.female]
    order = np.lexsort(tuple(keys))
    rounds = (co.n + co.N - 1) // co.N
    seq = np.empty(rounds * co.N, dtype=np.int64)
    for pair in range((rounds + 1) // 2):
        perm = _seed_int_perm(seed, f"round-{pair}", co.N)
        seq[2 * pair * co.N : (2 * pair + 1) * co.N] = perm
        if (2 * pair + 1) * co.N < len(seq):
            seq[(2 * pair + 1) * co.N : (2 * pair + 2) * co.N] = perm[::-1]
    cls = np.empty(co.n, dtype=np.int64)
    cls[order] = seq[: co.n]
    return cls


# --------------------------------------------------------------------------- repair


def _partner(
    co: _Cohort,
    cls: IntArray,
    locked: npt.NDArray[np.bool_],
    mover: int,
    dest: int,
    lc: IntArray,
    avoid: set[int],
) -> int:
    """The most similar free student in `dest` who can swap with `mover` (or -1)."""
    cand = np.flatnonzero((cls == dest) & co.movable & ~locked)
    if avoid:
        cand = cand[~np.isin(cand, list(avoid))]
    if cand.size == 0:
        return -1
    src = int(cls[mover])
    ok = np.ones(cand.size, dtype=bool)
    lm = int(co.lab[mover])
    if lm >= 0:  # mover may enter dest only if no other of its label is there (bar the partner)
        ok &= lc[dest, lm] - (co.lab[cand] == lm) == 0
    lp = co.lab[cand]
    has = lp >= 0
    # partner may enter src only if its label is absent there (bar the mover)
    ok[has] &= lc[src, lp[has]] - (lm == lp[has]) == 0
    cand = cand[ok]
    if cand.size == 0:
        return -1
    diff = np.abs(co.X[cand] - co.X[mover]).sum(axis=1)
    gender = co.female[cand] != co.female[mover]
    best = np.lexsort((co.keyrank[cand], np.abs(co.score[cand] - co.score[mover]), diff, gender))
    return int(cand[best[0]])


def _swap(co: _Cohort, cls: IntArray, lc: IntArray, a: int, b: int) -> None:
    ca, cb = int(cls[a]), int(cls[b])
    if co.lab[a] >= 0:
        lc[ca, co.lab[a]] -= 1
        lc[cb, co.lab[a]] += 1
    if co.lab[b] >= 0:
        lc[cb, co.lab[b]] -= 1
        lc[ca, co.lab[b]] += 1
    cls[a], cls[b] = cb, ca


def _greedy_repair(co: _Cohort, cls: IntArray) -> bool:
    """Fix together/apart in place by swaps; False when it cannot (sizes already within 1)."""
    locked = np.zeros(co.n, dtype=bool)
    lc = co.label_counts(cls)
    groups = list(co.groups)
    groups.sort(key=lambda u: (-len(u), int(co.keyrank[u].min())))
    for members in groups:
        cnt = np.bincount(cls[members], minlength=co.N)
        gathered = False
        for target in np.lexsort((np.arange(co.N), -cnt)):
            trial, trial_lc = cls.copy(), lc.copy()
            ok = True
            for m in members:
                if trial[m] == target:
                    continue
                p = _partner(co, trial, locked, int(m), int(target), trial_lc, set())
                if p < 0:
                    ok = False
                    break
                _swap(co, trial, trial_lc, int(m), p)
            # a member's label may clash with a non-member already in target: handled below
            if ok:
                cls[:], lc[:] = trial, trial_lc
                locked[members] = True
                gathered = True
                break
        if not gathered:
            return False
    for label in range(co.n_labels):
        while True:
            over = np.flatnonzero(lc[:, label] > 1)
            if over.size == 0:
                break
            c = int(over[0])
            here = np.flatnonzero((cls == c) & (co.lab == label))
            # move a free student; keep a locked one (in a together group) where it is
            free = [int(i) for i in here[np.argsort(co.keyrank[here])] if not locked[i]]
            if len(free) < len(here) - 1 or not free:
                return False
            mover = free[-1]
            dests = np.flatnonzero(lc[:, label] == 0)
            moved = False
            for d in dests:
                p = _partner(co, cls, locked, mover, int(d), lc, set())
                if p >= 0:
                    _swap(co, cls, lc, mover, p)
                    moved = True
                    break
            if not moved:
                return False
    return co.violations(cls) == 0


def _cpsat_repair(co: _Cohort, cls: IntArray, time_limit_s: float = 20.0) -> IntArray:
    """Hard rules with as many students as possible kept where `cls` put them (CP-SAT)."""
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    units = co.units
    n_units = len(units)
    x = [[m.new_bool_var(f"x{u}_{c}") for c in range(co.N)] for u in range(n_units)]
    for u in range(n_units):
        m.add_exactly_one(x[u])
    big = [m.new_bool_var(f"big{c}") for c in range(co.N)]
    for c in range(co.N):
        m.add(sum(int(co.unit_size[u]) * x[u][c] for u in range(n_units)) == co.q + big[c])
    m.add(sum(big) == co.r)
    for label in range(co.n_labels):
        us = sorted({int(co.unit[i]) for i in np.flatnonzero(co.lab == label)})
        for c in range(co.N):
            m.add_at_most_one(x[u][c] for u in us)
    keep: list[Any] = []
    for u in range(n_units):
        members = units[u]
        cnt = np.bincount(cls[members], minlength=co.N)
        keep.extend(int(cnt[c]) * x[u][c] for c in range(co.N) if cnt[c])
    m.maximize(sum(keep))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = time_limit_s
    status = solver.solve(m)
    if status == cp_model.INFEASIBLE:
        raise InputError(
            None,
            None,
            "apart",
            f"the together and apart requests cannot all be met with {co.N} classes "
            "of sizes within 1",
        )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise InputError(
            None, None, "apart", "no placement meeting the together/apart requests was found"
        )
    out = np.empty(co.n, dtype=np.int64)
    for u in range(n_units):
        c = next(c for c in range(co.N) if solver.value(x[u][c]))
        out[units[u]] = c
    return out


def _repair(co: _Cohort, cls: IntArray) -> IntArray:
    if co.violations(cls) == 0:
        return cls
    sizes = np.bincount(cls, minlength=co.N)
    if sizes.max() - sizes.min() <= 1:
        trial = cls.copy()
        if _greedy_repair(co, trial):
            return trial
    return _cpsat_repair(co, cls)


# --------------------------------------------------------------------------- local search


def _apart_ok(co: _Cohort, cls: IntArray, lc: IntArray, xs: IntArray, ys: IntArray) -> Any:
    """For candidate swaps (xs[k] <-> ys[k]): does neither land beside an apart-mate?"""
    ok = np.ones(xs.size, dtype=bool)
    if co.n_labels == 0:
        return ok
    lx, ly = co.lab[xs], co.lab[ys]
    cx, cy = cls[xs], cls[ys]
    m = lx >= 0
    ok[m] &= lc[cy[m], lx[m]] - (ly[m] == lx[m]) == 0
    m = ly >= 0
    ok[m] &= lc[cx[m], ly[m]] - (lx[m] == ly[m]) == 0
    return ok


def _balance_counts(search: _Search, max_iter: int) -> None:
    """Swap single students to bring every attribute's class counts within 1 (lexicographic).

    Each iteration takes the attribute of highest priority (gender, needs, then the extras)
    whose counts are spread by more than 1 and makes a round of plain moves
    (`_Search.count_round`); where there is none, one swap between a fullest class and an
    emptiest one, the best for the counts level by level and then for the two classes' mean
    deviations; an attribute that no such swap improves is left as it is."""
    co, cls = search.co, search.cls
    cnt, lc, sizes, dsum = search.cnt, search.lc, search.sizes, search.dsum
    stuck: set[int] = set()
    n_levels = len(co.levels)
    level_of = np.zeros(co.X.shape[1], dtype=np.int64)
    for li, cols in enumerate(co.levels):
        level_of[cols] = li
    for _ in range(max_iter):
        spread = cnt.max(axis=0) - cnt.min(axis=0)
        bad = [a for a in range(cnt.shape[1]) if spread[a] > 1 and a not in stuck]
        if not bad:
            return
        a = min(bad, key=lambda k: (level_of[k], -spread[k], k))
        if search.count_round(a, co.levels[int(level_of[a])]):
            continue
        hi_classes = np.flatnonzero(cnt[:, a] == cnt[:, a].max())
        lo_classes = np.flatnonzero(cnt[:, a] == cnt[:, a].min())
        done = False
        for hi in hi_classes:
            xs_all = np.flatnonzero((cls == hi) & co.movable & (co.X[:, a] == 1))
            ys_all = np.flatnonzero(np.isin(cls, lo_classes) & co.movable & (co.X[:, a] == 0))
            if xs_all.size == 0 or ys_all.size == 0:
                continue
            xs = np.repeat(xs_all, ys_all.size)
            ys = np.tile(ys_all, xs_all.size)
            lo = cls[ys]
            d = co.X[ys] - co.X[xs]  # change of class hi's counts (lo gets -d)
            delta_attr = 2 * d * (cnt[hi] - cnt[lo]) + 2 * d * d
            per_level = np.zeros((xs.size, n_levels), dtype=np.int64)
            for li, cols in enumerate(co.levels):
                per_level[:, li] = delta_attr[:, cols].sum(axis=1)
            ds = co.score[xs] - co.score[ys]
            score_term = ((dsum[hi] - ds) / sizes[hi]) ** 2 + ((dsum[lo] + ds) / sizes[lo]) ** 2
            ok = _apart_ok(co, cls, lc, xs, ys)
            if not ok.any():
                continue
            idx = np.flatnonzero(ok)
            keys = (
                co.keyrank[ys[idx]],
                co.keyrank[xs[idx]],
                score_term[idx],
                *(per_level[idx, li] for li in range(n_levels - 1, -1, -1)),
            )
            best = int(idx[np.lexsort(keys)[0]])
            row = per_level[best]
            nz = np.flatnonzero(row)
            if nz.size and row[nz[0]] < 0:
                search.apply(xs[best : best + 1], ys[best : best + 1])
                done = True
                break
        if not done:
            stuck.add(a)


def _lex_not_worse(per_level: IntArray) -> Any:
    """Rows whose first non-zero entry is negative, or that are all zero."""
    ok = np.zeros(per_level.shape[0], dtype=bool)
    undecided = np.ones(per_level.shape[0], dtype=bool)
    for li in range(per_level.shape[1]):
        v = per_level[:, li]
        ok |= undecided & (v < 0)
        undecided &= v == 0
    return ok | undecided


def _floor_dev(co: _Cohort) -> tuple[float, float] | None:
    """A lower bound on the largest |class mean − cohort mean| of any placement, from the
    grid of the scores alone: with scores multiples of u (u = g / 10^d, d ≤ 3 decimals, g the
    greatest common divisor), a class sum is a multiple of u, so a class of s students can
    only lie ⌊·⌋ or ⌈·⌉ of s·mean on that grid, and the class sums must add up to the total.
    The least largest deviation over those choices bounds every placement from below; the
    search stops when it reaches it. Returns (bound, tolerance: less than half the gap to any
    larger value a placement can take); None when the scores lie on no such grid, or when
    the bound could not be told apart from a larger value in floating point."""
    n, big = co.n, co.q + (1 if co.r else 0)
    for d in range(4):
        scaled = co.score * 10.0**d
        ints = np.round(scaled)
        if np.all(np.abs(scaled - ints) <= 1e-6):
            break
    else:
        return None
    t = ints.astype(np.int64)
    g = int(np.gcd.reduce(np.abs(t))) or 1
    total = int(t.sum()) // g  # the cohort's sum in units u
    u = g / 10.0**d
    tol = u / (4 * n * big * big)
    if tol < 1e-11 * max(1.0, float(np.abs(co.score).max())):
        return None
    groups = [(s, k) for s, k in ((co.q, co.N - co.r), (co.q + 1, co.r)) if k]
    ceils = total - sum(k * ((s * total) // n) for s, k in groups)  # classes rounded up

    def levels(s: int) -> tuple[float, float]:  # |deviation| rounded down, rounded up
        rest = (s * total) % n
        return u * rest / (n * s), (u * (n - rest) / (n * s) if rest else 0.0)

    best = float("inf")
    (s1, k1), rest_groups = groups[0], groups[1:]
    f1, c1 = levels(s1)
    s2, k2 = rest_groups[0] if rest_groups else (0, 0)
    f2, c2 = levels(s2) if k2 else (0.0, 0.0)
    for up2 in range(max(0, ceils - k1), min(k2, ceils) + 1):
        up1 = ceils - up2
        worst = max(
            f1 if k1 - up1 > 0 else 0.0,
            c1 if up1 > 0 else 0.0,
            f2 if k2 - up2 > 0 else 0.0,
            c2 if up2 > 0 else 0.0,
        )
        best = min(best, worst)
    return best, tol


def _balance_scores(search: _Search, max_iter: int, *, rounds: bool, floor: float) -> None:
    """Swap students to pull every class mean to the cohort mean, never making the
    gender/needs/extra counts worse (lexicographically, as in `_balance_counts`).

    Objective: the largest |class mean − cohort mean|, then the sum of squares; the search
    stops as soon as the largest deviation reaches `floor` (a lower bound for it). With
    `rounds`, rounds of paired swaps (`_Search.pair_round`) come first, as long as one
    improves; then the best improving swap between the worst class and any other
    (`_Search.step`, which may change counts where that is not worse), and after it the
    rounds again; it stops when neither improves. Without, each step takes the best
    improving swap between the worst class and any other, or if there is none, of the
    next-worst class, and so on (a swap lowering the sum of squares can open new moves); it
    stops when no class has one."""
    for _ in range(max_iter):
        adev = search.deviations()
        if float(adev.max()) <= floor:
            return
        if rounds:
            if not search.pair_round() and not search.step(int(np.argmax(adev))):
                return
            continue
        for c in np.argsort(-adev, kind="stable"):
            if search.step(int(c)):
                break
        else:
            return


# The second search (single steps, `_balance_scores` without rounds) runs only where its cost,
# about students × classes, stays under this.
SECOND_SEARCH = 50_000
# Partners tried on each side of the ideal score change, per student and class (`_candidates`).
NEAR = 2
# Candidates checked against the count and apart rules before the rest are (`step`).
HEAD = 64


class _Search:
    """The local search's state: the assignment and, per class, its attribute counts, apart
    label counts and the sum of its score deviations from the cohort mean."""

    def __init__(self, co: _Cohort, cls: IntArray) -> None:
        self.co, self.cls = co, cls
        self.cnt = co.counts(cls)
        self.lc = co.label_counts(cls)
        self.sizes = np.bincount(cls, minlength=co.N).astype(np.float64)
        mu = float(co.score.mean())
        self.dsum = np.bincount(cls, weights=co.score, minlength=co.N) - self.sizes * mu
        self.movable = np.flatnonzero(co.movable)
        self.eps = 1e-12 * max(1.0, abs(mu))
        self.unique_scores = np.unique(co.score)
        self.n_unique = int(self.unique_scores.size)
        self.score_rank = np.searchsorted(self.unique_scores, co.score).astype(np.int64)
        self._sorted_cache: tuple[IntArray, IntArray, IntArray, IntArray] | None = None

    def deviations(self) -> FloatArray:
        """|class mean − cohort mean| of every class."""
        return np.abs(self.dsum / self.sizes)

    def objective(self) -> tuple[float, float]:
        """(largest deviation, sum of squares), each rounded to the search's tolerance, so
        that two placements compare equal when only rounding tells them apart."""
        dev = self.dsum / self.sizes
        step = self.eps * 1e3
        return (
            round(float(np.abs(dev).max()) / step) * step,
            round(float((dev * dev).sum()) / step) * step,
        )

    def apply(self, xs: IntArray, ys: IntArray) -> None:
        """Swap xs[k] with ys[k] for every k; no class may appear in two of the swaps."""
        co, cls = self.co, self.cls
        cx, cy = cls[xs], cls[ys]
        ds = co.score[xs] - co.score[ys]
        np.add.at(self.dsum, cx, -ds)
        np.add.at(self.dsum, cy, ds)
        d = co.X[ys] - co.X[xs]
        np.add.at(self.cnt, cx, d)
        np.add.at(self.cnt, cy, -d)
        if co.n_labels:
            for who, src, dst in ((xs, cx, cy), (ys, cy, cx)):
                lab = co.lab[who]
                m = lab >= 0
                np.add.at(self.lc, (src[m], lab[m]), -1)
                np.add.at(self.lc, (dst[m], lab[m]), 1)
        cls[xs], cls[ys] = cy, cx
        self._sorted_cache = None

    def pairs_by(self, value: Any) -> tuple[IntArray, IntArray]:
        """The classes ordered by `value` (descending, ties by number), the k-th first paired
        with the k-th last: (high side, low side)."""
        n_classes = self.co.N
        order = np.lexsort((np.arange(n_classes), -value))
        h = n_classes // 2
        return order[:h], order[::-1][:h]

    def partners(
        self, hi: IntArray, lo: IntArray, xs: IntArray, want: IntArray, near: int
    ) -> tuple[IntArray, IntArray]:
        """Swap candidates between paired classes (hi[k], lo[k]): for each student x of a high
        class (`xs`), the `near` movable students of its paired low class with attribute code
        `want` whose scores lie nearest score[x] − ds* on either side, ds* being the score
        change that brings the two class means together (every objective here is convex in
        the change); ties in score in lottery order."""
        co, cls, dsum, sizes = self.co, self.cls, self.dsum, self.sizes
        empty = np.zeros(0, dtype=np.int64)
        pair_of = np.full(co.N, -1, dtype=np.int64)
        pair_of[lo] = np.arange(lo.size)
        ys = self.movable[pair_of[cls[self.movable]] >= 0]
        if ys.size == 0 or xs.size == 0:
            return empty, empty
        pair_of[hi] = np.arange(hi.size)
        nc, u1, n = co.n_codes, self.n_unique + 1, co.n
        group = (pair_of[cls[ys]] * nc + co.code[ys]) * u1 + self.score_rank[ys]
        up = ys[np.argsort(group * n + co.keyrank[ys], kind="stable")]
        down = ys[np.argsort(group * n + (n - 1 - co.keyrank[ys]), kind="stable")]
        keys = (pair_of[cls[up]] * nc + co.code[up]) * u1 + self.score_rank[up]
        px = pair_of[cls[xs]]
        a, b = hi[px], lo[px]
        ds_star = (dsum[a] * sizes[b] - dsum[b] * sizes[a]) / (sizes[a] + sizes[b])
        r = np.searchsorted(self.unique_scores, co.score[xs] - ds_star, side="left")
        seg = (px * nc + want) * u1
        i = np.searchsorted(keys, seg + r, side="left")  # first partner with score >= target
        start = np.searchsorted(keys, seg, side="left")
        stop = np.searchsorted(keys, seg + u1, side="left")
        picks_x: list[IntArray] = []
        picks_y: list[IntArray] = []
        for k in range(near):
            for pos, srt in ((i + k, up), (i - 1 - k, down)):
                ok = (pos >= start) & (pos < stop)
                picks_x.append(xs[ok])
                picks_y.append(srt[pos[ok]])
        cx, cy = np.concatenate(picks_x), np.concatenate(picks_y)
        ok = _apart_ok(co, cls, self.lc, cx, cy)
        return cx[ok], cy[ok]

    def _best_per_pair(self, hi: IntArray, cx: IntArray, cy: IntArray, *keys: Any) -> None:
        """Make, for each pair, the candidate swap first in (keys…, partner's lottery rank)."""
        pair_of = np.full(self.co.N, -1, dtype=np.int64)
        pair_of[hi] = np.arange(hi.size)
        cp = pair_of[self.cls[cx]]
        idx = np.lexsort((self.co.keyrank[cy], *keys[::-1], cp))
        first = np.ones(idx.size, dtype=bool)
        first[1:] = cp[idx[1:]] != cp[idx[:-1]]
        pick = idx[first]
        self.apply(cx[pick], cy[pick])

    def _pair_objectives(self, cx: IntArray, cy: IntArray) -> tuple[Any, Any, Any, Any]:
        """For candidate swaps: the pair's largest |deviation| and sum of squares, before and
        after."""
        co, cls, dsum, sizes = self.co, self.cls, self.dsum, self.sizes
        ca, cb = cls[cx], cls[cy]
        ds = co.score[cx] - co.score[cy]
        na = (dsum[ca] - ds) / sizes[ca]
        nb = (dsum[cb] + ds) / sizes[cb]
        oa, ob = dsum[ca] / sizes[ca], dsum[cb] / sizes[cb]
        return (
            np.maximum(np.abs(oa), np.abs(ob)),
            oa * oa + ob * ob,
            np.maximum(np.abs(na), np.abs(nb)),
            na * na + nb * nb,
        )

    def count_round(self, a: int, cols: Sequence[int]) -> bool:
        """One round of plain moves for attribute column `a` (of level `cols`): the classes
        ordered by their count of a, the k-th fullest paired with the k-th emptiest while the
        two differ by 2 or more; in each pair one student with a is swapped for one without
        it who is alike in every other attribute (so only a's level changes, by one towards
        the others in both classes, and no level above it), the pair whose swap leaves the
        two class means' sum of squared deviations least. False if no pair had such a swap."""
        co, cls, cnt = self.co, self.cls, self.cnt
        hi, lo = self.pairs_by(cnt[:, a])
        live = cnt[hi, a] - cnt[lo, a] >= 2
        hi, lo = hi[live], lo[live]
        if hi.size == 0:
            return False
        in_hi = np.zeros(co.N, dtype=bool)
        in_hi[hi] = True
        xs = self.movable[in_hi[cls[self.movable]] & (co.X[self.movable, a] == 1)]
        want = co.flipped_code(cols)[xs]
        xs, want = xs[want >= 0], want[want >= 0]
        cx, cy = self.partners(hi, lo, xs, want, NEAR)
        if cx.size == 0:
            return False
        _, _, _, new_ss = self._pair_objectives(cx, cy)
        self._best_per_pair(hi, cx, cy, new_ss, co.keyrank[cx])
        return True

    def pair_round(self) -> bool:
        """One round of paired swaps: the classes ordered by mean deviation, the k-th highest
        paired with the k-th lowest; in each pair the best swap of two students with the same
        attributes (so no count changes), if it improves the pair (largest |deviation| of the
        two, then their sum of squares). The pairs are disjoint, so all swaps are made at once
        and neither objective of the whole can get worse. False if no pair improved."""
        co, cls, eps = self.co, self.cls, self.eps
        dev = self.dsum / self.sizes
        hi, lo = self.pairs_by(dev)
        live = dev[hi] > dev[lo] + eps
        hi, lo = hi[live], lo[live]
        if hi.size == 0:
            return False
        in_hi = np.zeros(co.N, dtype=bool)
        in_hi[hi] = True
        xs = self.movable[in_hi[cls[self.movable]]]
        cx, cy = self.partners(hi, lo, xs, co.code[xs], NEAR if co.n_labels else 1)
        old_max, old_ss, new_max, new_ss = self._pair_objectives(cx, cy)
        better = (new_max < old_max - eps) | ((new_max <= old_max + eps) & (new_ss < old_ss - eps))
        if not better.any():
            return False
        cx, cy = cx[better], cy[better]
        self._best_per_pair(hi, cx, cy, new_max[better], new_ss[better])
        return True

    def _sorted(self) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        """The movable students by class, score and lottery rank (`up`; `down` the same with
        the lottery rank reversed), their search keys and each class's bounds in them; kept
        until the next swap. Exact integer keys: class · (U + 1) + dense rank of the score
        among the U distinct scores, so the nearest partner of equal score is the first in
        lottery order on either side."""
        if self._sorted_cache is None:
            co, cls, movable = self.co, self.cls, self.movable
            group = cls[movable].astype(np.int64) * (self.n_unique + 1) + self.score_rank[movable]
            n = co.keyrank.size
            up = movable[np.argsort(group * n + co.keyrank[movable])]
            down = movable[np.argsort(group * n + (n - 1 - co.keyrank[movable]))]
            up_keys = cls[up].astype(np.int64) * (self.n_unique + 1) + self.score_rank[up]
            bounds = np.searchsorted(cls[up], np.arange(co.N + 1), side="left")
            self._sorted_cache = (up, down, up_keys, bounds)
        return self._sorted_cache

    def _candidates(self, c: int, xs_all: IntArray, dev: Any) -> tuple[IntArray, IntArray]:
        """Swap partners worth trying for the students `xs_all` of class c.

        For a student x of c and another class q, both objectives (the largest class-mean
        deviation, then the sum of squares) are convex in the score change ds = score[x] −
        score[y] and smallest near ds* = (dsum[c]·s_q − dsum[q]·s_c) / (s_c + s_q); so the best
        partner in q is among the few students whose scores lie nearest score[x] − ds* on
        either side. NEAR of each side are kept (more than one, because a partner may break a
        count or an apart rule), with ties in score taken in lottery order, as the exhaustive
        search did. This makes a step O(|c| · N · log) instead of O(|c| · n)."""
        co, dsum, sizes = self.co, self.dsum, self.sizes
        up, down, up_keys, bounds = self._sorted()
        qs = np.flatnonzero((np.arange(co.N) != c) & (bounds[1:] > bounds[:-1]))
        if qs.size == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        ds_star = (dsum[c] * sizes[qs] - dsum[qs] * sizes[c]) / (sizes[c] + sizes[qs])
        target = co.score[xs_all][:, None] - ds_star[None, :]  # |xs| × |qs|
        r = np.searchsorted(self.unique_scores, target.ravel(), side="left")
        qq = np.broadcast_to(qs[None, :], target.shape).ravel()
        key = qq.astype(np.int64) * (self.n_unique + 1) + r
        i = np.searchsorted(up_keys, key, side="left")  # first partner with score >= target
        j = i  # `down` has the same keys in the same order: partners < target end at i
        lo, hi = bounds[qq], bounds[qq + 1]
        xx = np.broadcast_to(xs_all[:, None], target.shape).ravel()
        picks_x: list[IntArray] = []
        picks_y: list[IntArray] = []
        for k in range(NEAR):
            for pos, seg in ((i + k, up), (j - 1 - k, down)):
                ok = (pos >= lo) & (pos < hi)
                picks_x.append(xx[ok])
                picks_y.append(seg[pos[ok]])
        return np.concatenate(picks_x), np.concatenate(picks_y)

    def step(self, c: int) -> bool:
        """Make the best improving swap between class c and another; False if none."""
        co, cls, movable, dsum, sizes, eps = (
            self.co,
            self.cls,
            self.movable,
            self.dsum,
            self.sizes,
            self.eps,
        )
        dev = dsum / sizes
        adev = np.abs(dev)
        cur_max = float(adev.max())
        cur_ss = float((dev * dev).sum())
        xs_all = movable[cls[movable] == c]
        if xs_all.size == 0 or xs_all.size == movable.size:
            return False
        xs, ys = self._candidates(c, xs_all, dev)
        ds = co.score[xs] - co.score[ys]
        keep = ds * dev[c] > 0  # only swaps that move c's mean the right way
        if not keep.any():
            return False
        xs, ys, ds = xs[keep], ys[keep], ds[keep]
        q = cls[ys]
        new_c = (dsum[c] - ds) / sizes[c]
        new_q = (dsum[q] + ds) / sizes[q]
        # the largest |dev| among classes other than c and q: the first of the top three
        first = np.full(xs.size, -1.0)
        for t in np.argsort(-adev, kind="stable")[:3]:
            if t != c:
                first = np.where((first < 0) & (q != t), adev[t], first)
        other = np.maximum(first, 0.0)
        new_max = np.maximum(other, np.maximum(np.abs(new_c), np.abs(new_q)))
        new_ss = cur_ss - dev[c] ** 2 - dev[q] ** 2 + new_c**2 + new_q**2
        better = (new_max < cur_max - eps) | ((new_max <= cur_max + eps) & (new_ss < cur_ss - eps))
        idx = np.flatnonzero(better)
        if idx.size == 0:
            return False
        # Best first (largest deviation, sum of squares, lottery order); the count and apart
        # rules are checked on a short head of that order, the rest only if none passes.
        idx = idx[np.lexsort((co.keyrank[ys[idx]], new_ss[idx], new_max[idx]))]
        found = -1
        for head in (idx[:HEAD], idx[HEAD:]):
            if head.size == 0:
                continue
            hx, hy, hq = xs[head], ys[head], q[head]
            d = co.X[hy] - co.X[hx]  # change of class c's counts (q gets -d)
            delta_attr = 2 * d * (self.cnt[c] - self.cnt[hq]) + 2 * d * d
            per_level = np.column_stack([delta_attr[:, cols].sum(axis=1) for cols in co.levels])
            ok = _lex_not_worse(per_level) & _apart_ok(co, cls, self.lc, hx, hy)
            if ok.any():
                found = int(head[int(np.flatnonzero(ok)[0])])
                break
        if found < 0:
            return False
        self.apply(xs[found : found + 1], ys[found : found + 1])
        return True


# --------------------------------------------------------------------------- results


def _table(co: _Cohort, cls: IntArray) -> list[ClassRow]:
    sizes = np.bincount(cls, minlength=co.N)
    cnt = co.counts(cls)
    sums = np.bincount(cls, weights=co.score, minlength=co.N)
    rows = []
    for c in range(co.N):
        mean = float(sums[c] / sizes[c]) if co.has_score and sizes[c] else None
        rows.append(
            ClassRow(
                class_no=c + 1,
                size=int(sizes[c]),
                female=int(cnt[c, 0]),
                male=int(cnt[c, 1]),
                needs=int(cnt[c, 2]),
                mean_score=mean,
                attributes={k: int(cnt[c, 3 + j]) for j, k in enumerate(co.extra_names)},
            )
        )
    return rows


def _summary(co: _Cohort, cls: IntArray, data: bytes) -> dict[str, Any]:
    sizes = np.bincount(cls, minlength=co.N)
    cnt = co.counts(cls)
    spread = cnt.max(axis=0) - cnt.min(axis=0)
    dev = 0.0
    if co.has_score:
        means = np.bincount(cls, weights=co.score, minlength=co.N) / sizes
        dev = float(np.abs(means - co.score.mean()).max())
    return {
        "students": co.n,
        "classes": co.N,
        "size_min": int(sizes.min()),
        "size_max": int(sizes.max()),
        "gender_max_diff": int(spread[:2].max()),
        "needs_max_diff": int(spread[2]),
        "score_max_dev": round(dev, 6),
        "violations": co.violations(cls),
        "result_sha256": sha256_hex(data),
    }


def place(
    students: Sequence[PlacementStudent],
    n_classes: int,
    seed: str,
    method: str = "balanced",
    *,
    max_iter: int | None = None,
) -> PlacementResult:
    """Place a cohort into `n_classes` classes numbered 1..N (see the module docstring)."""
    if method not in METHODS:
        raise InputError(None, None, "method", f"unknown method {method!r}")
    co = _Cohort(students, n_classes, seed)
    if method == "snake":
        cls = _snake(co)
    elif method == "random":
        cls = _random(co)
    else:
        cls = _balanced_start(co, seed)
    cls = _repair(co, cls)
    if method == "balanced":
        limit = max_iter if max_iter is not None else 40 * co.N + 4 * co.n
        search = _Search(co, cls)
        _balance_counts(search, limit)
        if co.has_score and co.N > 1:
            floor = _floor_dev(co)
            stop = search.eps if floor is None else max(search.eps, floor[0] + floor[1])
            counted = cls.copy()
            _balance_scores(search, limit, rounds=True, floor=stop)
            if float(search.deviations().max()) > stop and co.n * co.N <= SECOND_SEARCH:
                other = _Search(co, counted)
                _balance_scores(other, limit, rounds=False, floor=stop)
                if other.objective() < search.objective():
                    cls[:] = other.cls
    assert co.violations(cls) == 0
    # class numbers by lottery
    number = np.empty(co.N, dtype=np.int64)
    number[_seed_int_perm(seed, "class", co.N)] = np.arange(1, co.N + 1)
    cls = number[cls] - 1
    classes = [int(c) + 1 for c in cls]
    data = _out_bytes(co.ids, classes)
    return PlacementResult(
        student_ids=list(co.ids),
        classes=classes,
        n_classes=co.N,
        method=method,
        seed=seed,
        table=_table(co, cls),
        summary=_summary(co, cls, data),
    )


@dataclass(frozen=True)
class Cohort:
    """One school's (or grade's) cohort for `place_all`."""

    key: str
    students: Sequence[PlacementStudent]
    n_classes: int
    seed: str


def _place_cohort(job: tuple[Cohort, str]) -> PlacementResult:
    cohort, method = job
    try:
        return place(cohort.students, cohort.n_classes, cohort.seed, method)
    except InputError as err:  # say which cohort
        raise InputError(err.file, err.row, err.column, f"{cohort.key}: {err.reason}") from err


def place_all(
    cohorts: Sequence[Cohort],
    method: str = "balanced",
    *,
    processes: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> list[PlacementResult]:
    """Place many independent cohorts (every school of a grade), in order, optionally over
    several worker processes; `progress(done, total)` is called as results come in."""
    jobs = [(c, method) for c in cohorts]
    out: list[PlacementResult] = []
    if processes <= 1 or len(jobs) < 2:
        for job in jobs:
            out.append(_place_cohort(job))
            if progress:
                progress(len(out), len(jobs))
        return out
    import multiprocessing as mp

    # Never plain fork: the caller may hold threads (a web server, a browser driver) and a
    # forked child can deadlock on a lock one of them held. forkserver forks from a clean process.
    method_name = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    with mp.get_context(method_name).Pool(processes) as pool:
        for result in pool.imap(_place_cohort, jobs, chunksize=4):
            out.append(result)
            if progress:
                progress(len(out), len(jobs))
    return out


def draw_teams(team_ids: Sequence[str], n_classes: int, seed: str) -> dict[int, str]:
    """Teacher teams drawn to classes by the public lottery: class k gets the team whose
    lottery key sha256(f"{seed}:{team_id}") ranks k-th (ascending).

    >>> sorted(draw_teams(["a", "b"], 2, "s").values())
    ['a', 'b']
    """
    if len(team_ids) != n_classes:
        raise InputError(
            None, None, "team", f"{len(team_ids)} teams for {n_classes} classes: need one each"
        )
    if len(set(team_ids)) != len(team_ids):
        raise InputError(None, None, "team", "a team is listed twice")
    keys = lottery_keys(seed, list(team_ids))
    order = sorted(range(len(team_ids)), key=keys.__getitem__)
    return {k + 1: team_ids[i] for k, i in enumerate(order)}


# --------------------------------------------------------------------------- the optimum


def score_floor(students: Sequence[PlacementStudent], n_classes: int) -> float | None:
    """The least largest |class mean − cohort mean| that the grid of the scores allows (class
    sums are multiples of the scores' common step): no placement does better, whatever the
    rules; `balanced` stops searching when it gets there. None when the scores have more than
    3 decimals or there are none.

    >>> score_floor([PlacementStudent(f"s{i}", "F", float(i)) for i in range(4)], 2)
    0.0
    >>> score_floor([PlacementStudent(f"s{i}", "F", float(i)) for i in range(2)], 2)
    0.5
    """
    co = _Cohort(students, n_classes, "floor")
    floor = _floor_dev(co) if co.has_score else None
    return None if floor is None else floor[0]


def score_bound(
    students: Sequence[PlacementStudent],
    n_classes: int,
    *,
    gender_spread: int = 1,
    needs_spread: int = 1,
    extra_spread: int | None = 1,
    time_limit_s: float = 30.0,
    scale: int = 1000,
) -> tuple[float, bool]:
    """The least possible largest |class mean − cohort mean| under the hard rules and with
    girls, boys, needs and extra-attribute counts per class within the given spreads (CP-SAT,
    for small cohorts; `extra_spread=None` leaves the extra attributes free). Scores are taken to `1/scale` (exact for 3 decimals). Returns (value, optimal):
    `optimal` is False when the time limit cut the search (the value is then an upper bound on
    the optimum, not a bound below it)."""
    from ortools.sat.python import cp_model

    co = _Cohort(students, n_classes, "bound")
    n, k, q = co.n, co.N, co.q
    s = [round(float(v) * scale) for v in co.score]
    total = sum(s)
    m = cp_model.CpModel()
    x = [[m.new_bool_var(f"x{i}_{c}") for c in range(k)] for i in range(n)]
    for i in range(n):
        m.add_exactly_one(x[i])
    for u in co.units:
        for i in u[1:]:
            for c in range(k):
                m.add(x[int(i)][c] == x[int(u[0])][c])
    big = [m.new_bool_var(f"big{c}") for c in range(k)]
    m.add(sum(big) == co.r)
    for c in range(k):
        m.add(sum(x[i][c] for i in range(n)) == q + big[c])
    for label in range(co.n_labels):
        members = np.flatnonzero(co.lab == label)
        for c in range(k):
            m.add_at_most_one(x[int(i)][c] for i in members)
    limits = [(co.female, gender_spread), (1 - co.female, gender_spread), (co.needs, needs_spread)]
    if extra_spread is not None:
        limits += [(co.X[:, 3 + j], extra_spread) for j in range(len(co.extra_names))]
    for col, spread in limits:
        lo = m.new_int_var(0, n, "lo")
        for c in range(k):
            cnt = sum(x[i][c] for i in range(n) if col[i])
            m.add(cnt >= lo)
            m.add(cnt <= lo + spread)
    # A_c = n·sum_c − size_c·total; |A_c| / (n·size_c) is the class's deviation (scaled).
    bound = n * sum(abs(v) for v in s) + (q + 1) * abs(total)
    zs = m.new_int_var(0, bound, "zs")
    zb = m.new_int_var(0, bound, "zb")
    for c in range(k):
        a = m.new_int_var(-bound, bound, f"a{c}")
        m.add(a == n * sum(s[i] * x[i][c] for i in range(n)) - (q + big[c]) * total)
        m.add(a <= zs).only_enforce_if(big[c].negated())
        m.add(-a <= zs).only_enforce_if(big[c].negated())
        m.add(a <= zb).only_enforce_if(big[c])
        m.add(-a <= zb).only_enforce_if(big[c])
    w = m.new_int_var(0, bound * (q + 1), "w")
    m.add(w >= zs * (q + 1))
    m.add(w >= zb * q)
    m.minimize(w)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = time_limit_s
    status = solver.solve(m)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise InputError(None, None, "classes", "no placement within the given spreads")
    value = solver.value(w) / (n * q * (q + 1) * scale)
    return value, status == cp_model.OPTIMAL
