"""Authors: the people in bylines, with a page of their own."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models

from newsroom.links import reverse_path
from newsroom.people import display_name

from .image import Image
from .slugs import unique_slug


class Author(models.Model):
    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=150, unique=True, allow_unicode=True)
    bio = models.TextField(blank=True, help_text='Plain text, shown in the "Written by" box.')
    photo = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    links = models.TextField(
        blank=True, help_text="One web address per line: website, social profiles."
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author_profile",
        help_text="The staff account that writes as this author, if any.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(self, self.name, fallback="author")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse_path("articles:author", slug=self.slug)

    @classmethod
    def profile_for(cls, user):
        """``user``'s author profile, made from their name the first time it is needed.

        An author finds their drafts again by the byline (see ``Article.objects.viewable_by``),
        so a staff account that writes must have a profile to be named in it.
        """
        try:
            return user.author_profile
        except cls.DoesNotExist:
            return cls.objects.create(name=display_name(user), user=user)

    @property
    def link_list(self):
        """Each link as (label, url); the label is the host name without "www."."""
        result = []
        for line in self.links.splitlines():
            url = line.strip()
            if url.startswith(("https://", "http://")):
                result.append((urlsplit(url).netloc.removeprefix("www."), url))
        return result
