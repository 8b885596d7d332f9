"""Issues editors compose: their stories, their recipients frozen when sending starts, progress."""

import hashlib
from datetime import timedelta

from django.db import models, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from articles.models import Article

from .delivery import Delivery
from .subscriber import Subscriber


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
        PAUSED = "paused", "Paused"
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
    paused_at = models.DateTimeField(null=True, blank=True, editable=False)
    pause_reason = models.TextField(
        blank=True,
        editable=False,
        help_text="Why sending stopped: the mail server's answer. Resume once it is dealt with.",
    )

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

    class CannotSend(Exception):
        """Why an issue cannot go out (already sent, no stories), in words for an editor."""

    def send(self, *, enqueue=True):
        """Send the issue to every confirmed subscriber: check that it can go, freeze its
        recipients and, once the transaction commits, hand the send to the task workers. The
        admin's "Send" action, ``manage.py newsletter_send`` and the scheduler all start a send
        here; ``enqueue=False`` is for the command, which runs the engine itself in the
        foreground. A paused issue resumes where it stopped. ``Issue.CannotSend`` says why an
        issue cannot go."""
        reason = self.cannot_send_reason()
        if reason:
            raise self.CannotSend(reason)
        self.start_sending()
        if enqueue:
            # The task module imports the models, so it is imported when it is needed.
            from ..tasks import send_issue_task

            transaction.on_commit(lambda: send_issue_task.enqueue(self.pk))
        return self

    def cannot_send_reason(self):
        """Why the issue cannot go out now, in words for an editor, or ``""``."""
        if self.status == self.Status.SENT:
            return f"“{self}” was already sent."
        if not self.items.exists():
            return f"“{self}” has no stories; add some before sending."
        return ""

    def recipient_count(self):
        """How many people a send would mail now: every confirmed subscriber, or, for an issue
        already sending or paused, the recipients it still has to reach."""
        if self.status in (self.Status.DRAFT, self.Status.SCHEDULED):
            return Subscriber.objects.confirmed().count()
        return self.deliveries.filter(status__in=Delivery.Status.open_values()).count()

    def confirmation_key(self):
        """A digest of what the "Send…" page shows (status, subject, intro, stories): the send
        goes only when the page confirmed is the issue as it is, not as it was."""
        stories = list(self.items.order_by("position", "pk").values_list("article_id", flat=True))
        data = f"{self.pk}|{self.status}|{self.subject}|{self.intro}|{stories}"
        return hashlib.sha256(data.encode()).hexdigest()[:20]

    def schedule(self):
        """Once the transaction commits, enqueue the send for ``scheduled_at``. The minute sweep
        (``tasks.send_due_issues``) sends the issue too, should that task be lost."""
        from ..tasks import schedule_issue

        transaction.on_commit(lambda: schedule_issue(self))

    def start_sending(self):
        """Freeze the recipients (one ``Delivery`` per confirmed subscriber) and switch to
        sending. Safe to call again: an issue that is already sending keeps its recipients, and
        a paused one goes on with the recipients it had."""
        with transaction.atomic():
            issue = type(self).objects.select_for_update().get(pk=self.pk)
            if issue.status == self.Status.PAUSED:
                issue.status = self.Status.SENDING
                issue.pause_reason = ""
                issue.save(update_fields=["status", "pause_reason"])
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

    def pause(self, reason):
        """Stop sending until an editor resumes (``send()`` again): the mail server refused our
        messages, or so many recipients in a row that the fault is likely the server's. No
        subscriber is touched; the sending engine puts the rows it held back in the queue."""
        updated = (
            type(self)
            .objects.filter(pk=self.pk, status=self.Status.SENDING)
            .update(status=self.Status.PAUSED, paused_at=timezone.now(), pause_reason=reason)
        )
        self.refresh_from_db(fields=["status", "paused_at", "pause_reason"])
        return bool(updated)

    @property
    def is_paused(self):
        return self.status == self.Status.PAUSED

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
