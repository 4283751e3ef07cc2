from django.urls import path

from jigsaw.web.concerns import views

app_name = "concerns"
urlpatterns = [
    path("", views.concern_list, name="list"),
    path("new/", views.concern_new, name="new"),
    path("<ref:concern_id>/amend/", views.concern_amend, name="amend"),
    path("other-areas/", views.other_areas, name="other_areas"),
    path("<ref:concern_id>/", views.concern_saved, name="saved"),
    path("<ref:concern_id>/override/", views.concern_override, name="override"),
]
