from django.urls import path

from jigsaw.web.children import views

app_name = "children"
urlpatterns = [
    path("", views.my_children, name="list"),
    path("<ref:child_id>/", views.child_profile, name="profile"),
    path("links/<ref:link_id>/decide/", views.link_decide, name="link_decide"),
    path("mash/", views.mash_queue, name="mash"),
    path("search/", views.child_search, name="search"),
    path("links/<ref:link_id>/", views.link_review, name="link_review"),
    path("links/<ref:link_id>/undo/", views.link_undo, name="link_undo"),
]
