"""Who may see and do what with school places (extends junheng.accounts.scoping).

| role      | data, imports, scenarios, runs, warnings, export | a run's page of one school          |
|-----------|--------------------------------------------------|-------------------------------------|
| bureau    | everything                                        | every school, baseline and scenario |
| school    | 403                                               | its own school, baseline only; 404 for any other school and for scenarios |
| others    | 403                                               | 403                                 |
| anonymous | redirected to log in                              | redirected to log in                |

Scenarios (a planned merger, a zone split) are the bureau's drafts: a school admin never sees
one, not even its own school's line of it.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from junheng.accounts.models import Role, User
from junheng.accounts.scoping import get_in_scope, require_bureau, require_role
from junheng.places.models import ForecastRun, RunStatus, Scenario, Variant
from junheng.region.models import School


def runs_for(user: User) -> QuerySet[ForecastRun]:
    """Runs a user may open: all for the bureau, finished ones for school admins."""
    qs = ForecastRun.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user.role == Role.BUREAU:
        return qs
    if user.role == Role.SCHOOL and user.school_id:
        return qs.filter(status=RunStatus.DONE)
    return qs.none()


def access_run(user: User, run_id: int) -> ForecastRun:
    """A whole run (warnings, zones, export): the bureau only."""
    require_bureau(user)
    return get_in_scope(runs_for(user), pk=run_id)


def variants_for(user: User, run: ForecastRun) -> tuple[str, ...]:
    if user.role == Role.BUREAU and run.has_scenario:
        return (Variant.BASELINE, Variant.SCENARIO)
    return (Variant.BASELINE,)


def access_run_school(user: User, run_id: int, code: str) -> tuple[ForecastRun, str]:
    """One school's page of a run: the bureau any school (a new one of the scenario too),
    a school admin its own school only."""
    require_role(user, Role.BUREAU, Role.SCHOOL)
    run = get_in_scope(runs_for(user), pk=run_id)
    if user.role == Role.SCHOOL and (user.school is None or user.school.code != code):
        raise Http404
    variants = variants_for(user, run)
    if not run.rows.filter(school_code=code, variant__in=variants).exists():
        raise Http404
    return run, code


def own_school(user: User) -> School:
    """The school admin's own school (404 for an admin without one)."""
    require_role(user, Role.SCHOOL)
    if user.school is None:
        raise Http404
    return user.school


def latest_run(user: User) -> ForecastRun | None:
    """The newest finished run the user may open."""
    return runs_for(user).filter(status=RunStatus.DONE).order_by("-pk").first()


def access_scenario(user: User, scenario_id: int) -> Scenario:
    require_bureau(user)
    return get_in_scope(Scenario.objects.all(), pk=scenario_id)


def access_school_capacity(user: User, school_id: int) -> School:
    """A school's capacity (classrooms, class-size limit): the bureau edits it."""
    require_bureau(user)
    return get_in_scope(School.objects.all(), pk=school_id)
