from django.urls import path

from junheng.communities import share_views, sync_views, views

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
    path("<int:community_id>/requests/", sync_views.default_requests, name="default_requests"),
    path(
        "<int:community_id>/requests/<int:request_id>/delete/",
        sync_views.delete_request,
        name="delete_request",
    ),
    path("<int:community_id>/activities/", sync_views.log_activity, name="log_activity"),
    path(
        "<int:community_id>/activities/<int:activity_id>/delete/",
        sync_views.delete_activity,
        name="delete_activity",
    ),
    path("<int:community_id>/exchanges/", share_views.plan_exchange, name="plan_exchange"),
    path(
        "<int:community_id>/exchanges/<int:exchange_id>/cancel/",
        share_views.cancel_exchange,
        name="cancel_exchange",
    ),
    path("<int:community_id>/shared/", share_views.share_course, name="share_course"),
    path(
        "<int:community_id>/shared/<int:shared_id>/unshare/",
        share_views.unshare_course,
        name="unshare_course",
    ),
    path(
        "<int:community_id>/shared/<int:shared_id>/offer/",
        share_views.offer_shared,
        name="offer_shared",
    ),
    path("county/", sync_views.county_view, name="county"),
    path("report.xlsx", sync_views.report, name="report"),
    path("timetables/", sync_views.timetables_page, name="timetables"),
    path("timetables/template.csv", sync_views.timetable_template, name="timetable_template"),
    path("sync/", sync_views.sync_page, name="sync"),
    path("sync/schedule/", sync_views.schedule, name="schedule"),
    path("sync/publish/", sync_views.publish_schedule, name="publish_schedule"),
    path("sync/mine/", sync_views.my_lessons, name="my_lessons"),
    path("lessons/<int:lesson_id>/record/", sync_views.record_lesson, name="record_lesson"),
    path("pairing/", views.open_round, name="open_round"),
    path("pairing/<int:round_id>/", views.round_detail, name="round"),
    path("pairing/<int:round_id>/rules/", views.round_rules, name="round_rules"),
    path("pairing/<int:round_id>/roles/", views.round_roles, name="round_roles"),
    path("pairing/<int:round_id>/run/", views.run_pairing, name="run"),
    path("pairing/<int:round_id>/pin/", views.pin, name="pin"),
    path("pairing/<int:round_id>/pins/<int:pin_id>/delete/", views.unpin, name="unpin"),
    path("pairing/<int:round_id>/publish/", views.publish, name="publish"),
]
