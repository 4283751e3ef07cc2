from django.urls import path

from jigsaw.web.groups import views

app_name = "groups"
urlpatterns = [
    path("", views.group_list, name="list"),
    path("<int:group_id>/", views.group_page, name="group"),
    path("<int:group_id>/decide/", views.group_decide, name="decide"),
    path("matches/<int:merge_id>/", views.merge_decide, name="merge"),
    path("places/", views.places, name="places"),
]
