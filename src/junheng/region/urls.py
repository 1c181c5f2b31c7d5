from django.urls import path

from junheng.region import views

app_name = "region"
urlpatterns = [
    path("schools/", views.school_list, name="schools"),
    path("schools/<int:school_id>/", views.school_detail, name="school"),
    path("schools/<int:school_id>/students/", views.student_list, name="students"),
    path("schools/<int:school_id>/teachers/", views.teacher_list, name="teachers"),
    path("import/", views.import_page, name="import"),
    path("outline/", views.outline, name="outline"),
    path("import/template/<str:kind>.xlsx", views.template_download, name="template"),
    path("export/<str:kind>.xlsx", views.export_download, name="export"),
    path("export/<str:kind>.csv", views.export_csv, name="export_csv"),
]
