from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    name = "jigsaw.web.concerns"
    label = "concerns"
    default_auto_field = "django.db.models.BigAutoField"
