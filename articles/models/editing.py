"""Editing an article: versions, revisions and the optimistic lock, mixed into ``Article``.

``editing(by)`` is the one entry point every change goes through (see its docstring and
``revision.py``); ``Article.save()`` opens one itself for code that saves without it.
"""

import datetime
from contextlib import contextmanager

from django.db import models, transaction

from .redirect import Redirect
from .revision import RESTORABLE_FIELDS, Revision, changed_fields


class EditConflict(Exception):
    """A save made from an older version than the article's: someone else saved meanwhile."""

    def __init__(self, article, based_on, current):
        self.article, self.based_on, self.current = article, based_on, current
        super().__init__(
            f"Article {article.pk} is at version {current}; this change was made from "
            f"version {based_on}."
        )


def _date(value):
    return datetime.date.fromisoformat(value) if value else None


def _datetime(value):
    return datetime.datetime.fromisoformat(value) if value else None


class Editing:
    """The editing methods on ``Article`` (which holds ``version``)."""

    LATEST = "latest"

    @contextmanager
    def editing(self, by=None, *, note="", based_on=None):
        """The one way an article changes. Whatever the block saves (the row, its tags, its
        byline, a workflow move) becomes one new version and one :class:`Revision`, in one
        transaction. ``by`` is who (None: the system, a command).

        ``based_on`` is the version the change was made from: by default the one this instance
        was loaded at, or what an editor's form was opened at. If the article is at another
        version by then, :class:`EditConflict` is raised and nothing is saved: nobody's save
        silently overwrites another's. ``Article.LATEST`` is for changes that do not overwrite
        what others typed (a workflow move from a state, checked by its own conditional
        update). The row is locked for the block (``SELECT ... FOR UPDATE`` on PostgreSQL), and
        the version moves by a conditional ``UPDATE ... WHERE version = N`` at the end, so two
        saves from the same version cannot both land on any database. A block inside another
        one on the same instance is part of the outer version."""
        edit = getattr(self, "_edit", None)
        if edit is not None:
            if note:
                edit.append(note)
            yield self
            return
        with transaction.atomic():
            expected = self.version if based_on is None else based_on
            if self.pk is not None and not self._state.adding:
                current = (
                    type(self)
                    .objects.select_for_update()
                    .filter(pk=self.pk)
                    .values_list("version", flat=True)
                    .first()
                )
                if current is None:
                    raise type(self).DoesNotExist(f"Article {self.pk} was deleted.")
                if expected == self.LATEST:
                    expected = current
                if current != expected:
                    raise EditConflict(self, expected, current)
                if current == 0:
                    Revision.objects.record(
                        self, note="As it was before revisions were kept", number=0
                    )
            elif expected == self.LATEST:
                expected = self.version
            self._edit = [note] if note else []
            try:
                yield self
                notes = self._edit
            finally:
                self._edit = None
            bumped = (
                type(self)
                .objects.filter(pk=self.pk, version=expected)
                .update(version=models.F("version") + 1)
            )
            if not bumped:
                current = type(self).objects.filter(pk=self.pk).values_list("version", flat=True)
                raise EditConflict(self, expected, current.first())
            self.version = expected + 1
            self.latest_revision = Revision.objects.record(
                self, by=by, note="; ".join(dict.fromkeys(notes))
            )

    def conflicting_revisions(self, based_on):
        """The revisions saved after version ``based_on`` that changed what an editor types
        (a workflow move alone does not): an edit made from ``based_on`` would overwrite them."""
        revisions = list(
            self.revisions.filter(number__gte=based_on).select_related("by").order_by("number")
        )
        before = revisions.pop(0).content if revisions and revisions[0].number == based_on else None
        conflicting = []
        for revision in revisions:
            if before is None or changed_fields(before, revision.content, RESTORABLE_FIELDS):
                conflicting.append(revision)
            before = revision.content
        return conflicting

    def follow_slug_change(self, before):
        """After a save that changed the slug from ``before``'s: a story that had gone out
        keeps its old address working (a 301 redirect, returned); one that never went out
        frees its old address. Call it inside the same ``editing`` block."""
        if before.slug == self.slug:
            return None
        if before.has_public_address:
            return Redirect.objects.record_move(self, before.get_absolute_url())
        Redirect.objects.filter(path=self.get_absolute_url(), article=self).delete()
        return None

    def restore(self, revision, *, by, based_on):
        """Bring ``revision``'s fields back as a new version (history is never rewritten).
        A lead image, section or author deleted since is left as it is now; the workflow state
        stays as it is. Returns the redirect made if the slug changed on a story that went out.
        Call ``page_cache.purge_article`` with the paths before after it commits."""
        from .article import ArticleAuthor
        from .author import Author
        from .image import Image
        from .section import Section

        content = revision.content
        with self.editing(by, note=f"Restored revision {revision.number}", based_on=based_on):
            before = type(self).objects.get(pk=self.pk)
            for name in ("headline", "slug", "standfirst", "body", "seo_title", "seo_description"):
                setattr(self, name, content.get(name, getattr(self, name)))
            self.is_featured = content.get("is_featured", self.is_featured)
            self.comments_open = content.get("comments_open", self.comments_open)
            self.planned_on = _date(content.get("planned_on"))
            self.expires_at = _datetime(content.get("expires_at"))
            image = content.get("lead_image")
            self.lead_image = Image.objects.filter(pk=image["id"]).first() if image else None
            section = Section.objects.filter(pk=(content.get("section") or {}).get("id")).first()
            if section is not None:
                self.section = section
            self.save()
            self.tags.set(content.get("tags", []), clear=True)
            people = Author.objects.in_bulk([a["id"] for a in content.get("authors", [])])
            if people:
                ArticleAuthor.objects.filter(article=self).delete()
                ArticleAuthor.objects.bulk_create(
                    ArticleAuthor(article=self, author=people[a["id"]], position=position)
                    for position, a in enumerate(
                        a for a in content.get("authors", []) if a["id"] in people
                    )
                )
            redirect = self.follow_slug_change(before)
        self.__dict__.pop("ordered_authors", None)
        return before, redirect
