from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "cdphub.public"
    verbose_name = "Public pages"

    def ready(self):
        """Saving or deleting anything a public page shows makes every cached public page
        stale (``cdphub.core.public_cache.changed``). Figures loaded in bulk show when the
        cached pages expire (``CDPHUB_PUBLIC_CACHE_SECONDS``)."""
        from django.db.models.signals import post_delete, post_save

        from cdphub.core.public_cache import changed
        from cdphub.partnerships.models import (
            Appointment,
            Coverage,
            Partnership,
            Person,
            TermsOfReference,
        )
        from cdphub.planning.models import Assessment, Finding, Plan, PlanAction
        from cdphub.reporting.models import Report, Submission

        for model in (Partnership, Coverage, Person, Appointment, TermsOfReference, Assessment,
                      Finding, Plan, PlanAction, Report, Submission):
            post_save.connect(changed, sender=model, dispatch_uid=f"public-{model.__name__}")
            post_delete.connect(changed, sender=model, dispatch_uid=f"public-{model.__name__}-d")
