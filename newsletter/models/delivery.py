"""One recipient of one issue: the row the sending engine claims, marks and records."""

from django.db import models


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

    issue = models.ForeignKey(
        "newsletter.Issue", on_delete=models.CASCADE, related_name="deliveries"
    )
    subscriber = models.ForeignKey(
        "newsletter.Subscriber", on_delete=models.CASCADE, related_name="deliveries"
    )
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
