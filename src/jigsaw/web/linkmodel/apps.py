from django.apps import AppConfig


class LinkModelConfig(AppConfig):
    name = "jigsaw.web.linkmodel"
    label = "linkmodel"
    default_auto_field = "django.db.models.BigAutoField"
