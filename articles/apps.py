from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .groups import ensure_groups

        # After auth's own post_migrate handler has made this app's permissions.
        post_migrate.connect(ensure_groups, sender=self, dispatch_uid="articles.ensure_groups")
