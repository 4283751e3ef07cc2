from django.urls import path

from jigsaw.web.groups import views

app_name = "groups"
urlpatterns = [
    path("", views.group_list, name="list"),
    path("<ref:group_id>/", views.group_page, name="group"),
    path("<ref:group_id>/decide/", views.group_decide, name="decide"),
    path("matches/<ref:merge_id>/", views.merge_decide, name="merge"),
    path("places/", views.places, name="places"),
    path("checks/<ref:task_id>/", views.group_check, name="check"),
    path("settings/", views.group_settings, name="settings"),
]
