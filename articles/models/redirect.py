"""Old addresses of articles: a story whose slug changes after it went out keeps every address it
ever had, each answering with a 301 to the current one.

A redirect names the *article*, not the address it moved to, so however many times a story is
renamed every old address reaches the current one in one hop (no chains). While an address
redirects, no other article may take it (``Article.validate_unique`` and ``unique_slug``); the
article itself may go back to it, which removes the redirect.
"""

from django.db import models
from django.utils import timezone


class RedirectQuerySet(models.QuerySet):
    def record_move(self, article, old_path):
        """``article`` (already saved) used to live at ``old_path``: keep that address
        working. Returns the redirect made, or None when the address did not change."""
        new_path = article.get_absolute_url()
        # Its current address is its own again: nothing to redirect there any more.
        self.filter(path=new_path).delete()
        if old_path == new_path:
            return None
        redirect, _ = self.update_or_create(path=old_path, defaults={"article": article})
        return redirect

    def taken_by_others(self, path, article):
        """Redirects at ``path`` that belong to another article than ``article``."""
        return self.filter(path=path).exclude(article_id=article.pk)


class Redirect(models.Model):
    path = models.CharField(
        max_length=500,
        unique=True,
        help_text="The old address, e.g. /article/old-slug/. It answers with a 301 to the "
        "article's current address while the article is public.",
    )
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="redirects"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = RedirectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.path} → {self.article}"
