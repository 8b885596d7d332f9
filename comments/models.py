"""Reader comments and the blocklist moderators keep.

Nothing a reader writes is public until it is approved (by a moderator, or automatically for a
trusted commenter). Every comment keeps, in plain words, why it was held or flagged.
"""

import ipaddress
import re
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from newsroom.cache import purge_comments
from newsroom.links import absolute_url
from newsroom.sanitizer import linkify_text

MAX_DEPTH = 3  # a top-level comment, a reply, and a reply to the reply
_URL = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)


def count_links(text):
    return len(_URL.findall(text or ""))


# Never shown on the site: not loaded for it either.
PRIVATE_FIELDS = ("email", "ip_address", "user_agent", "held_reasons")


def _visible(own_pending_ids=()):
    visible = models.Q(status=Comment.Status.APPROVED)
    if own_pending_ids:
        visible |= models.Q(pk__in=own_pending_ids, status=Comment.Status.PENDING)
    return visible


def _without_empty_placeholders(comments):
    """Placeholders are kept only where they hold up something shown."""
    kept = []
    for comment in comments:
        comment.thread_replies = _without_empty_placeholders(comment.thread_replies)
        if not comment.is_placeholder or comment.thread_replies:
            kept.append(comment)
    return kept


class CommentQuerySet(models.QuerySet):
    def approved(self):
        """The one gate for everything public."""
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)

    def for_article(self, article):
        return self.filter(article=article).order_by("created_at", "pk")

    def visible_to(self, own_pending_ids=()):
        """What one reader sees: approved comments, and their own still awaiting moderation."""
        return self.filter(_visible(own_pending_ids))

    def threads(self, own_pending_ids=()):
        """What one reader sees, as threads: top-level comments oldest first, each with its
        ``thread_replies``, in two queries at most whatever the number of comments.

        A hidden comment (spam, rejected, deleted) with replies the reader sees stays in its
        place as a placeholder (``is_placeholder``, its text not even loaded), so the replies
        keep their thread.
        """
        shown = list(self.visible_to(own_pending_ids).defer(*PRIVATE_FIELDS))
        shown_ids = {comment.pk for comment in shown}
        hidden = []
        if any(c.parent_id and c.parent_id not in shown_ids for c in shown):
            hidden = list(
                self.exclude(_visible(own_pending_ids))
                .filter(replies__isnull=False)
                .distinct()
                .only("article_id", "parent_id", "depth", "status", "created_at")
            )
            for comment in hidden:
                comment.is_placeholder = True
        comments = sorted(shown + hidden, key=lambda comment: (comment.created_at, comment.pk))
        by_id = {comment.pk: comment for comment in comments}
        roots = []
        for comment in comments:
            comment.thread_replies = []
        for comment in comments:
            if comment.parent_id is None:
                roots.append(comment)
            elif comment.parent_id in by_id:
                by_id[comment.parent_id].thread_replies.append(comment)
        return _without_empty_placeholders(roots)

    def stale_ip_addresses(self, days=None):
        """Comments still holding an IP address older than the retention period."""
        days = settings.COMMENTS_IP_RETENTION_DAYS if days is None else days
        cutoff = timezone.now() - timedelta(days=days)
        return self.filter(ip_address__isnull=False, created_at__lt=cutoff)

    def purge_pages(self):
        """Once committed, drop the cached pages that show these comments (their articles')."""
        article_ids = self.order_by().values("article_id").distinct()
        for article in Article.objects.filter(pk__in=article_ids).only("slug"):
            purge_comments(article)

    def _set_status(self, status, approved_at=None):
        changing = self.exclude(status__in=[status, Comment.Status.REMOVED])
        # Approving shows what was hidden; anything else hides what was approved.
        shown_or_hidden = changing if status == Comment.Status.APPROVED else changing.approved()
        shown_or_hidden.purge_pages()
        return changing.update(status=status, approved_at=approved_at)

    def approve(self):
        """Publish these comments at once. Mail to repliers' parents is not sent from here:
        ``notifications.approve_and_notify()`` is the approval that also tells them."""
        return self._set_status(Comment.Status.APPROVED, approved_at=timezone.now())

    def replies_to_notify(self):
        """The one rule for who hears of a reply: approved replies to a published comment
        whose author asked to be told and confirmed their address, except replies from that
        same address."""
        confirmed = NotificationAddress.objects.confirmed().filter(
            email=Lower(OuterRef("parent__email"))
        )
        return (
            self.approved()
            .filter(parent__status=Comment.Status.APPROVED, parent__notify_replies=True)
            .filter(Exists(confirmed))
            .exclude(Exact(Lower("email"), Lower("parent__email")))
        )

    def stop_notifications(self, email):
        """No more reply notifications about any comment from ``email``; returns how many."""
        return self.filter(email__iexact=email, notify_replies=True).update(notify_replies=False)

    def remove(self):
        """Delete these comments and keep every reply; returns how many were removed.

        A comment that still has replies stays in its place, emptied of everything its author
        wrote and gave (``REMOVED``): the thread shows "This comment was removed" and its
        replies under it. The rest are deleted, and so is any removed comment left with no reply.
        """
        with transaction.atomic():
            self.approved().purge_pages()
            ids = set(self.values_list("pk", flat=True))
            article_ids = set(self.order_by().values_list("article_id", flat=True).distinct())
            # Leaves first: replies chosen together with their parent go before it (3 levels).
            for _ in range(MAX_DEPTH):
                Comment.objects.filter(pk__in=ids, replies__isnull=True).delete()
            Comment.objects.filter(pk__in=ids).update(
                status=Comment.Status.REMOVED,
                name="",
                email="",
                website="",
                body="",
                body_rendered="",
                held_reasons="",
                ip_address=None,
                user_agent="",
                notify_replies=False,
                approved_at=None,
            )
            for _ in range(MAX_DEPTH):
                Comment.objects.filter(
                    article_id__in=article_ids, status=Comment.Status.REMOVED, replies__isnull=True
                ).delete()
        return len(ids)

    def mark_spam(self):
        return self._set_status(Comment.Status.SPAM)

    def reject(self):
        """Turn these down: hidden from readers, and not spam (no blocklist, no bot)."""
        return self._set_status(Comment.Status.REJECTED)


def render_body(body):
    """A comment's plain text as paragraphs, with bare URLs linked (sanitizer output only)."""
    paragraphs = re.split(r"\n\s*\n", body.replace("\r\n", "\n").strip())
    return "".join(
        "<p>" + linkify_text(p.strip()).replace("\n", "<br>\n") + "</p>"
        for p in paragraphs
        if p.strip()
    )


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        SPAM = "spam", "Spam"
        REJECTED = "rejected", "Rejected"
        REMOVED = "removed", "Removed (deleted, kept for its replies)"

    # Readers' words are never deleted as a side effect: an article with comments cannot be
    # deleted until they are, and deleting a comment keeps its replies (``remove()``).
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="comments")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replies",
        help_text="The comment this one replies to, if any.",
    )
    depth = models.PositiveSmallIntegerField(
        default=0, editable=False, help_text="0 for a comment, 1 for a reply, 2 for a reply to it."
    )
    name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254, help_text="Never shown on the site.")
    website = models.URLField(max_length=200, blank=True)
    body = models.TextField("comment", max_length=5000)
    # ``body`` as shown (paragraphs, links), made by ``save()``: linking costs more than the rest
    # of the comment's rendering, and a page shows fifty of them.
    body_rendered = models.TextField(blank=True, editable=False)
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING)
    held_reasons = models.CharField(
        "reason held",
        max_length=500,
        blank=True,
        help_text="Why the comment was held or flagged, e.g. \u201c3 links\u201d or "
        "\u201cblocklist: word\u201d.",
    )
    ip_address = models.GenericIPAddressField(
        "IP address",
        null=True,
        blank=True,
        help_text="Cleared automatically after the retention period.",
    )
    user_agent = models.CharField(max_length=300, blank=True)
    notify_replies = models.BooleanField(
        "notify of replies",
        default=False,
        help_text="Email the commenter when a reply is approved.",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    objects = CommentQuerySet.as_manager()

    # Set on the hidden comments threads() keeps in place for their replies.
    is_placeholder = False

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["article", "status", "created_at"], name="comment_article_status_created"
            ),
            models.Index(fields=["status", "created_at"], name="comment_status_created"),
            models.Index(fields=["email", "status"], name="comment_email_status"),
        ]

    def __str__(self):
        return f"{self.name} on {self.article}"

    def save(self, *args, **kwargs):
        if self.parent_id:
            # Threads go three levels deep; a reply to the deepest level joins that level.
            while self.parent.depth >= MAX_DEPTH - 1:
                self.parent = self.parent.parent
            self.depth = self.parent.depth + 1
        else:
            self.depth = 0
        self.body_rendered = render_body(self.body)
        if kwargs.get("update_fields") is not None and "body" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body_rendered"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#comment-{self.pk}"

    @property
    def is_approved(self):
        return self.status == self.Status.APPROVED

    @property
    def accepts_replies(self):
        """Shown with a "Reply" link: published, and not already at the deepest level."""
        return self.is_approved and self.depth < MAX_DEPTH - 1

    @property
    def body_html(self):
        """Plain text as paragraphs, with bare URLs linked: every character shown as typed
        (made on save; a row saved before that column existed is rendered now)."""
        if self.body and not self.body_rendered:
            return render_body(self.body)
        return self.body_rendered

    @property
    def public_website(self):
        """The website, only when it is a plain web address (never ``javascript:``)."""
        website = self.website.strip()
        return website if website.lower().startswith(("http://", "https://")) else ""

    def page_number(self, own_pending_ids=()):
        """The page of the article's threads that shows this comment to this reader.

        Threads run oldest first, so a new comment on a busy article is on the last page, not
        the first: the reader is sent there to see it.
        """
        root = self
        while root.parent_id:
            root = root.parent
        shown = Comment.objects.filter(article_id=self.article_id).visible_to(own_pending_ids)
        # As threads() shows them: a thread counts when anything in it is shown.
        threads = Comment.objects.filter(article_id=self.article_id, parent=None).filter(
            _visible(own_pending_ids)
            | models.Q(pk__in=shown.values("parent_id"))
            | models.Q(pk__in=shown.values("parent__parent_id"))
        )
        earlier = threads.filter(
            models.Q(created_at__lt=root.created_at)
            | models.Q(created_at=root.created_at, pk__lt=root.pk)
        )
        return earlier.count() // settings.COMMENTS_PER_PAGE + 1

    def stop_notifications_url(self):
        """The link in every reply notification: its page stops them all for this address."""
        token = signing.dumps(self.email.lower(), salt=STOP_SALT, compress=True)
        return absolute_url(reverse("comments:stop", args=[token]))


STOP_SALT = "comments.stop-notifications"
CONFIRM_SALT = "comments.confirm-notifications"
CONFIRMATION_MAX_AGE = 7 * 24 * 3600  # seconds a confirmation link works
CONFIRMATION_RESEND_AFTER = timedelta(days=1)  # at most one confirmation mail a day per address


def email_from_stop_token(token):
    """The address a stop link names; ``signing.BadSignature`` for a changed or partial one."""
    return signing.loads(token, salt=STOP_SALT)


class NotificationAddressQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)


class NotificationAddress(models.Model):
    """An address that asked to hear about replies. Nothing is mailed to it about replies until
    its owner followed the confirmation link sent to it (and pressed the button there)."""

    email = models.EmailField(max_length=254, help_text="In lower case.")
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationAddressQuerySet.as_manager()

    class Meta:
        ordering = ["email"]
        verbose_name = "reply notification address"
        constraints = [
            models.UniqueConstraint(fields=["email"], name="unique_notification_address"),
        ]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None

    def confirmation_url(self):
        token = signing.dumps(self.email, salt=CONFIRM_SALT, compress=True)
        return absolute_url(reverse("comments:confirm", args=[token]))

    @staticmethod
    def email_from_confirmation_token(token):
        """The address a confirmation link names. ``signing.SignatureExpired`` after
        ``CONFIRMATION_MAX_AGE``, ``signing.BadSignature`` for a changed or partial link."""
        return signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRMATION_MAX_AGE)

    def confirm(self):
        if self.confirmed_at is None:
            self.confirmed_at = timezone.now()
            self.save(update_fields=["confirmed_at"])


class BlockedTermQuerySet(models.QuerySet):
    def matching(self, *, text="", email="", ip=None):
        """The first term that matches, as a reason string, or ``""``."""
        text = (text or "").lower()
        email = (email or "").strip().lower()
        address = None
        if ip:
            try:
                address = ipaddress.ip_address(ip)
            except ValueError:
                address = None
        for term in self:
            value = term.value.strip().lower()
            if not value:
                continue
            if term.kind == BlockedTerm.Kind.WORD:
                if re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text):
                    return f"blocklist: word \u201c{term.value}\u201d"
            elif term.kind == BlockedTerm.Kind.EMAIL:
                if email == value or (value.startswith("@") and email.endswith(value)):
                    return f"blocklist: email \u201c{term.value}\u201d"
            elif term.kind == BlockedTerm.Kind.IP_RANGE and address is not None:
                try:
                    network = ipaddress.ip_network(value, strict=False)
                except ValueError:
                    continue  # saved around the admin's check; must not stop every comment
                if address.version == network.version and address in network:
                    return f"blocklist: IP range {term.value}"
        return ""


class BlockedTerm(models.Model):
    class Kind(models.TextChoices):
        WORD = "word", "Word or phrase"
        EMAIL = "email", "Email address or @domain"
        IP_RANGE = "ip_range", "IP range (CIDR)"

    kind = models.CharField(max_length=10, choices=Kind, default=Kind.WORD)
    value = models.CharField(
        max_length=254,
        help_text="A word or phrase (whole words, any case); an email address or "
        "\u201c@example.com\u201d for a whole domain; or an IP range such as 203.0.113.0/24.",
    )
    note = models.CharField(max_length=200, blank=True, help_text="Why it is blocked.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BlockedTermQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "value"]
        verbose_name = "blocked term"
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="unique_blocked_term"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.value}"

    def clean(self):
        self.value = self.value.strip()
        if self.kind == self.Kind.IP_RANGE:
            try:
                ipaddress.ip_network(self.value, strict=False)
            except ValueError as exc:
                raise ValidationError(
                    {"value": "Enter an IP address or range such as 203.0.113.0/24."}
                ) from exc
        elif self.kind == self.Kind.EMAIL and "@" not in self.value:
            raise ValidationError(
                {"value": "Enter an email address or a domain starting with \u201c@\u201d."}
            )


# The moderation log lives in its own module; imported here so Django finds its model.
from .moderation_log import ModerationLogEntry  # noqa: E402, F401
