from django.urls import path

from jigsaw.web.oversight import views

app_name = "oversight"
urlpatterns = [
    path("", views.aggregates, name="aggregates"),
    path("national/", views.national_report, name="national"),
    path("national/<path:path>", views.national_report, name="national_file"),
]
