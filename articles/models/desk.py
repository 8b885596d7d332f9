"""The writing desk's own rows: each editor's autosaved draft of an article, and who has an
article open. Neither is ever public, and neither changes the article itself."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from newsroom.people import display_name

# What an autosave keeps: the fields an editor types in, each with the most it may hold.
DRAFT_FIELDS = {
    "headline": 200,
    "slug": 200,
    "standfirst": 600,
    "body": 1_000_000,
    "tags": 2000,
    "seo_title": 70,
    "seo_description": 160,
}
PRESENCE_WINDOW = timedelta(minutes=2)


class DraftQuerySet(models.QuerySet):
    def keep(self, user, article, fields, based_on):
        """Store what ``user`` typed into ``article``'s form (only the known fields, each cut
        to its size), replacing their earlier draft; returns it."""
        content = {
            name: fields[name].replace("\x00", "")[:limit]  # PostgreSQL's JSON holds no NUL
            for name, limit in DRAFT_FIELDS.items()
            if isinstance(fields.get(name), str)
        }
        draft, _ = self.update_or_create(
            user=user,
            article=article,
            defaults={"content": content, "based_on_version": based_on, "saved_at": timezone.now()},
        )
        return draft


class Draft(models.Model):
    """What one editor typed into an article's form and has not saved yet (autosave)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(
        "articles.Article",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="drafts",
        help_text="Empty for a new article not saved yet (one such draft per editor).",
    )
    content = models.JSONField(default=dict)
    based_on_version = models.PositiveIntegerField(
        help_text="The article's version the form was opened at."
    )
    saved_at = models.DateTimeField(default=timezone.now)

    objects = DraftQuerySet.as_manager()

    class Meta:
        ordering = ["-saved_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "article"], name="unique_draft_per_editor"),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(article__isnull=True),
                name="unique_new_article_draft_per_editor",
            ),
        ]

    def __str__(self):
        return f"{self.user} on {self.article_id} at {self.saved_at:%H:%M}"

    def differs_from(self, article):
        """Whether restoring it would change anything in the form as it opens now (for a new
        article, ``None``: whether anything was typed at all)."""
        if article is None:
            return any(value.strip() for value in self.content.values())
        for name, value in self.content.items():
            if name == "tags":
                if _tag_names(value) != {tag.name.casefold() for tag in article.tags.all()}:
                    return True
            elif (value or "") != (getattr(article, name, "") or ""):
                return True
        return False


def _tag_names(text):
    return {name.strip().strip('"').casefold() for name in text.split(",") if name.strip()}


class PresenceQuerySet(models.QuerySet):
    def seen(self, user, article):
        """``user`` has ``article`` open now."""
        self.update_or_create(user=user, article=article, defaults={"seen_at": timezone.now()})

    def others_on(self, article, user):
        """Who else had ``article`` open in the last two minutes, most recent first."""
        since = timezone.now() - PRESENCE_WINDOW
        return (
            self.filter(article=article, seen_at__gte=since)
            .exclude(user=user)
            .select_related("user")
            .order_by("-seen_at")
        )


class Presence(models.Model):
    """When an editor last had an article's form open (the page says so every 20 seconds)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="presences"
    )
    seen_at = models.DateTimeField(default=timezone.now)

    objects = PresenceQuerySet.as_manager()

    class Meta:
        ordering = ["-seen_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "article"], name="unique_presence"),
        ]
        indexes = [models.Index(fields=["article", "seen_at"], name="presence_article_seen")]

    def __str__(self):
        return f"{self.user} on {self.article_id}"

    @property
    def name(self):
        return display_name(self.user)
