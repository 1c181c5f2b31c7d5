from django.urls import path

from junheng.rotation import views

app_name = "rotation"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("school/", views.school_page, name="school"),
    path("stints/", views.stints, name="stints"),
    path("stints/<int:stint_id>/returned/", views.stint_returned, name="stint_returned"),
    path("<int:round_id>/", views.round_detail, name="round"),
    path("<int:round_id>/rules/", views.update_rules, name="rules"),
    path("<int:round_id>/run/", views.run_plan, name="run"),
    path("<int:round_id>/tradeoff/", views.run_tradeoff, name="tradeoff"),
    path("<int:round_id>/tradeoff/choose/", views.choose_share, name="choose_share"),
    path("<int:round_id>/pin/", views.pin, name="pin"),
    path("<int:round_id>/pins/<int:pin_id>/delete/", views.unpin, name="unpin"),
    path("<int:round_id>/publish/", views.publish, name="publish"),
    path("<int:round_id>/export.xlsx", views.export, name="export"),
    path("<int:round_id>/needs/<int:school_id>/", views.needs, name="needs"),
    path("<int:round_id>/needs/<int:school_id>/confirm/", views.confirm_needs, name="confirm"),
]
