"""Background work for comments: reply notifications, the moderators' digest, IP purging."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse

from newsroom.links import absolute_url

from .groups import MODERATORS
from .models import Comment, NotificationAddress

DIGEST_LIMIT = 50


@task
def notify_reply(reply_id):
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
    return message.send()


@task
def send_notification_confirmation(address_id):
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
    return message.send()


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
