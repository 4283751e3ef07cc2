from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Areas, agencies, users and their roles."""

    name = "jigsaw.web.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
