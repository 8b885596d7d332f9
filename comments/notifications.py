"""Reply notifications: who is told of a reply, and the confirmation that comes first.

Tasks send the mail and know nothing of approval; the models know nothing of tasks. Whatever
approves comments (the admin's action and change form, a trusted reader's post) calls in here,
and so does the post that asks for notifications.
"""

from django.db import transaction
from django.utils import timezone

from .models import CONFIRMATION_RESEND_AFTER, Comment, NotificationAddress
from .tasks import notify_reply, send_notification_confirmation


def request_notifications(comment):
    """``comment`` asks for reply notifications: unless its address is confirmed, mail it the
    link that confirms it (at most once a day). True while a confirmation is awaited."""
    if not comment.notify_replies or comment.status == Comment.Status.SPAM:
        return False
    address, _ = NotificationAddress.objects.get_or_create(email=comment.email.strip().lower())
    if address.is_confirmed:
        return False
    now = timezone.now()
    sent = address.confirmation_sent_at
    if sent is None or sent <= now - CONFIRMATION_RESEND_AFTER:
        address.confirmation_sent_at = now
        address.save(update_fields=["confirmation_sent_at"])
        transaction.on_commit(lambda: send_notification_confirmation.enqueue(address.pk))
    return True


def notify_replies(ids):
    """Once the transaction commits, email whoever asked to hear about a reply among ``ids``."""
    replies = Comment.objects.filter(pk__in=ids).replies_to_notify()
    for pk in replies.values_list("pk", flat=True):
        transaction.on_commit(lambda pk=pk: notify_reply.enqueue(pk))


def approve_and_notify(comments):
    """Publish ``comments`` and tell the commenters they reply to; returns how many."""
    ids = list(comments.exclude(status=Comment.Status.APPROVED).values_list("pk", flat=True))
    count = Comment.objects.filter(pk__in=ids).approve()
    notify_replies(ids)
    return count
