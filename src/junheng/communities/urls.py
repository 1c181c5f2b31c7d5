from django.urls import path

from junheng.communities import views

app_name = "communities"
urlpatterns = [
    path("", views.index, name="index"),
    path("public/", views.public, name="public"),
    path("mine/", views.mine, name="mine"),
    path("new/", views.new_community, name="new"),
    path("results/", views.results, name="results"),
    path("<int:community_id>/", views.community, name="community"),
    path("<int:community_id>/edit/", views.edit_community, name="edit"),
    path("<int:community_id>/members/", views.add_member, name="add_member"),
    path(
        "<int:community_id>/members/<int:school_id>/remove/",
        views.remove_member,
        name="remove_member",
    ),
    path("<int:community_id>/dissolve/", views.dissolve, name="dissolve"),
    path("<int:community_id>/goals/", views.set_goal, name="goal"),
    path("pairing/", views.open_round, name="open_round"),
    path("pairing/<int:round_id>/", views.round_detail, name="round"),
    path("pairing/<int:round_id>/rules/", views.round_rules, name="round_rules"),
    path("pairing/<int:round_id>/roles/", views.round_roles, name="round_roles"),
    path("pairing/<int:round_id>/run/", views.run_pairing, name="run"),
    path("pairing/<int:round_id>/pin/", views.pin, name="pin"),
    path("pairing/<int:round_id>/pins/<int:pin_id>/delete/", views.unpin, name="unpin"),
    path("pairing/<int:round_id>/publish/", views.publish, name="publish"),
]
