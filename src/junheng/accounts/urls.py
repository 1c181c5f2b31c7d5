from django.contrib.auth import views as auth_views
from django.urls import path

from junheng.accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("public/", views.public_index, name="public_index"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
]
