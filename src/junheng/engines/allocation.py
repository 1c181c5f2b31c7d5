"""After-school seat allocation by public lottery (课后服务选课摇号, the course "supermarket" draw).

Problem: students rank after-school offerings; each offering has a capacity and, optionally, a
weekly slot; each student may hold up to K offerings, at most one per slot. Decide who gets
which seat, fairly, reproducibly and verifiably (CONTRACTS.md, "The public lottery" and
"junheng allocate"), instead of first-come-first-served sign-up races.

Methods:

- ``da`` — student-proposing deferred acceptance (Gale & Shapley 1962) where every offering
  ranks students by the one common service order (priority desc, lottery key asc; K must be 1).
  With one common order DA's outcome is the serial dictatorship one (Abdulkadiroğlu & Sönmez
  1998): a student can only be displaced from an offering by someone earlier in the order, so
  serving students one by one in that order, each taking the best-ranked offering that still
  has a seat, gives exactly the student-optimal stable matching. That is what is implemented:
  one pass over the service order on CSR-style choice lists (a student's choices are a slice
  of flat arrays sorted by rank), O(total choices), no proposal rounds.
- ``draft`` — K rounds; odd rounds go in service order, even rounds in reverse; in each round a
  student takes the best-ranked offering with a free seat that they do not hold and whose slot
  is free for them; a student with none skips the round (and, since seats only ever fill, will
  find none later either, so is not visited again). With K = 1 it equals ``da``.
- ``max-welfare`` — maximises Σ (R + 1 − rank) over the seats held, under capacity, K and slot
  limits: the efficiency bound the fair methods are compared with. Solved exactly as a
  min-cost flow (OR-Tools): source → student (capacity K) → student-slot node (capacity 1) →
  offering (capacity 1, cost −weight) → sink (capacity = seats), plus a zero-cost bypass so
  any amount may flow. Slots partition the offerings, so the slot rule is the capacity 1 of a
  student-slot node and the whole problem stays a network flow: its LP is integral, no MILP
  is needed. Ties are broken towards the service order: each seat of the student at service
  position p (0-based, of n) also earns weight × (n − p), scaled below one unit of welfare,
  so among welfare-maximal assignments the one giving better ranks to earlier students is
  chosen. (When the scaled costs would overflow OR-Tools' 64-bit cost range, from a few
  hundred thousand students, the tie-break is left out.) The network is built in a canonical order (students
  and offerings in text order of their ids), so the solver's own choice among remaining
  ties does not depend on the order of the input rows either.

Readings of the points the contract leaves open (the simplest ones):

- ``students`` = distinct student ids in the choices ∪ the priorities file; a student with a
  priority but no choices is simply unassigned.
- ``R`` = the largest rank in the choices (the longest list when lists are ranked 1..n).
- ``assigned`` = students holding ≥ 1 seat; ``unassigned`` = students − assigned;
  ``first_choice`` = students holding the offering they ranked 1; ``seats`` = Σ capacity;
  ``seats_filled`` = rows of the result; ``welfare`` = Σ (R + 1 − rank) over the result rows.
- Waitlist: a student is on an offering's list when they ranked it, do not hold it, and either
  hold fewer than K offerings (with K = 1: got nothing) or ranked it better than the worst
  offering they hold (with K = 1: above what they got). Positions 1.. follow the service
  order. Slots are not considered (a seat offered later may be taken by giving up another).
- Output order: the result by student_id then rank; the waitlist by offering_id then
  position; ids are compared as text (code point order).
- Row numbers in errors are those of the equivalent file (the header is row 1).

Guarantee: same inputs and seed give byte-identical outputs; capacities, K and slots are never
exceeded; ``out_bytes()`` are exactly the bytes ``junheng allocate --out`` writes, so an app's
``result_sha256`` equals the command's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from junheng.engines.io import InputError, sha256_hex
from junheng.engines.lottery import lottery_digests, order_from_digests, seed_commitment

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

METHODS = ("da", "draft", "max-welfare")
_SPECIAL = (",", '"', "\n", "\r")


@dataclass(frozen=True)
class Offering:
    offering_id: str
    capacity: int
    slot: str | None = None


@dataclass(frozen=True)
class Choice:
    student_id: str
    rank: int
    offering_id: str


@dataclass(frozen=True)
class Assignment:
    student_id: str
    offering_id: str
    rank: int


@dataclass(frozen=True)
class WaitlistEntry:
    offering_id: str
    position: int
    student_id: str


@dataclass(frozen=True)
class Sources:
    """Names used in error messages (file names for the CLI)."""

    offerings: str = "offerings"
    choices: str = "choices"
    students: str = "students"


@dataclass
class Problem:
    """Validated input as arrays, in a canonical order: students and offerings are indexed in
    text order of their ids; a student's choices are the slice indptr[s]:indptr[s+1] of the
    choice arrays, sorted by rank; slots are codes (a missing slot gets a code of its own)."""

    offering_ids: list[str]
    capacity: IntArray
    slot: IntArray
    student_ids: list[str]
    priority: IntArray
    indptr: IntArray
    choice_offering: IntArray
    choice_rank: IntArray

    @property
    def n_students(self) -> int:
        return len(self.student_ids)

    @cached_property
    def choice_student(self) -> IntArray:
        counts = np.diff(self.indptr)
        return np.repeat(np.arange(self.n_students, dtype=np.int64), counts)

    @property
    def longest(self) -> int:
        """R: the largest rank used (the longest list when lists are ranked 1..n)."""
        return int(self.choice_rank.max()) if self.choice_rank.size else 0


def _row(i: int | np.integer[Any]) -> int:
    return int(i) + 2


def _text(values: Sequence[str] | npt.NDArray[Any] | pd.Series) -> npt.NDArray[np.object_]:
    return np.asarray(pd.Series(values, dtype=object).to_numpy(dtype=object), dtype=object)


def _first_repeat(keys: list[IntArray], sizes: list[int]) -> int | None:
    """Index of the first row whose keys equal an earlier row's, or None.

    keys: the last is primary (np.lexsort's convention); sizes: each key is in [0, size).
    """
    if keys[0].size < 2:
        return None
    span = 1
    for size in sizes:
        span *= max(size, 1)
    if span < 2**62:
        # One combined integer key: a single stable argsort is far faster than a lexsort.
        combined = np.zeros(keys[0].size, dtype=np.int64)
        for k, size in zip(reversed(keys), reversed(sizes), strict=True):
            combined = combined * max(size, 1) + k
        order = np.argsort(combined, kind="stable")
        cs = combined[order]
        same = cs[1:] == cs[:-1]
    else:
        order = np.lexsort(keys)
        same = np.ones(order.size - 1, dtype=bool)
        for k in keys:
            ks = k[order]
            same &= ks[1:] == ks[:-1]
    if not same.any():
        return None
    return int(order[1:][same].min())


def _sorted_codes(values: npt.NDArray[np.object_]) -> tuple[IntArray, list[str]]:
    """Codes of `values` into their distinct values sorted as text (code point order)."""
    codes, uniques = pd.factorize(values)
    u = np.asarray(uniques, dtype=object)
    ids: list[str] = [str(x) for x in u]
    if u.size > 1 and not bool((u[1:] > u[:-1]).all()):
        ids = sorted(ids)
        codes = pd.Index(ids).get_indexer(u)[codes]
    return np.asarray(codes, dtype=np.int64), ids


def build_problem(
    offering_ids: Sequence[str] | npt.NDArray[Any] | pd.Series,
    capacities: Sequence[int] | IntArray | pd.Series,
    slots: Sequence[str | None] | npt.NDArray[Any] | pd.Series | None,
    choice_students: Sequence[str] | npt.NDArray[Any] | pd.Series,
    choice_ranks: Sequence[int] | IntArray | pd.Series,
    choice_offerings: Sequence[str] | npt.NDArray[Any] | pd.Series,
    priority_students: Sequence[str] | npt.NDArray[Any] | pd.Series = (),
    priority_values: Sequence[int] | IntArray | pd.Series = (),
    sources: Sources | None = None,
) -> Problem:
    """Check the input columns and index them. Raises InputError naming file, row and column."""
    src = sources or Sources()
    off_ids = _text(offering_ids)
    cap = np.asarray(capacities, dtype=np.int64).reshape(-1)
    n_off = off_ids.size
    empty_id = np.flatnonzero(off_ids == "")
    if empty_id.size:
        raise InputError(src.offerings, _row(empty_id[0]), "offering_id", "empty value")
    off_index = pd.Index(off_ids)
    if not off_index.is_unique:
        dup = int(np.flatnonzero(off_index.duplicated(keep="first"))[0])
        raise InputError(
            src.offerings, _row(dup), "offering_id", f"duplicate offering_id {off_ids[dup]!r}"
        )
    neg = np.flatnonzero(cap < 0)
    if neg.size:
        raise InputError(
            src.offerings, _row(neg[0]), "capacity", f"must be ≥ 0, got {int(cap[neg[0]])}"
        )
    c_students = _text(choice_students)
    c_offerings = _text(choice_offerings)
    c_ranks = np.asarray(choice_ranks, dtype=np.int64).reshape(-1)
    p_students = _text(priority_students)
    p_values = np.asarray(priority_values, dtype=np.int64).reshape(-1)
    m = c_students.size
    if not (c_offerings.size == m and c_ranks.size == m and p_students.size == p_values.size):
        raise ValueError("column lengths differ")
    empty_s = np.flatnonzero(c_students == "")
    if empty_s.size:
        raise InputError(src.choices, _row(empty_s[0]), "student_id", "empty value")
    bad_rank = np.flatnonzero(c_ranks < 1)
    if bad_rank.size:
        i = bad_rank[0]
        raise InputError(src.choices, _row(i), "rank", f"must be ≥ 1, got {int(c_ranks[i])}")
    c_off = off_index.get_indexer(c_offerings).astype(np.int64)
    unknown = np.flatnonzero(c_off < 0)
    if unknown.size:
        i = unknown[0]
        raise InputError(
            src.choices, _row(i), "offering_id", f"unknown offering {c_offerings[i]!r}"
        )
    empty_p = np.flatnonzero(p_students == "")
    if empty_p.size:
        raise InputError(src.students, _row(empty_p[0]), "student_id", "empty value")
    p_index = pd.Index(p_students)
    if not p_index.is_unique:
        dup = int(np.flatnonzero(p_index.duplicated(keep="first"))[0])
        raise InputError(
            src.students, _row(dup), "student_id", f"duplicate student_id {p_students[dup]!r}"
        )

    # Students in text order: choices and priorities together.
    codes, student_ids = _sorted_codes(np.concatenate([c_students, p_students]))
    c_stu, p_stu = codes[:m], codes[m:]
    n = len(student_ids)
    rep = _first_repeat([c_off, c_stu], [n_off, n])
    if rep is not None:
        raise InputError(
            src.choices,
            _row(rep),
            "offering_id",
            f"duplicate choice: student {c_students[rep]!r} lists offering "
            f"{c_offerings[rep]!r} twice",
        )
    max_rank = int(c_ranks.max()) if m else 0
    if (max_rank + 1) * max(n, 1) < 2**62:
        order = np.argsort(c_stu * (max_rank + 1) + c_ranks, kind="stable")
    else:
        order = np.lexsort((c_ranks, c_stu))
    s_sorted, r_sorted = c_stu[order], c_ranks[order]
    same = (s_sorted[1:] == s_sorted[:-1]) & (r_sorted[1:] == r_sorted[:-1])
    if same.any():
        rep = int(order[1:][same].min())
        raise InputError(
            src.choices,
            _row(rep),
            "rank",
            f"rank {int(c_ranks[rep])} used twice by student {c_students[rep]!r}",
        )
    priority = np.zeros(n, dtype=np.int64)
    priority[p_stu] = p_values
    # Canonical form: offerings in text order of their ids, so nothing downstream (the flow
    # solver's arc order included) depends on the order of the input rows.
    off_perm = np.argsort(off_ids, kind="stable")
    off_new = np.empty(n_off, dtype=np.int64)
    off_new[off_perm] = np.arange(n_off, dtype=np.int64)
    off_ids, cap = off_ids[off_perm], cap[off_perm]
    c_off = off_new[c_off]
    # A missing slot is a slot of its own: codes after the named slots (in text order).
    if slots is None:
        slot = np.arange(n_off, dtype=np.int64)
    else:
        slot_text = pd.Series(slots, dtype=object).fillna("").astype(str).str.strip()
        slot_text = slot_text.iloc[off_perm].reset_index(drop=True)
        named = (slot_text != "").to_numpy()
        codes_, _ = pd.factorize(slot_text.where(named, None), sort=True)
        slot = np.asarray(codes_, dtype=np.int64)
        n_named = int(slot.max()) + 1 if named.any() else 0
        slot[~named] = n_named + np.arange(int((~named).sum()), dtype=np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(c_stu, minlength=n), out=indptr[1:])
    return Problem(
        offering_ids=[str(x) for x in off_ids],
        capacity=cap,
        slot=slot,
        student_ids=student_ids,
        priority=priority,
        indptr=indptr,
        choice_offering=c_off[order],
        choice_rank=r_sorted,
    )


def check_parameters(max_courses: int, method: str | None) -> str:
    """The method to use (default da for K = 1, draft otherwise); InputError if impossible."""
    if max_courses < 1:
        raise InputError(None, None, "--max-courses", f"must be ≥ 1, got {max_courses}")
    chosen = method or ("da" if max_courses == 1 else "draft")
    if chosen not in METHODS:
        raise InputError(
            None,
            None,
            "--method",
            f"unknown method {chosen!r} (expected one of {', '.join(METHODS)})",
        )
    if chosen == "da" and max_courses != 1:
        raise InputError(None, None, "--method", f"da needs --max-courses 1, got {max_courses}")
    return chosen


def _serial_rounds(problem: Problem, order: IntArray, rounds: int) -> BoolArray:
    """Serial dictatorship (rounds = 1, = da) or the draft (odd rounds forward, even reverse)."""
    ip = problem.indptr.tolist()
    offs = problem.choice_offering.tolist()
    slots = problem.slot.tolist()
    remaining = problem.capacity.tolist()
    held = bytearray(len(offs))
    counts = np.diff(problem.indptr)
    active: list[int] = order[counts[order] > 0].tolist()
    if rounds == 1:
        for s in active:
            for j in range(ip[s], ip[s + 1]):
                o = offs[j]
                if remaining[o] > 0:
                    remaining[o] -= 1
                    held[j] = 1
                    break
        return np.frombuffer(bytes(held), dtype=np.bool_).copy()
    held_slots: dict[int, list[int]] = {}
    for r in range(rounds):
        sequence = active if r % 2 == 0 else active[::-1]
        still: list[int] = []
        for s in sequence:
            mine = held_slots.get(s)
            for j in range(ip[s], ip[s + 1]):
                o = offs[j]
                if remaining[o] <= 0 or held[j]:
                    continue
                if mine is not None and slots[o] in mine:
                    continue
                remaining[o] -= 1
                held[j] = 1
                if mine is None:
                    held_slots[s] = [slots[o]]
                else:
                    mine.append(slots[o])
                still.append(s)
                break
        # A student who found nothing never will (seats only fill): drop them.
        active = still if r % 2 == 0 else still[::-1]
    return np.frombuffer(bytes(held), dtype=np.bool_).copy()


def _max_welfare(problem: Problem, position: IntArray, k: int) -> BoolArray:
    from ortools.graph.python import min_cost_flow

    m = problem.choice_offering.size
    held = np.zeros(m, dtype=bool)
    if m == 0:
        return held
    n = problem.n_students
    n_off = len(problem.offering_ids)
    cs = problem.choice_student
    weight = problem.longest + 1 - problem.choice_rank
    deg = np.diff(problem.indptr)
    students = np.flatnonzero(deg > 0)
    student_node = np.full(n, -1, dtype=np.int64)
    base = 2 + n_off
    student_node[students] = base + np.arange(students.size)
    next_node = base + students.size
    # A student-slot node only where a student ranks two or more offerings in one slot.
    choice_tail = student_node[cs]
    layer_tails: list[IntArray] = []
    layer_heads: list[IntArray] = []
    if k > 1:
        slot_of = problem.slot[problem.choice_offering]
        key_order = np.lexsort((slot_of, cs))
        ks, kl = cs[key_order], slot_of[key_order]
        starts = np.ones(m, dtype=bool)
        starts[1:] = (ks[1:] != ks[:-1]) | (kl[1:] != kl[:-1])
        group = np.cumsum(starts) - 1
        sizes = np.bincount(group)
        shared = sizes[group] > 1
        if shared.any():
            groups = np.unique(group[shared])
            node_of_group = np.full(sizes.size, -1, dtype=np.int64)
            node_of_group[groups] = next_node + np.arange(groups.size)
            next_node += groups.size
            first_in_group = key_order[starts]
            layer_tails.append(student_node[cs[first_in_group[groups]]])
            layer_heads.append(node_of_group[groups])
            idx = key_order[shared]
            choice_tail = choice_tail.copy()
            choice_tail[idx] = node_of_group[group[shared]]
    n_nodes = next_node
    longest = problem.longest
    bonus = weight * (n - position[cs])
    bound = k * longest * n * (n + 1) // 2 + 1
    if longest * (bound + n) * (n_nodes + 1) >= 2**62:
        scale, bonus = 1, np.zeros(m, dtype=np.int64)
    else:
        scale = bound
    supply_cap = np.minimum(deg[students], k)
    flow_total = int(supply_cap.sum())
    tails = [
        np.zeros(students.size, dtype=np.int64),
        *layer_tails,
        choice_tail,
        np.arange(2, 2 + n_off, dtype=np.int64),
        np.array([0], dtype=np.int64),
    ]
    heads = [
        student_node[students],
        *layer_heads,
        2 + problem.choice_offering,
        np.ones(n_off, dtype=np.int64),
        np.array([1], dtype=np.int64),
    ]
    caps = [
        supply_cap,
        *[np.ones(t.size, dtype=np.int64) for t in layer_tails],
        np.ones(m, dtype=np.int64),
        problem.capacity,
        np.array([flow_total], dtype=np.int64),
    ]
    costs = [
        np.zeros(students.size, dtype=np.int64),
        *[np.zeros(t.size, dtype=np.int64) for t in layer_tails],
        -(weight * scale + bonus),
        np.zeros(n_off, dtype=np.int64),
        np.zeros(1, dtype=np.int64),
    ]
    first_choice_arc = students.size + sum(t.size for t in layer_tails)
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails), np.concatenate(heads), np.concatenate(caps), np.concatenate(costs)
    )
    supplies = np.zeros(n_nodes, dtype=np.int64)
    supplies[0], supplies[1] = flow_total, -flow_total
    smcf.set_nodes_supplies(np.arange(n_nodes, dtype=np.int64), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    arcs = np.arange(first_choice_arc, first_choice_arc + m, dtype=np.int64)
    held[:] = np.asarray(smcf.flows(arcs)) > 0
    return held


def _quoted(values: Iterable[str]) -> list[str]:
    out = []
    for v in values:
        if any(c in v for c in _SPECIAL):
            v = '"' + v.replace('"', '""') + '"'
        out.append(v)
    return out


def _csv_ids(values: list[str]) -> list[str]:
    probe = "".join(values)
    if not any(c in probe for c in _SPECIAL):
        return values
    return _quoted(values)


@dataclass
class AllocationResult:
    problem: Problem
    seed: str
    method: str
    max_courses: int
    held: BoolArray
    order: IntArray
    position: IntArray = field(repr=False)

    @cached_property
    def _held_index(self) -> IntArray:
        return np.flatnonzero(self.held).astype(np.int64)

    @cached_property
    def assignments(self) -> list[Assignment]:
        p, j = self.problem, self._held_index
        sids, oids = p.student_ids, p.offering_ids
        return [
            Assignment(sids[s], oids[o], r)
            for s, o, r in zip(
                p.choice_student[j].tolist(),
                p.choice_offering[j].tolist(),
                p.choice_rank[j].tolist(),
                strict=True,
            )
        ]

    @cached_property
    def _waitlist_arrays(self) -> tuple[IntArray, IntArray, IntArray]:
        """(offering, position, student) arrays, sorted by offering_id text then position."""
        p = self.problem
        cs, rank = p.choice_student, p.choice_rank
        held = self.held
        n = p.n_students
        count = np.bincount(cs[held], minlength=n)
        # Choices are sorted by student then rank: a student's last held row is their worst.
        hj = np.flatnonzero(held)
        last = hj[np.append(cs[hj][1:] != cs[hj][:-1], True)] if hj.size else hj
        worst = np.zeros(n, dtype=np.int64)
        worst[cs[last]] = rank[last]
        on = ~held & ((count[cs] < self.max_courses) | (rank < worst[cs]))
        j = np.flatnonzero(on)
        offs = p.choice_offering[j]
        studs = cs[j]
        # Offerings are indexed in text order of their ids (see build_problem).
        n_off = len(p.offering_ids)
        if n_off * max(n, 1) < 2**62:
            order = np.argsort(offs * n + self.position[studs])
        else:
            order = np.lexsort((self.position[studs], offs))
        offs, studs = offs[order], studs[order]
        starts = np.ones(offs.size, dtype=bool)
        starts[1:] = offs[1:] != offs[:-1]
        start_idx = np.maximum.accumulate(np.where(starts, np.arange(offs.size), 0))
        positions = np.arange(offs.size) - start_idx + 1
        return offs, positions.astype(np.int64), studs

    @cached_property
    def waitlist(self) -> list[WaitlistEntry]:
        offs, pos, studs = self._waitlist_arrays
        sids, oids = self.problem.student_ids, self.problem.offering_ids
        return [
            WaitlistEntry(oids[o], q, sids[s])
            for o, q, s in zip(offs.tolist(), pos.tolist(), studs.tolist(), strict=True)
        ]

    def out_bytes(self) -> bytes:
        """`--out` CSV: student_id, offering_id, rank; by student_id then rank."""
        return self._out_bytes

    @cached_property
    def _out_bytes(self) -> bytes:
        p, j = self.problem, self._held_index
        sids = _csv_ids(p.student_ids)
        oids = _csv_ids(p.offering_ids)
        lines = [
            f"{sids[s]},{oids[o]},{r}\n"
            for s, o, r in zip(
                p.choice_student[j].tolist(),
                p.choice_offering[j].tolist(),
                p.choice_rank[j].tolist(),
                strict=True,
            )
        ]
        return ("student_id,offering_id,rank\n" + "".join(lines)).encode("utf-8")

    def waitlist_bytes(self) -> bytes:
        """`--waitlist` CSV: offering_id, position, student_id; by offering_id then position."""
        return self._waitlist_bytes

    @cached_property
    def _waitlist_bytes(self) -> bytes:
        offs, pos, studs = self._waitlist_arrays
        sids = _csv_ids(self.problem.student_ids)
        oids = _csv_ids(self.problem.offering_ids)
        lines = [
            f"{oids[o]},{q},{sids[s]}\n"
            for o, q, s in zip(offs.tolist(), pos.tolist(), studs.tolist(), strict=True)
        ]
        return ("offering_id,position,student_id\n" + "".join(lines)).encode("utf-8")

    @property
    def result_sha256(self) -> str:
        return sha256_hex(self.out_bytes())

    @cached_property
    def welfare(self) -> int:
        p = self.problem
        return int((p.longest + 1 - p.choice_rank[self.held]).sum())

    @cached_property
    def summary(self) -> dict[str, Any]:
        p = self.problem
        cs = p.choice_student[self.held]
        assigned = int(np.count_nonzero(np.bincount(cs, minlength=p.n_students)))
        first = int(np.count_nonzero(p.choice_rank[self.held] == 1))
        return {
            "students": p.n_students,
            "assigned": assigned,
            "first_choice": first,
            "unassigned": p.n_students - assigned,
            "seats": int(p.capacity.sum()),
            "seats_filled": int(self.held.sum()),
            "welfare": self.welfare,
            "seed_commitment": seed_commitment(self.seed),
            "result_sha256": self.result_sha256,
        }

    def service_order_ids(self) -> list[str]:
        """Student ids in service order (priority desc, lottery key asc)."""
        ids = self.problem.student_ids
        return [ids[s] for s in self.order.tolist()]


def allocate_problem(
    problem: Problem, seed: str, max_courses: int = 1, method: str | None = None
) -> AllocationResult:
    """Run the draw on a validated problem."""
    chosen = check_parameters(max_courses, method)
    digests = lottery_digests(seed, problem.student_ids)
    order = order_from_digests(digests, problem.priority)
    position = np.empty(problem.n_students, dtype=np.int64)
    position[order] = np.arange(problem.n_students, dtype=np.int64)
    if chosen == "da":
        held = _serial_rounds(problem, order, 1)
    elif chosen == "draft":
        held = _serial_rounds(problem, order, max_courses)
    else:
        held = _max_welfare(problem, position, max_courses)
    return AllocationResult(problem, seed, chosen, max_courses, held, order, position)


def allocate(
    offerings: Sequence[Offering],
    choices: Sequence[Choice],
    priorities: Mapping[str, int] | None = None,
    seed: str = "",
    max_courses: int = 1,
    method: str | None = None,
) -> AllocationResult:
    """The draw on plain objects (for the app); same bytes as `junheng allocate` on files.

    >>> offers = [Offering("chess", 1), Offering("choir", 2)]
    >>> wants = [Choice("a", 1, "chess"), Choice("a", 2, "choir"), Choice("b", 1, "chess")]
    >>> r = allocate(offers, wants, {"b": 1}, seed="demo")
    >>> [(x.student_id, x.offering_id, x.rank) for x in r.assignments]
    [('a', 'choir', 2), ('b', 'chess', 1)]
    >>> r.summary["welfare"], r.summary["first_choice"]
    (3, 1)
    """
    check_parameters(max_courses, method)
    prio = dict(priorities or {})
    problem = build_problem(
        [str(o.offering_id) for o in offerings],
        [o.capacity for o in offerings],
        [o.slot for o in offerings],
        [str(c.student_id) for c in choices],
        [c.rank for c in choices],
        [str(c.offering_id) for c in choices],
        [str(k) for k in prio],
        list(prio.values()),
    )
    return allocate_problem(problem, seed, max_courses, method)
