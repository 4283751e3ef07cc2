from django.urls import path

from jigsaw.web.linkmodel import views

app_name = "linkmodel"
urlpatterns = [
    path("", views.linkage_model, name="model"),
]
