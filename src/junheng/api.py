"""The JSON API (django-ninja, OpenAPI at /api/docs). Each app adds its own router."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import django_auth

api = NinjaAPI(
    title="junheng 均衡 API", version="1", auth=django_auth
)  # django_auth checks CSRF on unsafe methods


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    """A role that may not use an endpoint at all (objects outside scope answer 404)."""
    return api.create_response(request, {"detail": "forbidden"}, status=403)


@api.exception_handler(ValidationError)
def _refused(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """An action's refusal (`junheng.errors.ActionError`): 400 with the user's messages."""
    return api.create_response(request, {"detail": exc.messages}, status=400)


def _register() -> None:
    from junheng.region.api import router as region_router

    api.add_router("/region/", region_router)
    for app in (
        "afterschool",
        "enrolment",
        "balance",
        "placement",
        "rotation",
        "quotas",
        "places",
        "communities",
        "portraits",
    ):
        module = __import__(f"junheng.{app}.api", fromlist=["router"])
        if getattr(module, "router", None) is not None:
            api.add_router(f"/{app}/", module.router)


@api.get("/health", auth=None)
def health(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok"}


_register()
