"""Writing safely, the article admin's half: revisions and the edit lock, mixed into
``ArticleAdmin``.

The change form lists the latest revisions (the rest on a paginated page of their own); any two
compare word by word (``diff.py``, computed on demand); "Restore this revision" is a new
version. A save from a form opened before someone else's is refused with the conflict shown
(``forms.EditConflictFields``). Every page here is behind ``admin_site.admin_view`` and checks
the article's own view or change permission (staff without it get a 403, an article they may
not see is a 404).
"""

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from newsroom import cache as page_cache

from .diff import compare
from .models import EditConflict
from .models.workflow import local_time

RECENT_REVISIONS = 10
REVISIONS_PER_PAGE = 25
NUMBER = re.compile(r"[0-9]{1,9}")  # [0-9], not isdigit(), and short enough for int()


def _number(value):
    value = (value or "").strip()
    return int(value) if NUMBER.fullmatch(value) else None


class RevisionsAdmin:
    # The form ------------------------------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict:
            # Someone saved between this form's check and its save (all of it rolled back):
            # once more, and the form now finds their version and shows the conflict.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        revisions = obj.revisions.select_related("by") if obj else None
        context.update(
            recent_revisions=list(revisions[:RECENT_REVISIONS]) if obj else [],
            revision_count=revisions.count() if obj else 0,
            conflict=getattr(
                context.get("adminform") and context["adminform"].form, "conflict", None
            ),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def saved_as_version(self, request, article, change):
        """After a save from the form landed as a new version (``change``: not a new one)."""

    # Pages of their own --------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/revisions/",
                view(self.revisions_view),
                name="articles_article_revisions",
            ),
            path(
                "<int:pk>/revisions/compare/",
                view(self.compare_view),
                name="articles_article_revision_compare",
            ),
            path(
                "<int:pk>/revisions/<int:number>/restore/",
                view(self.restore_view),
                name="articles_article_revision_restore",
            ),
            *super().get_urls(),
        ]

    def _article(self, request, pk, *, change=False):
        article = get_object_or_404(self.get_queryset(request), pk=pk)
        allowed = (
            self.has_change_permission(request, article)
            if change
            else self.has_view_permission(request, article)
        )
        if not allowed:
            raise PermissionDenied
        return article

    def _context(self, request, article, title):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": article,
            "title": title,
            "may_restore": self.has_change_permission(request, article),
        }

    def revisions_view(self, request, pk):
        article = self._article(request, pk)
        page = Paginator(article.revisions.select_related("by"), REVISIONS_PER_PAGE).get_page(
            _number(request.GET.get("page"))
        )
        context = {
            **self._context(request, article, f"Revisions of “{article}”"),
            "page": page,
            "revisions": page.object_list,
        }
        return TemplateResponse(request, "admin/articles/article/revisions.html", context)

    def compare_view(self, request, pk):
        article = self._article(request, pk)
        numbers = [_number(request.GET.get(name)) for name in ("from", "to")]
        if None in numbers or numbers[0] == numbers[1]:
            self.message_user(request, "Choose two different revisions to compare.", messages.ERROR)
            return HttpResponseRedirect(self._revisions_url(article))
        found = {
            r.number: r for r in article.revisions.filter(number__in=numbers).select_related("by")
        }
        if len(found) != 2:
            raise Http404("No such revision.")
        older, newer = sorted(found.values(), key=lambda revision: revision.number)
        context = {
            **self._context(
                request, article, f"“{article}”: revision {older.number} → {newer.number}"
            ),
            "older": older,
            "newer": newer,
            "changes": compare(older.content, newer.content),
        }
        return TemplateResponse(request, "admin/articles/article/revision_compare.html", context)

    def restore_view(self, request, pk, number):
        """GET: what restoring would change; POST: restore, as a new version, if nobody saved
        since that page was shown (``based_on``)."""
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        article = self._article(request, pk, change=True)
        revision = get_object_or_404(article.revisions.select_related("by"), number=number)
        if request.method == "POST":
            return self._restore(request, article, revision)
        current = article.revisions.filter(number=article.version).first()
        context = {
            **self._context(request, article, f"Restore revision {revision.number}?"),
            "revision": revision,
            "current": current,
            "changes": compare(current.content if current else {}, revision.content),
        }
        return TemplateResponse(request, "admin/articles/article/revision_restore.html", context)

    def _restore(self, request, article, revision):
        based_on = _number(request.POST.get("based_on"))
        paths = page_cache.article_paths(article)
        try:
            with transaction.atomic():
                _, redirect = article.restore(
                    revision, by=request.user, based_on=based_on if based_on is not None else -1
                )
        except EditConflict:
            latest = article.revisions.select_related("by").first()
            self.message_user(
                request,
                f"Not restored: {latest.by_name} saved this article at "
                f"{local_time(latest.created_at)} (version {latest.number}) since you looked. "
                "Look again at what restoring would change.",
                messages.ERROR,
            )
            return HttpResponseRedirect(
                reverse(
                    "admin:articles_article_revision_restore", args=[article.pk, revision.number]
                )
            )
        page_cache.purge_article(article, also=paths)
        if redirect:
            self.report_redirect(request, article, redirect)
        self.message_user(
            request,
            f"Revision {revision.number} restored as version {article.version}: the history "
            "keeps every version before it.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))

    def _revisions_url(self, article):
        return reverse("admin:articles_article_revisions", args=[article.pk])
