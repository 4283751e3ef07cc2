from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "jigsaw.web.referrals"
    label = "referrals"
    default_auto_field = "django.db.models.BigAutoField"
