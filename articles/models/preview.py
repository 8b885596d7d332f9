"""Shareable previews: a link an editor sends to someone without an account (a source, a lawyer)
to read a story before it is public.

A link is a random key, signed with the site's secret (``django.core.signing``: a tampered or
made-up link is refused before the database is asked), valid until its expiry time (48 hours by
default, ``PREVIEW_LINK_HOURS``) unless revoked sooner. It shows the story either as it was when
the link was made (the rendered text is kept on the link, so later edits stay unseen) or as it is
now. Each opening is counted. The page is never cached and never indexed (see the view).
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import models
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

SALT = "articles.preview-link"

# The fields a pinned link keeps as they were: what the reader of the preview reads.
SNAPSHOT_FIELDS = (
    "headline",
    "standfirst",
    "body_html",
    "lead_image_id",
    "seo_title",
    "seo_description",
)


def new_key():
    return secrets.token_urlsafe(24)


class PreviewLinkQuerySet(models.QuerySet):
    def create_for(self, article, *, by, hours=None, follows_latest=False):
        """A new link to ``article``, valid ``hours`` hours (``PREVIEW_LINK_HOURS`` if None),
        pinned to the article as it is now unless ``follows_latest``."""
        hours = settings.PREVIEW_LINK_HOURS if hours is None else hours
        now = timezone.now()
        return self.create(
            article=article,
            created_by=by,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
            follows_latest=follows_latest,
            snapshot={} if follows_latest else snapshot_of(article),
        )

    def from_token(self, token):
        """The link a token names; ``PreviewLink.DoesNotExist`` if it was tampered with or
        never existed (the two look the same to whoever holds it)."""
        try:
            key = signing.Signer(salt=SALT).unsign(token)
        except signing.BadSignature:
            raise self.model.DoesNotExist("Bad preview link signature.") from None
        return self.select_related("article").get(key=key)

    def active(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


def snapshot_of(article):
    return {field: getattr(article, field) for field in SNAPSHOT_FIELDS}


class PreviewLink(models.Model):
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="preview_links"
    )
    key = models.CharField(max_length=64, unique=True, default=new_key, editable=False)
    follows_latest = models.BooleanField(
        "shows the latest version",
        default=False,
        help_text="On: whoever opens the link sees the story as it is at that moment. Off: as it "
        "was when the link was made.",
    )
    snapshot = models.JSONField(default=dict, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    open_count = models.PositiveIntegerField("opened", default=0)
    last_opened_at = models.DateTimeField(null=True, blank=True)

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Preview of {self.article} until {self.expires_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self):
        return reverse("articles:shared_preview", kwargs={"token": self.token})

    @property
    def token(self):
        return signing.Signer(salt=SALT).sign(self.key)

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()

    @property
    def is_active(self):
        return not self.is_revoked and not self.is_expired

    @property
    def state(self):
        if self.is_revoked:
            return "revoked"
        return "expired" if self.is_expired else "active"

    def revoke(self, *, by):
        """The link stops working at once; it stays listed, marked revoked."""
        if self.revoked_at is None:
            self.revoked_at, self.revoked_by = timezone.now(), by
            self.save(update_fields=["revoked_at", "revoked_by"])

    def record_open(self):
        """Count one opening (in the database, so two at once both count)."""
        now = timezone.now()
        type(self).objects.filter(pk=self.pk).update(
            open_count=F("open_count") + 1, last_opened_at=now
        )
        self.open_count += 1
        self.last_opened_at = now

    def article_as_shown(self, article):
        """``article`` (loaded for display) as this link shows it: a pinned link puts back the
        text it kept; nothing is saved."""
        for field, value in self.snapshot.items():
            if field in SNAPSHOT_FIELDS:
                setattr(article, field, value)
        if "lead_image_id" in self.snapshot:
            # The prefetched picture belongs to the current version; fetch the kept one.
            article._state.fields_cache.pop("lead_image", None)
        return article
