from django.apps import AppConfig
from django.db.models.signals import post_migrate


class NewsletterConfig(AppConfig):
    name = "newsletter"

    def ready(self):
        from .groups import ensure_newsletter_groups

        # After auth's own post_migrate handler has made this app's permissions.
        post_migrate.connect(
            ensure_newsletter_groups, sender=self, dispatch_uid="newsletter.ensure_groups"
        )
