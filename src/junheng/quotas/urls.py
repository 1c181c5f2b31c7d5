from django.urls import path

from junheng.quotas import views

app_name = "quotas"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:table_id>/export.xlsx", views.mine_export, name="mine_export"),
    path("high-schools/", views.high_schools, name="high_schools"),
    path("high-schools/<int:high_school_id>/", views.high_school, name="high_school"),
    path("tables/<int:table_id>/", views.table, name="table"),
    path("tables/<int:table_id>/settings/", views.update_settings, name="settings"),
    path("tables/<int:table_id>/plans/", views.save_plans, name="plans"),
    path(
        "tables/<int:table_id>/graduates/region/", views.region_graduates, name="region_graduates"
    ),
    path(
        "tables/<int:table_id>/graduates/import/", views.import_graduates, name="import_graduates"
    ),
    path("tables/<int:table_id>/preview/", views.preview, name="preview"),
    path("tables/<int:table_id>/preview/start/", views.preview_start, name="preview_start"),
    path("tables/<int:table_id>/publish/", views.publish, name="publish"),
    path("tables/<int:table_id>/new-version/", views.new_version, name="new_version"),
    path("tables/<int:table_id>/delete/", views.delete_draft, name="delete"),
    path("tables/<int:table_id>/unfilled/", views.record_unfilled, name="unfilled"),
    path("tables/<int:table_id>/export.xlsx", views.export_table, name="export"),
]
