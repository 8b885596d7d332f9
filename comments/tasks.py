"""Background work for comments: reply notifications, the moderators' digest, IP purging."""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from newsroom.links import absolute_url

from .groups import MODERATORS
from .models import Comment, NotificationAddress

DIGEST_LIMIT = 50
# Seconds before each new try of a mail to a reader that the mail server could not take now
# (unreachable, or a 4xx answer): about eight hours in all, then it is logged as lost.
MAIL_RETRY_DELAYS = (60, 300, 1800, 3600, 3 * 3600, 3 * 3600)

logger = logging.getLogger(__name__)


def is_temporary(error):
    """A mail server that cannot be reached, hung up, or answered 4xx ("try again later"); a
    5xx answer refuses the message for good."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code < 500
    return isinstance(error, (smtplib.SMTPException, OSError))


def send_or_retry(message, task, args, attempt):
    """Send ``message`` to a reader. While the mail server is down the task is enqueued again
    for later (``MAIL_RETRY_DELAYS``), so an outage delays the mail instead of losing it; the
    task asks its question again when it runs (a reply since removed is not announced)."""
    try:
        return message.send()
    except (smtplib.SMTPException, OSError) as error:
        retry = is_temporary(error) and attempt < len(MAIL_RETRY_DELAYS)
        if retry and task.get_backend().supports_defer:
            later = timezone.now() + timedelta(seconds=MAIL_RETRY_DELAYS[attempt])
            task.using(run_after=later).enqueue(*args, attempt=attempt + 1)
            logger.warning("%s to %s: %s; trying again at %s", task.name, message.to, error, later)
        else:
            logger.error(
                "%s to %s not sent (try %d): %s", task.name, message.to, attempt + 1, error
            )
        return 0


@task
def notify_reply(reply_id, attempt=0):
    """Tell a commenter who asked for it that a reply to their comment was approved."""
    # Asked again at send time: the parent may have stopped notifications since.
    reply = (
        Comment.objects.filter(pk=reply_id)
        .replies_to_notify()
        .select_related("parent", "article")
        .first()
    )
    if reply is None:
        return 0
    parent = reply.parent
    context = {
        "reply": reply,
        "parent": parent,
        "reply_url": absolute_url(reply.get_absolute_url()),
        "stop_url": parent.stop_notifications_url(),
        "SITE_NAME": settings.SITE_NAME,
    }
    message = EmailMultiAlternatives(
        subject=f"New reply to your comment on \u201c{reply.article.headline}\u201d",
        body=render_to_string("comments/email/reply_notification.txt", context),
        to=[parent.email],
    )
    return send_or_retry(message, notify_reply, [reply_id], attempt)


@task
def send_notification_confirmation(address_id, attempt=0):
    """Mail an address that asked to hear about replies the one link that confirms it."""
    address = NotificationAddress.objects.filter(pk=address_id, confirmed_at=None).first()
    if address is None:
        return 0
    context = {"confirm_url": address.confirmation_url(), "SITE_NAME": settings.SITE_NAME}
    message = EmailMultiAlternatives(
        subject=f"Confirm reply notifications from {settings.SITE_NAME}",
        body=render_to_string("comments/email/confirm_notifications.txt", context),
        to=[address.email],
    )
    return send_or_retry(message, send_notification_confirmation, [address_id], attempt)


def digest_recipients():
    """``COMMENTS_DIGEST_RECIPIENTS`` if set, else the Moderators: the queue is their job.

    Editors and superusers may moderate too, but the digest is for the people who asked to do
    it; mail to everyone who could would soon be ignored.
    """
    if settings.COMMENTS_DIGEST_RECIPIENTS:
        return list(settings.COMMENTS_DIGEST_RECIPIENTS)
    users = get_user_model().objects.filter(is_active=True, groups__name=MODERATORS)
    return sorted(set(users.exclude(email="").values_list("email", flat=True)))


@task
def send_moderation_digest():
    """Email moderators the comments waiting for them; nothing is sent when none wait."""
    pending = Comment.objects.pending().select_related("article").order_by("created_at")
    total = pending.count()
    recipients = digest_recipients()
    if not total or not recipients:
        return 0
    context = {
        "entries": [
            (comment, absolute_url(reverse("admin:comments_comment_change", args=[comment.pk])))
            for comment in pending[:DIGEST_LIMIT]
        ],
        "total": total,
        "queue_url": absolute_url(reverse("admin:comments_comment_queue")),
        "SITE_NAME": settings.SITE_NAME,
    }
    message = EmailMultiAlternatives(
        subject=f"{total} comment{'s' if total != 1 else ''} awaiting moderation",
        body=render_to_string("comments/email/moderation_digest.txt", context),
        to=recipients,
    )
    return message.send()


@task
def purge_ip_addresses():
    """Forget commenters' IP addresses once the retention period has passed."""
    return Comment.objects.stale_ip_addresses().update(ip_address=None)
