"""The spam and abuse rules, without any third-party service.

Each rule either refuses a comment outright (the reader sees why and keeps the text) or decides
its status and records, in plain words, why it was held or flagged.
"""

import time
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone

from newsroom import ratelimit

from .models import BlockedTerm, Comment, count_links

TIMESTAMP_SALT = "comments.form-timestamp"


class Refused(Exception):
    """A submission we turn away with a message and an HTTP status; nothing is saved."""

    def __init__(self, message, status=400, retry_after=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


# Closing ----------------------------------------------------------------------------------------


def comments_closed(article):
    """True when the article takes no comments: not public (``Article.is_public`` says, e.g. a
    draft in preview), switched off, or old enough to close (comments' own rule)."""
    if not article.is_public or not article.comments_open:
        return True
    days = settings.COMMENTS_CLOSE_AFTER_DAYS
    if days and article.published_at:
        return article.published_at < timezone.now() - timedelta(days=days)
    return False


# The form timestamp -----------------------------------------------------------------------------


def sign_timestamp(now=None):
    return signing.dumps(int(now if now is not None else time.time()), salt=TIMESTAMP_SALT)


def seconds_since(token):
    """Seconds since the form was rendered, or ``None`` for a missing or tampered token."""
    try:
        rendered = int(signing.loads(token or "", salt=TIMESTAMP_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return time.time() - rendered


# Rate limits ------------------------------------------------------------------------------------


RATE_SCOPE = "comments"


def _rate_keys(ip, email):
    keys = [f"email:{email.strip().lower()}"]
    if ip:
        keys.append(f"ip:{ip}")
    return keys


def check_rate_limit(ip, email):
    """Refuse (429, with when to retry) a reader who already posted the most we accept."""
    limit, window = settings.COMMENTS_RATE_LIMIT, settings.COMMENTS_RATE_WINDOW
    if not limit:
        return
    for key in _rate_keys(ip, email):
        if ratelimit.count(RATE_SCOPE, key, window) >= limit:
            minutes = max(1, round(window / 60))
            raise Refused(
                f"You have posted {limit} comments in the last {minutes} minutes, the most we "
                "accept. Please wait a few minutes and send it again: your text is kept below.",
                status=429,
                retry_after=ratelimit.retry_after(RATE_SCOPE, key, window),
            )


def count_towards_rate_limit(ip, email):
    for key in _rate_keys(ip, email):
        ratelimit.hit(RATE_SCOPE, key, settings.COMMENTS_RATE_WINDOW)


# The verdict -------------------------------------------------------------------------------------


def check_duplicate(comment):
    duplicate = Comment.objects.filter(
        article=comment.article, email__iexact=comment.email, body=comment.body
    ).exclude(status=Comment.Status.SPAM)
    if duplicate.exists():
        raise Refused("You have already posted this comment on this article; it is not sent twice.")


def is_known_regular(comment, known_author_email=""):
    """A commenter the site knows: this browser posted (or confirmed) with the comment's
    address, and a comment from that address has been approved. The address alone is not
    enough, since anyone can type it."""
    email = comment.email.strip().lower()
    return (
        bool(known_author_email)
        and known_author_email == email
        and (Comment.objects.approved().filter(email__iexact=email).exists())
    )


def decide(comment, *, honeypot="", elapsed=None, known_author_email=""):
    """Set ``comment.status`` and ``comment.held_reasons`` from the rules, in order.
    ``known_author_email`` is the address the reader's browser is known by (its signed cookie)."""
    spam, held = [], []
    if honeypot:
        spam.append("honeypot")
    blocked = BlockedTerm.objects.all().matching(
        text=f"{comment.name}\n{comment.website}\n{comment.body}",
        email=comment.email,
        ip=comment.ip_address,
    )
    if blocked:
        spam.append(blocked)
    if not settings.COMMENTS_MIN_SECONDS:
        pass  # the timing rule is switched off
    elif elapsed is None:
        held.append("no valid form timestamp")
    elif elapsed < settings.COMMENTS_MIN_SECONDS:
        held.append(f"too fast ({max(0, int(elapsed))} s)")
    links = count_links(comment.body)
    if links > settings.COMMENTS_MAX_LINKS:
        held.append(f"{links} links")

    if spam:
        comment.status = Comment.Status.SPAM
    elif held:
        comment.status = Comment.Status.PENDING
    elif settings.COMMENTS_TRUST_APPROVED_EMAILS and is_known_regular(comment, known_author_email):
        comment.status = Comment.Status.APPROVED
        comment.approved_at = timezone.now()
    else:
        comment.status = Comment.Status.PENDING
    comment.held_reasons = "; ".join(spam + held)
    return comment.status
