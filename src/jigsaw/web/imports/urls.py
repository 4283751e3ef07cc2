from django.urls import path

from jigsaw.web.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("columns/", views.map_columns, name="map"),
    path("problems.csv", views.problems, name="problems"),
    path("progress/", views.progress, name="progress"),
]
