"""Tags: what a story is about, in the reader's language, each with a page of its own.

Our own tag model on django-taggit's bases (its managers, forms and admin widgets keep working):
slugs keep letters of every script ("zürich", "東京"), a tag with none ("!!!") gets a fallback
slug instead of an empty one, and articles link to tags by a plain foreign key (one join fewer
than taggit's generic relation on every tag page and teaser).
"""

from django.db import models
from django.utils.text import slugify
from taggit.models import TagBase, TaggedItemBase

from newsroom.links import reverse_path


class Tag(TagBase):
    class Meta:
        ordering = ["name"]
        verbose_name = "tag"
        verbose_name_plural = "tags"

    def slugify(self, tag, i=None):
        # taggit calls this with i = 1, 2... until the slug is free.
        slug = slugify(tag, allow_unicode=True).strip("-_") or "tag"
        return slug if i is None else f"{slug}-{i}"

    def get_absolute_url(self):
        return reverse_path("articles:tag", slug=self.slug)


class TaggedArticle(TaggedItemBase):
    """One tag on one article."""

    content_object = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="tagged_items"
    )
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="tagged_articles")

    class Meta:
        ordering = ["pk"]
        verbose_name = "tag on an article"
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="articles_taggedarticle_unique"
            ),
        ]

    def __str__(self):
        return f"{self.tag} on {self.content_object}"
