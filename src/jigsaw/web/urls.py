from django.urls import include, path

from jigsaw.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("jigsaw.web.accounts.urls")),
    path("concerns/", include("jigsaw.web.concerns.urls")),
    path("children/", include("jigsaw.web.children.urls")),
    path("audit/", include("jigsaw.web.audit.urls")),
    path("oversight/", include("jigsaw.web.oversight.urls")),
]

handler403 = views.forbidden
handler404 = views.not_found
