"""Revisions: every version of an article anyone saved, kept whole, never rewritten.

Each change to an article happens inside ``Article.editing(by)`` (the admin form, the bulk
actions, the workflow's moves, the tasks, a restore, code): one transaction that makes one new
version number and one :class:`Revision` with every editable field as it then stood in the
database (tags, byline, lead image and section included), who made it and when. A revision is
read back from the database after the change, so it holds what was stored, not what one
process believed. Restoring an old revision is another edit: a new revision, history untouched.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from newsroom.people import display_name

# The fields a revision keeps and a restore brings back, in the order a comparison lists them.
TEXT_FIELDS = ("headline", "standfirst", "body")
RESTORABLE_FIELDS = (
    "headline",
    "slug",
    "standfirst",
    "body",
    "lead_image",
    "section",
    "tags",
    "authors",
    "seo_title",
    "seo_description",
    "planned_on",
    "expires_at",
    "is_featured",
    "comments_open",
)
# Kept for the record (what state it was in), never restored: the workflow and the pin have
# moves of their own (publishing, pinning one story unpins another).
STATE_FIELDS = ("status", "published_at", "is_pinned_lead", "lead_until")
FIELD_LABELS = {
    "headline": "Headline",
    "slug": "Slug",
    "standfirst": "Standfirst",
    "body": "Body",
    "lead_image": "Lead image",
    "section": "Section",
    "tags": "Tags",
    "authors": "Authors",
    "seo_title": "SEO title",
    "seo_description": "SEO description",
    "planned_on": "Planned for",
    "expires_at": "Unpublish at",
    "is_featured": "Featured",
    "comments_open": "Comments open",
    "status": "Status",
    "published_at": "Published at",
    "is_pinned_lead": "Pinned as lead",
    "lead_until": "Lead until",
}


def snapshot(article):
    """Every field a revision keeps, as JSON-ready values, read from ``article`` (fetched with
    ``Revision.objects.fetch_for_snapshot`` so its related rows are fresh)."""
    image = article.lead_image
    return {
        "headline": article.headline,
        "slug": article.slug,
        "standfirst": article.standfirst,
        "body": article.body,
        "lead_image": {"id": image.pk, "label": str(image)} if image else None,
        "section": {"id": article.section_id, "name": article.section.name},
        "tags": sorted((tag.name for tag in article.tags.all()), key=str.casefold),
        "authors": [{"id": a.pk, "name": a.name} for a in article.authors.all()],
        "seo_title": article.seo_title,
        "seo_description": article.seo_description,
        "planned_on": article.planned_on.isoformat() if article.planned_on else None,
        "expires_at": article.expires_at.isoformat() if article.expires_at else None,
        "is_featured": article.is_featured,
        "comments_open": article.comments_open,
        "status": article.status,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "is_pinned_lead": article.is_pinned_lead,
        "lead_until": article.lead_until.isoformat() if article.lead_until else None,
    }


class RevisionQuerySet(models.QuerySet):
    def record(self, article, *, by=None, note="", number=None):
        """Store the version ``number`` (the article's own by default) as it is in the database
        now. Called by ``Article.editing``; nothing else makes revisions."""
        from .article import Article, byline_prefetch

        fresh = (
            Article.objects.select_related("section", "lead_image")
            .prefetch_related("tags", byline_prefetch())
            .get(pk=article.pk)
        )
        return self.create(
            article=article,
            number=article.version if number is None else number,
            by=by,
            note=note[:500],
            content=snapshot(fresh),
        )


class Revision(models.Model):
    """One saved version of an article: who, when, and every editable field as it was."""

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField(help_text="The article's version number it records.")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the system saved it (a task, a command).",
    )
    created_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True)
    content = models.JSONField(default=dict)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        constraints = [
            # One revision per version: two saves from the same version cannot both land.
            models.UniqueConstraint(fields=["article", "number"], name="unique_revision_number"),
        ]

    def __str__(self):
        return f"{self.article_id} v{self.number}"

    @property
    def by_name(self):
        return display_name(self.by)

    def changed_fields(self, other):
        """Labels of the fields whose values differ between this revision and ``other``."""
        return changed_fields(self.content, other.content)


def changed_fields(before, after, fields=(*RESTORABLE_FIELDS, *STATE_FIELDS)):
    return [name for name in fields if before.get(name) != after.get(name)]
