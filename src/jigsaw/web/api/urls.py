from django.urls import path

from jigsaw.web.api import views

app_name = "api_tokens"
urlpatterns = [
    path("", views.tokens, name="tokens"),
    path("<ref:token_id>/revoke/", views.revoke, name="revoke"),
]
