from django.urls import path

from jigsaw.web.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("verify/", views.verify, name="verify"),
    path("set-up-authenticator/", views.setup, name="setup"),
    path("sign-out/", views.sign_out, name="logout"),
    path("set-password/<str:token>/", views.set_password, name="set_password"),
    path("users/", views.users, name="users"),
    path("users/<ref:user_id>/", views.user_detail, name="user"),
    path("access-grants/", views.access_grants, name="access_grants"),
    path("agencies/", views.agencies, name="agencies"),
]
