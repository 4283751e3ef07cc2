from django.urls import path

from jigsaw.web.referrals import case_views, views

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
    # MACE cases: a place or a peer group worked as a case (before the meetings' references).
    path("mace/cases/", case_views.case_list, name="cases"),
    path("mace/cases/open/", case_views.case_open, name="case_open"),
    path("mace/cases/open/<ref:group_id>/", case_views.case_open_group, name="case_open_group"),
    path("mace/cases/<ref:case_id>/", case_views.case_page, name="case"),
    path("mace/cases/<ref:case_id>/<str:step>/", case_views.case_change, name="case_change"),
    path("mace/<ref:meeting_id>/", views.mace_minutes, name="minutes"),
    path("mace/<ref:meeting_id>/minutes.pdf", views.mace_minutes_pdf, name="minutes_pdf"),
]
