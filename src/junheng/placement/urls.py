from django.urls import path

from junheng.placement import views

app_name = "placement"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("my/", views.my, name="my"),
    path("public/<int:placement_id>/", views.public, name="public"),
    path("public/<int:placement_id>/<slug:name>.csv", views.public_file, name="public_file"),
    path("<int:placement_id>/", views.detail, name="detail"),
    path("<int:placement_id>/settings/", views.update_settings, name="settings"),
    path("<int:placement_id>/requests/", views.add_request, name="add_request"),
    path("requests/<int:request_id>/delete/", views.delete_request, name="delete_request"),
    path("<int:placement_id>/teams/", views.add_team, name="add_team"),
    path("teams/<int:team_id>/delete/", views.delete_team, name="delete_team"),
    path("<int:placement_id>/witnesses/", views.add_witness, name="add_witness"),
    path("<int:placement_id>/commit/", views.commit, name="commit"),
    path("<int:placement_id>/draw/", views.draw, name="draw"),
    path("<int:placement_id>/draw/run/", views.run_draw, name="run_draw"),
    path("<int:placement_id>/publish/", views.publish, name="publish"),
    path("<int:placement_id>/late/", views.late_arrival, name="late_arrival"),
    path("<int:placement_id>/students.csv", views.export_input, name="export_input"),
    path("<int:placement_id>/classes.csv", views.export_result, name="export_result"),
    path("bulk/", views.bulk_list, name="bulk"),
    path("bulk/<int:run_id>/", views.bulk_detail, name="bulk_detail"),
    path("bulk/<int:run_id>/progress/", views.bulk_progress, name="bulk_progress"),
    path("bulk/<int:run_id>/run/", views.bulk_run, name="bulk_run"),
    path("bulk/<int:run_id>/publish/", views.bulk_publish, name="bulk_publish"),
]
