"""The JSON API (django-ninja, OpenAPI at /api/docs). Each app adds its own router."""

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import django_auth

api = NinjaAPI(
    title="junheng 均衡 API", version="1", auth=django_auth
)  # django_auth checks CSRF on unsafe methods


def _register() -> None:
    from junheng.region.api import router as region_router

    api.add_router("/region/", region_router)
    for app in ("afterschool", "enrolment", "balance", "placement", "rotation", "quotas"):
        module = __import__(f"junheng.{app}.api", fromlist=["router"])
        if getattr(module, "router", None) is not None:
            api.add_router(f"/{app}/", module.router)


@api.get("/health", auth=None)
def health(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok"}


_register()
