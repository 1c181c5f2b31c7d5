"""The only writers of the course supermarket: every state change is one `do_<verb>_<thing>`.

Each action takes the acting user as `by=`, checks the state it starts from, writes the change
and its history row (VettingEvent, CourseEvent) in one transaction, and raises `ActionError`
(with a message fit to show the user) when the change is not allowed. Views, the admin, the demo
loader and the tests all call these functions.

The actions are split by domain: vetting, courses, offerings (with slots and menus), course
requests and balanced supply; refusals are `junheng.errors.ActionError`.
"""

from junheng.afterschool.actions.courses import (
    check_not_tutoring,
    do_approve_course,
    do_create_school_course,
    do_propose_course,
    do_reject_course,
    do_submit_course,
    do_withdraw_course,
)
from junheng.afterschool.actions.offerings import (
    check_can_offer,
    do_cancel_offering,
    do_create_offering,
    do_move_offering,
    do_publish_menu,
    do_set_offering_seats,
    do_set_school_slots,
    do_unpublish_menu,
    menu_for,
    school_slot_ids,
)
from junheng.afterschool.actions.requests import (
    do_approve_course_request,
    do_cancel_course_request,
    do_confirm_course_request,
    do_decline_course_request,
    do_send_course_request,
)
from junheng.afterschool.actions.supply import (
    do_publish_supply_run,
    do_rerun_supply,
    do_set_placement_status,
    do_start_supply_run,
    execute_supply_run,
)
from junheng.afterschool.actions.vetting import (
    do_add_instructor,
    do_add_provider_document,
    do_approve_provider,
    do_exit_provider,
    do_expire_providers,
    do_register_provider,
    do_reinstate_provider,
    do_reject_provider,
    do_request_provider_info,
    do_resubmit_provider,
    do_submit_provider,
    do_suspend_provider,
)

__all__ = [
    "check_can_offer",
    "check_not_tutoring",
    "do_add_instructor",
    "do_add_provider_document",
    "do_approve_course",
    "do_approve_course_request",
    "do_approve_provider",
    "do_cancel_course_request",
    "do_cancel_offering",
    "do_confirm_course_request",
    "do_create_offering",
    "do_create_school_course",
    "do_decline_course_request",
    "do_exit_provider",
    "do_expire_providers",
    "do_move_offering",
    "do_propose_course",
    "do_publish_menu",
    "do_publish_supply_run",
    "do_register_provider",
    "do_reinstate_provider",
    "do_reject_course",
    "do_reject_provider",
    "do_request_provider_info",
    "do_rerun_supply",
    "do_resubmit_provider",
    "do_send_course_request",
    "do_set_offering_seats",
    "do_set_placement_status",
    "do_set_school_slots",
    "do_start_supply_run",
    "do_submit_course",
    "do_submit_provider",
    "do_suspend_provider",
    "do_unpublish_menu",
    "do_withdraw_course",
    "execute_supply_run",
    "menu_for",
    "school_slot_ids",
]
