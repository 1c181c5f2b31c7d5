"""The seam between ORM rows and the allocation engine (and back).

`draw_inputs(window)` builds the engine's plain inputs and the contract files' exact bytes
(offerings.csv, choices.csv, students.csv; docs/engines.md "junheng allocate") from the window's
offerings and rankings. Children appear only by their per-draw pseudonym (`Ranking.pseudonym`,
rows sorted by it), never by the school's student code; offerings by their id. `inputs_sha256`
is the seed rule's hash of the three files (`junheng.engines.lottery.inputs_sha256`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet

from junheng.afterschool.models import Offering, OfferingStatus
from junheng.engines import allocation
from junheng.engines.io import csv_bytes
from junheng.engines.lottery import file_sha256, inputs_sha256
from junheng.enrolment.models import ChoiceWindow, Enrolment, EnrolmentStatus, RankingChoice


@dataclass
class DrawInputs:
    offerings: list[allocation.Offering]
    choices: list[allocation.Choice]
    priorities: dict[str, int]
    offerings_csv: bytes
    choices_csv: bytes
    students_csv: bytes
    # ids used in the files -> database ids (students: pseudonym -> pk, and -> code for staff)
    offering_pk: dict[str, int]
    student_pk: dict[str, int]
    student_code: dict[str, str]

    @property
    def inputs_sha256(self) -> str:
        """sha256 of the three files' SHA-256s joined by ':' (offerings, choices, students)."""
        return inputs_sha256(
            [file_sha256(b) for b in (self.offerings_csv, self.choices_csv, self.students_csv)]
        )


def engine_ids(offerings: list[Offering]) -> dict[int, str]:
    """Offering pk -> its id in the files: `Offering.engine_id` (the synth/import code, or
    "O<pk>"), or "O<pk>" for all when codes repeat within the window."""
    ids = {o.pk: o.engine_id for o in offerings}
    if len(set(ids.values())) != len(ids):
        ids = {o.pk: f"O{o.pk}" for o in offerings}
    return ids


def _drawn_on(window: ChoiceWindow) -> QuerySet[Offering]:
    """The school's open offerings of the window's term."""
    return Offering.objects.filter(
        term_id=window.term_id, school_id=window.school_id, status=OfferingStatus.OPEN
    )


def window_offerings(window: ChoiceWindow) -> list[Offering]:
    """The offerings a window draws on: the school's open offerings of the term."""
    return list(
        _drawn_on(window)
        # what the rank page's offering cards show, in the same query (afterschool.cards
        # then has nothing left to fetch but the seats and photos)
        .select_related("course__provider", "course__school", "course__instructor", "slot",
                        "term", "instructor")
        .order_by("pk")
    )  # fmt: skip


def window_courses(window: ChoiceWindow) -> dict[int, tuple[str, int, int]]:
    """The same offerings as `window_offerings`, each as (course title, lowest grade, highest
    grade): what a submitted ranking is checked against, in one lean query."""
    rows = (
        _drawn_on(window)
        .order_by("pk")
        .values_list("pk", "course__title", "course__grade_min", "course__grade_max")
    )
    return {pk: (title, lo, hi) for pk, title, lo, hi in rows}


def draw_inputs(window: ChoiceWindow) -> DrawInputs:
    """The engine's inputs. Each offering's capacity is what the seat ledger says this round may
    give (its seats less those already held, and in a later round less the children still
    waiting from earlier rounds), so a draw never gives a seat twice."""
    from junheng.enrolment import ledger

    offerings = window_offerings(window)
    code = engine_ids(offerings)
    cap = ledger.round_capacity(offerings, window.school_id, window.term_id, window.round)
    offs = [allocation.Offering(code[o.pk], cap[o.pk], o.slot.code) for o in offerings]
    rows = (
        RankingChoice.objects.filter(ranking__window=window, offering_id__in=list(code))
        .select_related("ranking__student")
        .order_by("ranking__pseudonym", "rank")
    )
    if window.round > 1:
        # A later round is for children without a seat in the term (one may have accepted an
        # earlier round's waitlist offer since ranking here).
        seated = Enrolment.objects.filter(
            status=EnrolmentStatus.ACTIVE,
            window__school_id=window.school_id,
            window__term_id=window.term_id,
        ).values("student_id")
        rows = rows.exclude(ranking__student_id__in=seated)
    choices: list[allocation.Choice] = []
    student_pk: dict[str, int] = {}
    student_code: dict[str, str] = {}
    flags: dict[str, int] = {}
    for rc in rows:
        st, alias = rc.ranking.student, rc.ranking.pseudonym
        if not alias:
            raise ValueError(f"ranking {rc.ranking_id} has no pseudonym")
        choices.append(allocation.Choice(alias, rc.rank, code[rc.offering_id]))
        if alias not in student_pk:
            student_pk[alias] = st.pk
            student_code[alias] = st.code
            flags[alias] = window.priority_of(st)
    offs.sort(key=lambda o: o.offering_id)
    return DrawInputs(
        offerings=offs,
        choices=choices,
        priorities=flags,
        offerings_csv=csv_bytes(
            ["offering_id", "capacity", "slot"],
            [(o.offering_id, o.capacity, o.slot or "") for o in offs],
        ),
        choices_csv=csv_bytes(
            ["student_id", "rank", "offering_id"],
            [(c.student_id, c.rank, c.offering_id) for c in choices],
        ),
        students_csv=csv_bytes(["student_id", "priority"], sorted(flags.items())),
        offering_pk={v: k for k, v in code.items()},
        student_pk=student_pk,
        student_code=student_code,
    )


def run_engine(window: ChoiceWindow, inputs: DrawInputs, seed: str) -> allocation.AllocationResult:
    return allocation.allocate(
        inputs.offerings,
        inputs.choices,
        inputs.priorities,
        seed=seed,
        max_courses=window.max_courses,
        method=window.method,
    )


def report_inputs(
    inputs: DrawInputs, result: allocation.AllocationResult
) -> tuple[dict[str, list[tuple[int, str]]], dict[str, list[tuple[int, str]]], dict[str, int]]:
    """(choices, held, service position) per student code, for `enrolment.report` (a staff
    page: the report names children by the school's codes, the public files by pseudonyms)."""
    code = inputs.student_code
    choices: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for c in inputs.choices:
        choices[code[c.student_id]].append((c.rank, c.offering_id))
    held: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for a in result.assignments:
        held[code[a.student_id]].append((a.rank, a.offering_id))
    position = {code[sid]: i for i, sid in enumerate(result.service_order_ids())}
    return dict(choices), dict(held), position


def rank_lookup(inputs: DrawInputs) -> dict[tuple[str, str], int]:
    return {(c.student_id, c.offering_id): c.rank for c in inputs.choices}
