from django.urls import path

from junheng.portraits import views

app_name = "portraits"
urlpatterns = [
    path("", views.index, name="index"),
    path("students/<int:student_id>/", views.student, name="student"),
    path("students/<int:student_id>/export.xlsx", views.export, name="export"),
    path("classes/<int:class_id>/", views.school_class, name="class"),
    path("classes/<int:class_id>/records/", views.add_record, name="add_record"),
    path("school/", views.school, name="school"),
    path("school/support/", views.support, name="support"),
    path("school/support/export.xlsx", views.support_export, name="support_export"),
    path("county/", views.county, name="county"),
    path("county/score/", views.score, name="score"),
]

from junheng.portraits import import_views  # noqa: E402

urlpatterns += [
    path("import/", import_views.import_page, name="import"),
    path("import/template/<str:kind>.xlsx", import_views.template_download, name="import_template"),
]

from junheng.portraits import library_views  # noqa: E402

urlpatterns += [
    path("library/", library_views.library_list, name="library"),
    path("library/new/", library_views.library_new, name="library_new"),
    path("library/<int:library_id>/", library_views.library_detail, name="library_detail"),
]

from junheng.portraits import teacher_views  # noqa: E402

urlpatterns += [
    path("school/teachers/", teacher_views.class_teachers, name="class_teachers"),
    path("school/teachers/assign/", teacher_views.assign, name="assign_class_teacher"),
    path("school/teachers/copy/", teacher_views.copy_previous, name="copy_class_teachers"),
    path(
        "school/teachers/<int:assignment_id>/remove/",
        teacher_views.remove,
        name="remove_class_teacher",
    ),
]
