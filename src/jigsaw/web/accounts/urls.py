from django.urls import path

from jigsaw.web.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("verify/", views.verify, name="verify"),
    path("set-up-authenticator/", views.setup, name="setup"),
    path("sign-out/", views.sign_out, name="logout"),
    path("users/", views.users, name="users"),
    path("agencies/", views.agencies, name="agencies"),
]
