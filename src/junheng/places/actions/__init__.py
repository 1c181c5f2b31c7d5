"""School-places writes (学位预测与预警): the only code that changes this app's rows.

Every `do_*` takes the acting user (`by=`), checks the rules, writes in one transaction and
leaves an audit row; refusals are `junheng.errors.ActionError`.
"""

from junheng.places.actions.data import (
    ImportReport,
    current_school_year,
    do_import_births,
    do_import_capacity,
    do_import_enrolment,
    do_set_capacity,
    do_snapshot_enrolment,
)
from junheng.places.actions.runs import (
    do_export_report,
    do_run_forecast,
    execute_forecast,
    report_sheets,
)
from junheng.places.actions.scenarios import (
    do_add_housing,
    do_add_merger,
    do_add_opening,
    do_create_scenario,
    do_delete_scenario,
    do_remove_item,
    do_update_scenario,
)

__all__ = [
    "ImportReport",
    "current_school_year",
    "do_add_housing",
    "do_add_merger",
    "do_add_opening",
    "do_create_scenario",
    "do_delete_scenario",
    "do_export_report",
    "do_import_births",
    "do_import_capacity",
    "do_import_enrolment",
    "do_remove_item",
    "do_run_forecast",
    "do_set_capacity",
    "do_snapshot_enrolment",
    "do_update_scenario",
    "execute_forecast",
    "report_sheets",
]
