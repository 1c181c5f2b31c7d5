from django.urls import path

from junheng.enrolment import views

app_name = "enrolment"
urlpatterns = [
    path("", views.index, name="index"),
    # bureau and schools
    path("windows/new/", views.window_new, name="window_new"),
    path("windows/<int:window_id>/", views.window_detail, name="window"),
    path("windows/<int:window_id>/run/", views.run_draw, name="run_draw"),
    path("windows/<int:window_id>/round/", views.window_round, name="window_round"),
    path("windows/<int:window_id>/manual/", views.window_manual, name="window_manual"),
    path("windows/<int:window_id>/<slug:verb>/", views.window_action, name="window_action"),
    path("report/", views.county_report, name="county_report"),
    # public, no login
    path("draws/<int:draw_id>/", views.draw_public, name="draw_public"),
    path("draws/<int:draw_id>/<slug:name>.csv", views.draw_file, name="draw_file"),
    # parents (phone pages)
    path("choose/", views.choose, name="choose"),
    path("choose/<int:window_id>/<int:student_id>/", views.rank, name="rank"),
    path("receipts/<int:ranking_id>/", views.receipt, name="receipt"),
    path("results/", views.results, name="results"),
    path("offers/<int:offer_id>/accept/", views.offer_accept, name="offer_accept"),
    path("offers/<int:offer_id>/decline/", views.offer_decline, name="offer_decline"),
    path("enrolments/<int:enrolment_id>/drop/", views.enrolment_drop, name="enrolment_drop"),
    path("enrolments/<int:enrolment_id>/rate/", views.rate, name="rate"),
    path("enrolments/<int:enrolment_id>/complain/", views.complain, name="complain"),
    path("notifications/", views.notifications, name="notifications"),
    path("bills/", views.bills, name="bills"),
    path("bills/school.xlsx", views.school_bills, name="school_bills"),
    # attendance (instructors, school staff)
    path("attendance/", views.attendance, name="attendance"),
    path("attendance/<int:offering_id>/", views.attendance_mark, name="attendance_mark"),
    path("settlement/", views.settlement, name="settlement"),
]
