from django.urls import path

from junheng.region import views

app_name = "region"
urlpatterns = [
    path("schools/", views.school_list, name="schools"),
    path("schools/<int:school_id>/", views.school_detail, name="school"),
    path("import/", views.import_page, name="import"),
]
