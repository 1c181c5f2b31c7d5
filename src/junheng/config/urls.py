from django.contrib import admin
from django.urls import include, path

from junheng.api import api
from junheng.jobs.views import healthz

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("junheng.accounts.urls")),
    path("region/", include("junheng.region.urls")),
    path("afterschool/", include("junheng.afterschool.urls")),
    path("enrolment/", include("junheng.enrolment.urls")),
    path("balance/", include("junheng.balance.urls")),
    path("placement/", include("junheng.placement.urls")),
    path("rotation/", include("junheng.rotation.urls")),
    path("quotas/", include("junheng.quotas.urls")),
    path("places/", include("junheng.places.urls")),
    path("communities/", include("junheng.communities.urls")),
    path("portraits/", include("junheng.portraits.urls")),
    path("jobs/", include("junheng.jobs.urls")),
    path("healthz", healthz, name="healthz"),
]
