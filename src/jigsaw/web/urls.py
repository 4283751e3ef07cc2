from django.urls import include, path, register_converter
from django.views.generic import RedirectView

from jigsaw.web import pages, refs, views
from jigsaw.web.api.api import api as jigsaw_api

# Record ids in URLs are references with a MAC (<ref:child_id>), registered before any include.
register_converter(refs.RecordRefConverter, "ref")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Where the report used to be served before the web application took over the demo.
    path("index.html", RedirectView.as_view(url="/oversight/national/", permanent=False)),
    path("accounts/", include("jigsaw.web.accounts.urls")),
    path("concerns/", include("jigsaw.web.concerns.urls")),
    path("children/", include("jigsaw.web.children.urls")),
    path("audit/", include("jigsaw.web.audit.urls")),
    path("oversight/", include("jigsaw.web.oversight.urls")),
    path("about/accessibility/", pages.accessibility, name="accessibility"),
    path("about/privacy/", pages.privacy, name="privacy"),
    path("about/cookies/", pages.cookies, name="cookies"),
    path("referrals/", include("jigsaw.web.referrals.urls")),
    path("api/", jigsaw_api.urls),
    path("api-tokens/", include("jigsaw.web.api.urls")),
    path("imports/", include("jigsaw.web.imports.urls")),
    path("groups/", include("jigsaw.web.groups.urls")),
    path("linkage-model/", include("jigsaw.web.linkmodel.urls")),
]

handler403 = views.forbidden
handler404 = views.not_found
