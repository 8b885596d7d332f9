"""Corrections: what we got wrong in an article, said plainly and dated."""

from django.db import models
from django.utils import timezone


class CorrectionQuerySet(models.QuerySet):
    def published(self):
        """Corrections readers may see: dated now or earlier, on a published article."""
        article_model = self.model._meta.get_field("article").related_model
        now = timezone.now()
        return self.filter(article_model.public_filter("article__", now), published_at__lte=now)


class Correction(models.Model):
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="corrections"
    )
    text = models.TextField(
        help_text="Plain text: what was wrong and what is right, e.g. "
        '"An earlier version of this article gave the wrong date for the vote."'
    )
    published_at = models.DateTimeField(
        default=timezone.now, help_text="Shown with the correction; corrections list newest first."
    )

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["published_at"], name="correction_published")]

    def __str__(self):
        return f"Correction to {self.article}"

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#correction-{self.pk}"
