from django.urls import path

from jigsaw.web.children import views

app_name = "children"
urlpatterns = [
    path("", views.my_children, name="list"),
    path("<int:child_id>/", views.child_profile, name="profile"),
    path("links/<int:link_id>/decide/", views.link_decide, name="link_decide"),
    path("mash/", views.mash_queue, name="mash"),
]
