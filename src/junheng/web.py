"""Small helpers shared by the apps' views."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.forms import BaseForm
from django.http import HttpRequest
from django_stubs_ext import StrOrPromise

if TYPE_CHECKING:
    from django_filters import FilterSet

    from junheng.accounts.models import User


T = TypeVar("T")


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a logged-in user, as Zulip and Sentry type it.

    Views behind `login_required` or `scoping.role_required`, and API endpoints behind
    `django_auth`, take this instead of `HttpRequest`: their `request.user` is the project's
    `User`, never `AnonymousUser`, so it passes to actions' `by=` and the access checks as it is.
    It is a type only: Django still hands the view its own `HttpRequest`.
    """

    user: User


def acting_user(request: HttpRequest) -> User:
    """The logged-in user of a request whose type cannot say so: a Django admin method (its
    signature is Django's) or a view shared with anonymous visitors after its own login check.
    Refuses (403) rather than act for an anonymous visitor."""
    from junheng.accounts.models import User

    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def flash_errors(request: HttpRequest, err: Exception) -> None:
    """Show an action's refusal as error messages on the next page.

    Actions refuse with `junheng.errors.ActionError` (a `ValidationError`); every view shows it
    through this one helper, so a refusal reads the same on every page.
    """
    if isinstance(err, ValidationError):
        for m in err.messages:
            messages.error(request, m)
    else:
        messages.error(request, str(err))


@dataclass(frozen=True)
class Attempt(Generic[T]):
    """What `attempt` did: `ok` when the action went through, and then its `value`."""

    ok: bool
    result: T | None = None

    @property
    def value(self) -> T:
        """The action's return value; only an action that went through has one."""
        if not self.ok:
            raise RuntimeError("the action was refused: it has no value")
        return cast(T, self.result)  # T itself may be None (an action that returns nothing)


def attempt(
    request: HttpRequest,
    action: Callable[[], T],
    success: StrOrPromise | Callable[[T], StrOrPromise] | None = None,
    *,
    form: BaseForm | None = None,
) -> Attempt[T]:
    """Run one action for a view and say how it went: the one try / refuse / succeed block.

    A refusal (`junheng.errors.ActionError`, or any `ValidationError`) is shown through
    `flash_errors`, or on `form` as a non-field error when the page re-renders a form; nothing
    else is caught (`PermissionDenied` still answers 403). When the action goes through,
    `success` (a message, or a function of the action's result giving one) is flashed. The
    view then redirects or renders as it likes, `.ok` telling which way it went::

        attempt(request, lambda: actions.do_publish(rnd, by=request.user), _("已发布"))
        return redirect("rotation:round", round_id=rnd.pk)
    """
    try:
        result = action()
    except ValidationError as err:
        if form is not None:
            form.add_error(None, err)
        else:
            flash_errors(request, err)
        return Attempt(ok=False)
    message = success(result) if callable(success) else success
    if message is not None:
        messages.success(request, message)
    return Attempt(ok=True, result=result)


def flash_form_errors(request: HttpRequest, form: BaseForm) -> None:
    """An invalid form's errors as error messages on the next page (a form posted from a page
    the view does not render again)."""
    for errors in form.errors.values():
        for e in errors:
            messages.error(request, str(e))


def submit(
    request: HttpRequest,
    form: BaseForm,
    action: Callable[[dict[str, Any]], T],
    success: StrOrPromise | Callable[[T], StrOrPromise] | None = None,
    *,
    invalid: StrOrPromise | None = None,
) -> Attempt[T]:
    """A form posted from a page the view does not render again (it redirects back): a valid
    form's `cleaned_data` goes to `action` through `attempt`; an invalid form's errors are
    flashed, or the one message `invalid` in their place."""
    if not form.is_valid():
        if invalid is not None:
            messages.error(request, invalid)
        else:
            flash_form_errors(request, form)
        return Attempt(ok=False)
    data = form.cleaned_data
    return attempt(request, lambda: action(data), success)


# --- list pages ---------------------------------------------------------------------------

PAGE_SIZE = 50


def paginate(
    request: HttpRequest, items: QuerySet[Any, T] | Sequence[T], per_page: int = PAGE_SIZE
) -> Page[T]:
    """One page of a queryset or list (`?page=`; a bad or too-large number gives the last or
    first page, never an error). With the shared `_pager.html`, every other filter in the
    query string is kept when the user turns the page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def filtered(filterset: FilterSet) -> QuerySet[Any]:
    """The filterset's queryset, or its unfiltered queryset when the form is invalid (a
    hand-edited query string shows everything with the form's errors, not a 400)."""
    rows: QuerySet[Any] = filterset.qs if filterset.is_valid() else filterset.queryset
    return rows


def with_counts(page: Page[T], **counts: tuple[QuerySet[Any], str]) -> Page[T]:
    """Set, on each row of the page, how many of a queryset point at it: ``with_counts(page,
    n_students=(Student.objects.all(), "school"))`` gives every school shown `n_students`.

    One grouped query per count for the rows shown, after the page is cut: a correlated
    count in the page's own query would be evaluated for every row an OFFSET skips too
    (page 5 of the city's schools counted 1,000 schools' million students)."""
    rows: list[Any] = list(page.object_list)
    ids = [r.pk for r in rows]
    for attr, (qs, fk) in counts.items():
        found: dict[Any, int] = {}
        if ids:
            grouped = qs.filter(**{f"{fk}__in": ids}).order_by().values_list(fk)
            found = dict(grouped.annotate(n=Count("pk")))
        for r in rows:
            setattr(r, attr, found.get(r.pk, 0))
    page.object_list = rows
    return page
