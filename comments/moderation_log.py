"""The moderation log: who approved, rejected, spammed, deleted, edited, replied to or blocked
what, and when.

An entry keeps its own copy of what it is about (the comment's text, its author, the article's
headline, the moderator's name): deleting a comment, an article or a user sets the link to
``NULL`` and the entry still reads the same. ``models.py`` imports this module, so Django finds
the model as ``comments.ModerationLogEntry``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Count
from django.db.models.functions import Lower
from django.utils import timezone


class ModerationLogQuerySet(models.QuerySet):
    def record(self, moderator, action, comments, detail=""):
        """One entry per comment in ``comments`` (instances), written before the action runs
        so a deleted comment's words are kept; returns the entries."""
        name = moderator.get_username() if moderator is not None else ""
        entries = [
            self.model(
                action=action,
                moderator=moderator,
                moderator_name=name,
                comment=comment,
                comment_number=comment.pk,
                article_id=comment.article_id,
                article_headline=comment.article.headline[:200],
                commenter_name=comment.name,
                commenter_email=comment.email,
                text=comment.body,
                detail=detail[:500],
            )
            for comment in comments
        ]
        return self.bulk_create(entries)

    def deleted_counts(self, emails):
        """{lower-case address: how many of its comments a moderator deleted}."""
        rows = (
            self.filter(action=ModerationLogEntry.Action.DELETED)
            .annotate(address=Lower("commenter_email"))
            .filter(address__in=[email.lower() for email in emails])
            .values("address")
            .annotate(count=Count("pk"))
        )
        return {row["address"]: row["count"] for row in rows}


class ModerationLogEntry(models.Model):
    class Action(models.TextChoices):
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Marked as spam"
        DELETED = "deleted", "Deleted"
        EDITED = "edited", "Edited"
        REPLIED = "replied", "Replied as the site"
        BLOCKED = "blocked", "Blocked"

    action = models.CharField(max_length=20, choices=Action)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    moderator_name = models.CharField(
        max_length=150, blank=True, help_text="Kept when the account is deleted."
    )
    comment = models.ForeignKey(
        "comments.Comment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="log_entries",
        help_text="Empty once the comment is deleted; its words are kept below.",
    )
    comment_number = models.PositiveBigIntegerField(
        "comment ID", null=True, blank=True, help_text="The comment's ID, kept after deletion."
    )
    article = models.ForeignKey(
        "articles.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    article_headline = models.CharField(max_length=200, blank=True)
    commenter_name = models.CharField(max_length=100, blank=True)
    commenter_email = models.EmailField(max_length=254, blank=True)
    text = models.TextField("comment text", blank=True, help_text="As it was at the time.")
    detail = models.CharField(
        max_length=500, blank=True, help_text="What was blocked, which fields changed..."
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ModerationLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "moderation log entry"
        verbose_name_plural = "moderation log"
        indexes = [
            models.Index(fields=["created_at"], name="modlog_created"),
            models.Index(fields=["action", "created_at"], name="modlog_action_created"),
            models.Index(fields=["commenter_email"], name="modlog_commenter_email"),
        ]

    def __str__(self):
        who = self.moderator_name or "someone"
        return f"{who}: {self.get_action_display()} comment {self.comment_number or '?'}"
