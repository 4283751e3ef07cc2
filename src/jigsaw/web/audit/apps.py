from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "jigsaw.web.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jigsaw.web.audit.privileges import grant_after_migrate

        # Once per migrate (sent for each app; this one is sent for audit only).
        post_migrate.connect(grant_after_migrate, sender=self, dispatch_uid="audit-grant")
