"""Mail that follows from approving a comment: who is told of a reply, and when.

Tasks send the mail and know nothing of approval; the models know nothing of tasks. Whatever
approves comments (the admin's action and change form, a trusted reader's post) calls in here.
"""

from django.db import transaction

from .models import Comment
from .tasks import notify_reply


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
