"""Readers who opted in twice: sign-up with its consent record, confirmation, leaving, bouncing."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from newsroom.links import absolute_url

from .. import tokens
from ..privacy import anonymise_ip
from .delivery import Delivery

CONFIRMATION_RESEND_INTERVAL = timedelta(hours=1)


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

    def erase(self):
        """Forget these people (a data request): the subscribers and their delivery records.
        The number erased."""
        with transaction.atomic():
            count = self.count()
            Delivery.objects.filter(subscriber__in=self).delete()
            self.delete()
        return count


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
        return tokens.confirmation_token(self.pk)

    @classmethod
    def from_confirmation_token(cls, token):
        """The subscriber a confirmation token names; ``signing.BadSignature`` (or its
        ``SignatureExpired`` subclass) when it is tampered with or older than 7 days."""
        return cls.objects.filter(pk=tokens.confirmation_pk(token)).first()

    @property
    def unsubscribe_token(self):
        return tokens.short_sign(tokens.UNSUBSCRIBE_SALT, self.pk)

    @property
    def manage_token(self):
        return tokens.short_sign(tokens.MANAGE_SALT, self.pk)

    @classmethod
    def from_unsubscribe_token(cls, token):
        return cls.objects.filter(pk=tokens.short_unsign(tokens.UNSUBSCRIBE_SALT, token)).first()

    @classmethod
    def from_manage_token(cls, token):
        return cls.objects.filter(pk=tokens.short_unsign(tokens.MANAGE_SALT, token)).first()

    def get_confirm_url(self):
        return absolute_url(reverse("newsletter:confirm", args=[self.confirmation_token()]))

    def get_unsubscribe_url(self):
        return absolute_url(reverse("newsletter:unsubscribe", args=[self.unsubscribe_token]))

    def get_manage_url(self):
        return absolute_url(reverse("newsletter:manage", args=[self.manage_token]))

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
        """The mail server refused this address for good (a 5xx to its RCPT TO): no more mail.
        The sending engine calls it; ``reason`` is the server's answer, kept for editors."""
        self.status = self.Status.BOUNCED
        self.bounced_at = timezone.now()
        self.last_bounce = str(reason)[:2000]
        # One UPDATE of these columns only: the engine's copy of the row may be old.
        type(self).objects.filter(pk=self.pk).update(
            status=self.status, bounced_at=self.bounced_at, last_bounce=self.last_bounce
        )

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
