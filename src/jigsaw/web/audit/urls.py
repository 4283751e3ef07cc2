from django.urls import path

from jigsaw.web.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_log, name="log"),
    path("children/", views.child_find, name="child_find"),
    path("children/<ref:child_id>/", views.child_access, name="child_access"),
    path("children/<ref:child_id>/events.csv", views.child_access_csv, name="child_access_csv"),
]
