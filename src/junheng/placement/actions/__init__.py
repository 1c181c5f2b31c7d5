"""The only writers of class placement (均衡编班 / 阳光分班): one `do_<verb>_<thing>` per change.

Each action takes the acting user as `by=`, checks the state it starts from, writes the change
and its audit record in one transaction and raises `ActionError` (a message fit to show the user)
when the change is not allowed — nothing is saved then.

The sunshine draw: a draft (cohort, classes, method, requests, teams) is *committed*: a seed is
drawn with `secrets`, and sha256(seed) and the SHA-256 of the engine's input file are published
before anything is run (the inputs are frozen then). Witnesses are recorded. At the draw the
public entropy of the ceremony is entered (numbers the witnesses give, or read from a public
source) and the engine runs exactly once with the final seed
sha256(seed:inputs_sha256:entropy) (`junheng.engines.lottery.final_seed`), then the placement
is locked (a second run is refused); teacher teams are drawn to classes by the same final seed.
Publishing reveals the seeds and writes every student's class. Students appear in the draw's
files by a random per-placement pseudonym (`PlacementMember.pseudonym`), never by their code. Late arrivals go afterwards into
the smallest class holding nobody they must be kept apart from.

The actions are split by domain: drafts, the draw, and the bureau's run; `common` holds the
engine inputs; refusals are `junheng.errors.ActionError`.
"""

from junheng.placement.actions.bulk import (
    _place_many,
    do_publish_bulk,
    do_run_bulk,
    do_start_bulk_run,
    execute_bulk_run,
)
from junheng.placement.actions.common import (
    CHECK_SEED,
    cohort_students,
    engine_input_of,
    member_rows,
    request_rows,
    result_file,
)
from junheng.placement.actions.drafts import (
    do_add_request,
    do_add_team,
    do_add_witness,
    do_create_placement,
    do_delete_request,
    do_delete_team,
    do_update_settings,
)
from junheng.placement.actions.draw import (
    do_add_late_arrival,
    do_commit_placement,
    do_publish_placement,
    do_run_draw,
    execute_draw,
    set_final_seed,
)

__all__ = [
    "_place_many",
    "CHECK_SEED",
    "cohort_students",
    "do_add_late_arrival",
    "do_add_request",
    "do_add_team",
    "do_add_witness",
    "do_commit_placement",
    "do_create_placement",
    "do_delete_request",
    "do_delete_team",
    "do_publish_bulk",
    "do_publish_placement",
    "do_run_bulk",
    "do_run_draw",
    "do_start_bulk_run",
    "do_update_settings",
    "engine_input_of",
    "execute_bulk_run",
    "execute_draw",
    "member_rows",
    "request_rows",
    "result_file",
    "set_final_seed",
]
