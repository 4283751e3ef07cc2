from django.urls import path

from jigsaw.web.referrals import views

app_name = "referrals"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("contacts/", views.contacts_queue, name="contacts"),
    path("contacts/<ref:contact_id>/", views.contact_decide, name="contact"),
    path("refer/<ref:concern_id>/", views.refer_direct, name="refer"),
    path("mash/", views.mash_queue, name="mash"),
    path("<ref:referral_id>/", views.referral_page, name="referral"),
    path("<ref:referral_id>/<str:change>/", views.referral_change, name="change"),
    path("actions/<ref:action_id>/", views.action_update, name="action"),
    path("missing/<ref:child_id>/", views.missing_page, name="missing"),
    path("mace/", views.mace_panel, name="mace"),
    path("mace/<ref:meeting_id>/", views.mace_minutes, name="minutes"),
    path("mace/<ref:meeting_id>/minutes.pdf", views.mace_minutes_pdf, name="minutes_pdf"),
]
