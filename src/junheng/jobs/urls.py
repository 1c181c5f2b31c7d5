from django.urls import path

from junheng.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("<int:job_id>/", views.detail, name="detail"),
    path("<int:job_id>/progress/", views.progress, name="progress"),
    path("<int:job_id>/cancel/", views.cancel, name="cancel"),
    path("<int:job_id>/file/", views.download, name="download"),
]
