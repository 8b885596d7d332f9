"""Subscribers who opted in twice, issues editors compose, and one delivery row per recipient.

The sending engine (``newsletter.sending``) works only through ``Delivery`` rows: they are frozen
when an issue starts sending, claimed in batches, and marked before and after each SMTP send so a
crash can repeat at most the one message that was in flight.
"""

import functools
import hashlib
import hmac
import ipaddress
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from articles.models import Article

CONFIRM_SALT = "newsletter.confirm"
UNSUBSCRIBE_SALT = "newsletter.unsubscribe"
MANAGE_SALT = "newsletter.manage"
CONFIRMATION_MAX_AGE = timedelta(days=7)
CONFIRMATION_RESEND_INTERVAL = timedelta(hours=1)


@functools.lru_cache(maxsize=32)
def _hmac_key(salt, secret):
    # Derived as django.core.signing does (salted_hmac), once per salt and secret rather than
    # for every token: tokens are made for every recipient of every issue.
    return hashlib.sha256(f"{salt}signer{secret}".encode()).digest()


def _short_sign(salt, value, secret=None):
    """``<pk>-<signature>``: a personal-link token. The signature is HMAC-SHA256 cut to 22
    base64 characters (132 bits, far beyond guessing), so links and the List-Unsubscribe header
    stay short."""
    key = _hmac_key(salt, secret or settings.SECRET_KEY)
    digest = hmac.digest(key, str(value).encode(), "sha256")
    return f"{value}-{signing.b64_encode(digest).decode()[:22]}"


def _short_unsign(salt, token):
    # The value is a primary key (digits); the signature may itself contain "-".
    value, _, signature = str(token).partition("-")
    if not value.isdigit() or len(signature) != 22:
        raise signing.BadSignature("Malformed token")
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        if signing.constant_time_compare(_short_sign(salt, value, secret), token):
            return value
    raise signing.BadSignature("Signature does not match")


def anonymise_ip(address, mode):
    """The IP kept with a consent record: ``full``, ``anonymised`` (network part only) or
    ``none``, per the ``NEWSLETTER_CONSENT_IP`` privacy setting."""
    if not address or mode == "none":
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if mode == "full":
        return str(ip)
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(status=Subscriber.Status.CONFIRMED)

    def by_email(self, email):
        return self.filter(email__iexact=email.strip())

    def sign_up(self, *, email, name="", source="", text="", ip=None):
        """Record a sign-up and return the subscriber and whether a confirmation email should
        go out now. Confirmed subscribers are left as they are (no mail); pending, unsubscribed
        and bounced ones are (re)asked to confirm, at most once an hour."""
        with transaction.atomic():
            subscriber = self.select_for_update().by_email(email).first()
            if subscriber is None:
                subscriber = self.model(email=email.strip())
                try:
                    with transaction.atomic():
                        subscriber.record_consent(source=source, text=text, ip=ip)
                        subscriber.name = name
                        subscriber.save()
                except IntegrityError:  # a simultaneous sign-up won the race
                    subscriber = self.select_for_update().by_email(email).get()
            elif subscriber.status == Subscriber.Status.CONFIRMED:
                return subscriber, False
            else:
                subscriber.status = Subscriber.Status.PENDING
                subscriber.record_consent(source=source, text=text, ip=ip)
                if name:
                    subscriber.name = name
                subscriber.save()
        if subscriber.status == Subscriber.Status.CONFIRMED:
            return subscriber, False
        return subscriber, subscriber.claim_confirmation_slot()


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        BOUNCED = "bounced", "Bounced"

    email = models.EmailField(max_length=254, help_text="Unique, whatever the letter case.")
    name = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING)
    consent_at = models.DateTimeField(null=True, blank=True, help_text="When they signed up.")
    consent_source = models.CharField(
        max_length=500, blank=True, help_text="The page the sign-up form was on."
    )
    consent_text = models.TextField(blank=True, help_text="The wording shown next to the form.")
    consent_ip = models.GenericIPAddressField(
        null=True, blank=True, help_text="Kept as the NEWSLETTER_CONSENT_IP setting says."
    )
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    last_bounce = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="newsletter_subscriber_email_ci_unique",
                violation_error_message="There is already a subscriber with this email address.",
            ),
        ]
        indexes = [models.Index(fields=["status"], name="newsletter_subscriber_status")]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip()
        super().save(*args, **kwargs)

    # Tokens: signed, single purpose (one salt each); only confirmation expires. ---------------

    def confirmation_token(self):
        return signing.TimestampSigner(salt=CONFIRM_SALT).sign(str(self.pk))

    @classmethod
    def from_confirmation_token(cls, token):
        """The subscriber a confirmation token names; ``signing.BadSignature`` (or its
        ``SignatureExpired`` subclass) when it is tampered with or older than 7 days."""
        pk = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(token, max_age=CONFIRMATION_MAX_AGE)
        return cls.objects.filter(pk=pk).first()

    @property
    def unsubscribe_token(self):
        return _short_sign(UNSUBSCRIBE_SALT, self.pk)

    @property
    def manage_token(self):
        return _short_sign(MANAGE_SALT, self.pk)

    @classmethod
    def from_unsubscribe_token(cls, token):
        return cls.objects.filter(pk=_short_unsign(UNSUBSCRIBE_SALT, token)).first()

    @classmethod
    def from_manage_token(cls, token):
        return cls.objects.filter(pk=_short_unsign(MANAGE_SALT, token)).first()

    def get_confirm_url(self):
        return settings.SITE_URL + reverse("newsletter:confirm", args=[self.confirmation_token()])

    def get_unsubscribe_url(self):
        return settings.SITE_URL + reverse("newsletter:unsubscribe", args=[self.unsubscribe_token])

    def get_manage_url(self):
        return settings.SITE_URL + reverse("newsletter:manage", args=[self.manage_token])

    # State changes ---------------------------------------------------------------------------

    @property
    def is_confirmed(self):
        return self.status == self.Status.CONFIRMED

    def record_consent(self, *, source, text, ip):
        self.consent_at = timezone.now()
        self.consent_source = source[:500]
        self.consent_text = text
        self.consent_ip = anonymise_ip(ip, settings.NEWSLETTER_CONSENT_IP)

    def claim_confirmation_slot(self):
        """True (and remembered) when a confirmation email may go out now: at most one per
        address per hour. A single conditional UPDATE, so two racing sign-ups send one mail."""
        now = timezone.now()
        claimed = (
            type(self)
            .objects.filter(pk=self.pk)
            .filter(
                Q(confirmation_sent_at__isnull=True)
                | Q(confirmation_sent_at__lte=now - CONFIRMATION_RESEND_INTERVAL)
            )
            .update(confirmation_sent_at=now)
        )
        if claimed:
            self.confirmation_sent_at = now
        return bool(claimed)

    def confirm(self):
        if self.status != self.Status.CONFIRMED:
            self.status = self.Status.CONFIRMED
            self.confirmed_at = timezone.now()
            self.unsubscribed_at = None
            self.save(update_fields=["status", "confirmed_at", "unsubscribed_at"])

    def unsubscribe(self):
        """Leave at once; doing it twice changes nothing."""
        if self.status != self.Status.UNSUBSCRIBED:
            self.status = self.Status.UNSUBSCRIBED
            self.unsubscribed_at = timezone.now()
            self.save(update_fields=["status", "unsubscribed_at"])

    def mark_bounced(self, reason):
        type(self).objects.filter(pk=self.pk).update(
            status=self.Status.BOUNCED, bounced_at=timezone.now(), last_bounce=reason[:2000]
        )
        self.refresh_from_db()

    def export_data(self):
        """Everything we hold about this person, for a data request (JSON-serialisable)."""

        def iso(value):
            return value.isoformat() if value else None

        return {
            "email": self.email,
            "name": self.name,
            "status": self.status,
            "created_at": iso(self.created_at),
            "consent": {
                "at": iso(self.consent_at),
                "source": self.consent_source,
                "text": self.consent_text,
                "ip": self.consent_ip,
            },
            "confirmation_sent_at": iso(self.confirmation_sent_at),
            "confirmed_at": iso(self.confirmed_at),
            "unsubscribed_at": iso(self.unsubscribed_at),
            "bounced_at": iso(self.bounced_at),
            "deliveries": [
                {
                    "issue": delivery.issue.subject,
                    "status": delivery.status,
                    "sent_at": iso(delivery.sent_at),
                }
                for delivery in self.deliveries.select_related("issue").order_by("pk")
            ],
        }


class IssueQuerySet(models.QuerySet):
    def sent(self):
        return self.filter(status=Issue.Status.SENT)

    def due(self):
        return self.filter(status=Issue.Status.SCHEDULED, scheduled_at__lte=timezone.now())


class Issue(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    subject = models.CharField(max_length=200, help_text="The email subject line.")
    intro = models.TextField(blank=True, help_text="Plain text shown above the stories.")
    articles = models.ManyToManyField(Article, through="IssueArticle", related_name="+")
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    scheduled_at = models.DateTimeField(
        null=True, blank=True, help_text="When a scheduled issue goes out."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sending_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = IssueQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "sent_at"], name="newsletter_issue_status")]

    def __str__(self):
        return self.subject

    def get_absolute_url(self):
        return reverse("newsletter:archive_detail", kwargs={"pk": self.pk})

    def ordered_articles(self):
        """The issue's published stories in the editor's order, ready for teasers (a fixed
        number of queries whatever the length)."""
        ids = list(self.items.values_list("article_id", flat=True))
        found = Article.objects.published().filter(pk__in=ids).for_listing().in_bulk()
        return [found[pk] for pk in ids if pk in found]

    @staticmethod
    def best_stories(days, *, limit=8):
        """The best published stories of the last ``days`` days: featured ones first, then the
        most recent."""
        since = timezone.now() - timedelta(days=days)
        return (
            Article.objects.published()
            .filter(published_at__gte=since)
            .order_by("-is_featured", "-published_at", "-pk")[:limit]
        )

    @classmethod
    def create_from_best(cls, days, *, subject="", limit=8):
        """A draft holding ``best_stories(days)``, for the editor to edit."""
        stories = list(cls.best_stories(days, limit=limit))
        with transaction.atomic():
            issue = cls.objects.create(
                subject=subject or f"The best of the last {days} days",
                intro=f"Our pick of the stories of the last {days} days.",
            )
            IssueArticle.objects.bulk_create(
                IssueArticle(issue=issue, article=story, position=position)
                for position, story in enumerate(stories)
            )
        return issue

    def start_sending(self):
        """Freeze the recipients (one ``Delivery`` per confirmed subscriber) and switch to
        sending. Safe to call again: an issue that is already sending keeps its recipients."""
        with transaction.atomic():
            issue = type(self).objects.select_for_update().get(pk=self.pk)
            if issue.status in (self.Status.DRAFT, self.Status.SCHEDULED):
                subscriber_ids = (
                    Subscriber.objects.confirmed().order_by("pk").values_list("pk", flat=True)
                )
                Delivery.objects.bulk_create(
                    (Delivery(issue=issue, subscriber_id=pk) for pk in subscriber_ids.iterator()),
                    batch_size=1000,
                    ignore_conflicts=True,
                )
                issue.status = self.Status.SENDING
                issue.sending_started_at = timezone.now()
                issue.save(update_fields=["status", "sending_started_at"])
        self.refresh_from_db()
        return self

    def finish_if_done(self):
        """Mark the issue sent once no delivery is left to try."""
        if self.deliveries.filter(status__in=Delivery.Status.open_values()).exists():
            return False
        updated = (
            type(self)
            .objects.filter(pk=self.pk, status=self.Status.SENDING)
            .update(status=self.Status.SENT, sent_at=timezone.now())
        )
        self.refresh_from_db()
        return bool(updated)

    def progress(self):
        """Sent / remaining / failed counts and an ETA from the rate so far."""
        counts = self.deliveries.aggregate(
            total=Count("pk"),
            sent=Count("pk", filter=Q(status=Delivery.Status.SENT)),
            failed=Count("pk", filter=Q(status=Delivery.Status.FAILED)),
            skipped=Count("pk", filter=Q(status=Delivery.Status.SKIPPED)),
        )
        counts["remaining"] = (
            counts["total"] - counts["sent"] - counts["failed"] - counts["skipped"]
        )
        counts["eta"] = None
        if self.status == self.Status.SENDING and self.sending_started_at and counts["sent"]:
            elapsed = (timezone.now() - self.sending_started_at).total_seconds()
            rate = counts["sent"] / max(elapsed, 0.001)
            counts["eta"] = timedelta(seconds=round(counts["remaining"] / rate))
        return counts


class IssueArticle(models.Model):
    """A story's place in an issue."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="items")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "article"], name="newsletter_issuearticle_unique"
            ),
        ]

    def __str__(self):
        return f"{self.article} in {self.issue}"


class Delivery(models.Model):
    """One recipient of one issue: the unit the sending engine claims, sends and records."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending (in flight)"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (left before it was sent)"

        @classmethod
        def open_values(cls):
            return [cls.QUEUED, cls.SENDING]

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=20, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "subscriber"], name="newsletter_delivery_unique"
            ),
        ]
        indexes = [models.Index(fields=["issue", "status"], name="newsletter_delivery_status")]

    def __str__(self):
        return f"{self.issue} to {self.subscriber_id}: {self.status}"
