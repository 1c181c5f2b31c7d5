"""The only writers of choice windows, draws, seats, attendance, ratings and bills.

Every state change is one `do_<verb>_<thing>(…, by=user)` that checks the state it starts
from, writes the change, its history (`DrawAdjustment`), audit rows and notifications in one
transaction, and raises `ActionError` (a message fit for the user) when it is not allowed.
"""

from junheng.enrolment.actions.common import ActionError, free_seats, notify
from junheng.enrolment.actions.draws import ensure_pseudonyms, inputs_sha256_now, lottery_keys
from junheng.enrolment.actions.seats import (
    do_accept_offer,
    do_cancel_small_offerings,
    do_decline_offer,
    do_drop_enrolment,
    expire_offers,
    offer_free_seats,
    offer_next,
)
from junheng.enrolment.actions.services import (
    bill_statement,
    bill_statements,
    can_rate,
    do_export_bills,
    do_export_settlement,
    do_file_complaint,
    do_issue_bill,
    do_mark_attendance,
    do_rate_course,
    provider_quality,
    quality_score,
    refresh_quality,
    settlement_rows,
    subsidy_for,
    term_months,
)
from junheng.enrolment.actions.windows import (
    apply_sibling_rule,
    do_close_window,
    do_create_window,
    do_open_window,
    do_publish_results,
    do_run_draw,
    do_submit_ranking,
    do_withdraw_ranking,
    execute_draw,
    rankable_offerings,
)

__all__ = [
    "ActionError",
    "apply_sibling_rule",
    "can_rate",
    "do_accept_offer",
    "do_cancel_small_offerings",
    "do_close_window",
    "do_create_window",
    "do_decline_offer",
    "do_drop_enrolment",
    "do_export_bills",
    "do_export_settlement",
    "do_file_complaint",
    "do_issue_bill",
    "bill_statement",
    "bill_statements",
    "do_mark_attendance",
    "do_open_window",
    "do_publish_results",
    "do_rate_course",
    "do_run_draw",
    "do_submit_ranking",
    "do_withdraw_ranking",
    "ensure_pseudonyms",
    "execute_draw",
    "expire_offers",
    "free_seats",
    "inputs_sha256_now",
    "lottery_keys",
    "notify",
    "offer_free_seats",
    "offer_next",
    "provider_quality",
    "quality_score",
    "rankable_offerings",
    "refresh_quality",
    "settlement_rows",
    "subsidy_for",
    "term_months",
]
