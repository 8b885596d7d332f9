"""The moderators' desk: every verdict, reply and block a moderator makes, each with its entry in
the moderation log. The queue page and the changelist's bulk actions both come through here, so
nothing a moderator does goes unrecorded."""

import ipaddress
from email.utils import parseaddr

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.utils import timezone

from newsroom.cache import purge_comments

from .models import BlockedTerm, Comment, ModerationLogEntry
from .notifications import approve_and_notify, notify_replies

Action = ModerationLogEntry.Action
Status = Comment.Status

# verdict: (the status it gives, the log's word for it, the queryset method that does it)
VERDICTS = {
    "approve": (Status.APPROVED, Action.APPROVED, approve_and_notify),
    "spam": (Status.SPAM, Action.SPAM, lambda comments: comments.mark_spam()),
    "reject": (Status.REJECTED, Action.REJECTED, lambda comments: comments.reject()),
    "delete": (None, Action.DELETED, lambda comments: comments.remove()),
}

# How wide "Block this IP range" blocks: a typical home or office allocation.
IPV4_PREFIX, IPV6_PREFIX = 24, 64


class CannotDo(Exception):
    """A desk action that cannot be done as asked, in words for the moderator."""


def judge(moderator, verdict, comments):
    """Give ``comments`` (a queryset) the ``verdict``, logging each comment it changes before
    the change (a deleted comment's words are kept in the log); returns how many changed."""
    status, action, apply = VERDICTS[verdict]
    with transaction.atomic():
        changing = comments.exclude(status=Status.REMOVED)
        if status is not None:
            changing = changing.exclude(status=status)
        changing = list(changing.select_related("article"))
        if not changing:
            return 0
        ModerationLogEntry.objects.record(moderator, action, changing)
        apply(Comment.objects.filter(pk__in=[comment.pk for comment in changing]))
    return len(changing)


def record_edit(moderator, comment, changed_fields, before):
    """A moderator changed ``comment`` in its form: log which fields and the text as it was."""
    entry_comment = Comment(pk=comment.pk, article=comment.article, **before)
    ModerationLogEntry.objects.record(
        moderator, Action.EDITED, [entry_comment], detail="changed: " + ", ".join(changed_fields)
    )


def ip_range_of(ip):
    """The network "Block this IP range" blocks for ``ip``, or ``None``."""
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return None
    prefix = IPV4_PREFIX if address.version == 4 else IPV6_PREFIX
    return ipaddress.ip_network(f"{address}/{prefix}", strict=False)


def block(moderator, comment, kind):
    """Add the comment's address (``kind="email"``) or IP range (``"ip_range"``) to the blocklist:
    later comments from it go to spam. Returns ``(term, created)``."""
    if kind == BlockedTerm.Kind.EMAIL:
        value = comment.email.strip().lower()
        if not value:
            raise CannotDo("This comment has no email address left to block.")
    elif kind == BlockedTerm.Kind.IP_RANGE:
        network = ip_range_of(comment.ip_address)
        if network is None:
            raise CannotDo(
                "This comment's IP address is no longer kept (it is cleared after "
                f"{settings.COMMENTS_IP_RETENTION_DAYS} days), so there is no range to block."
            )
        value = str(network)
    else:
        raise CannotDo("Unknown kind of block.")
    with transaction.atomic():
        term, created = BlockedTerm.objects.get_or_create(
            kind=kind,
            value=value,
            defaults={"note": f"Blocked from comment {comment.pk} by {moderator.get_username()}"},
        )
        if created:
            detail = f"{term.get_kind_display()}: {value}"
            ModerationLogEntry.objects.record(moderator, Action.BLOCKED, [comment], detail=detail)
    return term, created


def reply_as_site(moderator, comment, body):
    """Publish a reply to ``comment`` in the site's name, approving ``comment`` first if it was
    waiting (a reply under a hidden comment would hang under a placeholder). Returns the reply."""
    body = (body or "").strip()
    if not body:
        raise CannotDo("Write the reply first: it was empty, so nothing was posted.")
    if "\x00" in body:
        raise CannotDo("The reply holds a NUL character, which cannot be stored: nothing posted.")
    limit = Comment._meta.get_field("body").max_length
    if len(body) > limit:
        raise CannotDo(f"The reply is {len(body)} characters long; the most is {limit}.")
    if comment.status not in (Status.PENDING, Status.APPROVED):
        raise CannotDo("Only a published or waiting comment can be replied to.")
    email = moderator.email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    with transaction.atomic():
        if comment.status == Status.PENDING:
            judge(moderator, "approve", Comment.objects.filter(pk=comment.pk))
        reply = Comment(
            article=comment.article,
            parent=comment,
            name=settings.SITE_NAME,
            email=email,
            body=body,
            status=Status.APPROVED,
            approved_at=timezone.now(),
        )
        reply.save()
        purge_comments(comment.article)
        notify_replies([reply.pk])
        ModerationLogEntry.objects.record(
            moderator, Action.REPLIED, [reply], detail=f"in reply to comment {comment.pk}"
        )
    return reply


def history_of(emails):
    """{lower-case address: {"approved", "spam", "rejected", "deleted": counts}}: what became
    of the comments each address sent before (deleted ones are known from the log)."""
    addresses = {email.strip().lower() for email in emails if email}
    history = {
        address: {"approved": 0, "spam": 0, "rejected": 0, "deleted": 0} for address in addresses
    }
    rows = (
        Comment.objects.annotate(address=Lower("email"))
        .filter(address__in=addresses, status__in=[Status.APPROVED, Status.SPAM, Status.REJECTED])
        .values("address", "status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in rows:
        history[row["address"]][row["status"]] = row["count"]
    for address, count in ModerationLogEntry.objects.deleted_counts(addresses).items():
        history[address]["deleted"] = count
    return history


def places_of(comments):
    """{pk: the address of each comment in place on its article} (the comments page it shows on
    once approved, as ``Comment.page_number`` counts it), in one query whatever their number.
    The comments come with ``parent__parent`` loaded."""
    comments = list(comments)
    approved = Comment.objects.approved()
    roots = (
        Comment.objects.filter(article_id__in={c.article_id for c in comments}, parent=None)
        .filter(
            Q(status=Status.APPROVED)
            | Q(pk__in=approved.values("parent_id"))
            | Q(pk__in=approved.values("parent__parent_id"))
        )
        .values_list("article_id", "created_at", "pk")
    )
    shown = {}
    for article_id, created_at, pk in roots:
        shown.setdefault(article_id, []).append((created_at, pk))
    places = {}
    for comment in comments:
        root = comment
        while root.parent_id:
            root = root.parent
        earlier = sum(key < (root.created_at, root.pk) for key in shown.get(comment.article_id, []))
        page = earlier // settings.COMMENTS_PER_PAGE + 1
        places[comment.pk] = (
            f"{comment.article.get_absolute_url()}?comments_page={page}#comment-{comment.pk}"
        )
    return places
