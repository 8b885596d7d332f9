"""Sections: the desks of the paper, in the menu on every page."""

from django.db import models

from newsroom.cache import MENU_KEY, fragments
from newsroom.links import reverse_path

from .slugs import unique_slug


class SectionQuerySet(models.QuerySet):
    def menu(self):
        """The sections in menu order, cached: every page renders the menu."""
        sections = fragments().get(MENU_KEY)
        if sections is None:
            sections = list(self.order_by("position", "name"))
            fragments().set(MENU_KEY, sections, 3600)
        return sections


class Section(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, allow_unicode=True)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Lower numbers come first in the menu."
    )
    description = models.TextField(blank=True, help_text="Shown at the top of the section page.")

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.name, fallback="section")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse_path("articles:section", slug=self.slug)
