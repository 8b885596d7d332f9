"""Site-wide slots that superusers set in the admin: the advertisement and "follow us" links."""

from django.db import models

from newsroom.cache import SITE_SETTINGS_KEY, fragments
from newsroom.sanitizer import clean_html


class SiteSettings(models.Model):
    """A single row (pk=1) of site-wide settings; ``load()`` creates it on first use."""

    advertisement_html = models.TextField(
        "advertisement",
        blank=True,
        help_text="HTML for the advertisement slot: links and images from our media library only; "
        "scripts are removed. Leave empty to hide the slot's content.",
    )
    advertisement_html_clean = models.TextField(blank=True, editable=False)
    require_two_factor = models.BooleanField(
        "require two-factor login for Editors and superusers",
        default=False,
        help_text="When on, Editors and superusers log in with a code from an authenticator "
        "app as well as their password; those without one set it up at their next login. "
        "Other staff may always turn it on for themselves.",
    )

    class Meta:
        verbose_name = verbose_name_plural = "site settings"

    def __str__(self):
        return "Site settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        self.advertisement_html_clean = clean_html(self.advertisement_html)
        super().save(*args, **kwargs)

    @classmethod
    def load(cls):
        """The settings row with its follow links, from the cache when possible (the admin
        purges it with ``newsroom.cache.purge_site_settings()`` when they change)."""
        value = fragments().get(SITE_SETTINGS_KEY)
        if value is None:
            # The links with their settings row in one query; without links, the row alone.
            links = list(FollowLink.objects.filter(settings_id=1).select_related("settings"))
            value = links[0].settings if links else cls.objects.get_or_create(pk=1)[0]
            value.follow_links_list = links
            fragments().set(SITE_SETTINGS_KEY, value, 3600)
        return value


class FollowLink(models.Model):
    """A "follow us" link shown on every page."""

    settings = models.ForeignKey(
        SiteSettings, on_delete=models.CASCADE, related_name="follow_links"
    )
    label = models.CharField(max_length=50, help_text='E.g. "Mastodon", "RSS", "Instagram".')
    url = models.URLField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.label
