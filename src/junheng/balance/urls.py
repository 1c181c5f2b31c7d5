from django.urls import path

from junheng.balance import views

app_name = "balance"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("mine/", views.mine, name="mine"),
    path("schools/<int:school_id>/", views.school, name="school"),
    path("gaps/", views.gap_list, name="gaps"),
    path("what-if/", views.whatif, name="whatif"),
    path("trend/", views.trend, name="trend"),
    path("snapshot/", views.take_snapshot, name="snapshot"),
    path("export.xlsx", views.export_xlsx, name="export"),
    path("report/", views.report, name="report"),
    path("guarantee/", views.guarantee, name="guarantee"),
]
