from django.urls import path

from jigsaw.web.oversight import views

app_name = "oversight"
urlpatterns = [
    path("", views.aggregates, name="aggregates"),
    path("partnership/", views.dashboard, name="dashboard"),
    path("partnership/return.<str:fmt>", views.return_download, name="return_download"),
    path("national/", views.national_report, name="national"),
    path("national/<path:path>", views.national_report, name="national_file"),
]
