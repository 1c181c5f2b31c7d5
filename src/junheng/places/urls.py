from django.urls import path

from junheng.places import views

app_name = "places"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("runs/<int:run_id>/", views.run, name="run"),
    path("runs/<int:run_id>/schools/<str:code>/", views.run_school, name="school"),
    path("runs/<int:run_id>/zones/<str:zone>/", views.run_zone, name="zone"),
    path("runs/<int:run_id>/export.xlsx", views.export, name="export"),
    path("data/", views.data, name="data"),
    path("data/snapshot/", views.snapshot, name="snapshot"),
    path("data/import/", views.import_file, name="import"),
    path("data/capacity/<int:school_id>/", views.capacity, name="capacity"),
    path("scenarios/", views.scenarios, name="scenarios"),
    path("scenarios/<int:scenario_id>/", views.scenario, name="scenario"),
    path("scenarios/<int:scenario_id>/add/<str:kind>/", views.scenario_add, name="scenario_add"),
    path(
        "scenarios/<int:scenario_id>/remove/<str:kind>/<int:item_id>/",
        views.scenario_remove,
        name="scenario_remove",
    ),
    path("scenarios/<int:scenario_id>/delete/", views.scenario_delete, name="scenario_delete"),
]
