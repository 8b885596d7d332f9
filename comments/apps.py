from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CommentsConfig(AppConfig):
    name = "comments"

    def ready(self):
        from .groups import ensure_moderation_groups

        # After auth's own post_migrate handler has made this app's permissions.
        post_migrate.connect(
            ensure_moderation_groups, sender=self, dispatch_uid="comments.ensure_groups"
        )
