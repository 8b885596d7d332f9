"""The comment thread and reply form under an article, in fixed queries.

``comment_section_context()`` gathers what ``comments/section.html`` (a Jinja2 template, like
every public page) shows; the pages call it as ``comment_section(article)`` (``newsroom.jinja2``).
``{% pending_comment_count %}`` is the admin's (Django templates)."""

from django import template
from django.conf import settings
from django.core.paginator import Paginator

from comments.forms import CommentForm
from comments.models import Comment
from comments.moderation import comments_closed, seconds_since, sign_timestamp
from comments.readers import (
    COMMENTS_PAGE_PARAM,
    own_pending_ids,
    parse_number,
    requested_page,
    requested_reply_id,
)

register = template.Library()


def walk(threads):
    """Every comment in these threads, replies included."""
    for comment in threads:
        yield comment
        yield from walk(comment.thread_replies)


def count_approved(threads):
    """Approved comments in these threads: the ones every reader sees, and no more."""
    return sum(comment.is_approved for comment in walk(threads))


def count_own_pending(threads):
    """This reader's own comments shown to them while they await moderation."""
    return sum(
        comment.status == Comment.Status.PENDING and not comment.is_placeholder
        for comment in walk(threads)
    )


def _timestamp_for(form):
    """Keep the original signed timestamp when the form comes back with errors."""
    if form.is_bound:
        token = form.data.get("timestamp", "")
        elapsed = seconds_since(token)
        if elapsed is not None and 0 <= elapsed <= settings.COMMENTS_MAX_SECONDS:
            return token
    return sign_timestamp()


def comment_section_context(request, article, form=None, error=""):
    """The thread and the form. ``form`` is a reader's refused form to show again (errors and
    text kept), ``error`` a refusal with no form to show (comments closed)."""
    own_ids = own_pending_ids(request) if request is not None else []
    roots = Comment.objects.for_article(article).threads(own_ids)
    page = Paginator(roots, settings.COMMENTS_PER_PAGE).get_page(
        requested_page(request) if request is not None else 1
    )

    # A staff preview of a draft shows the thread as it will look, without a form to post to.
    closed = comments_closed(article)
    reply_to = None
    if form is None and not closed:
        # Only a comment shown here with its own "Reply" link: anything else gets the plain form.
        open_to_replies = {c.pk: c for c in walk(roots) if c.accepts_replies}
        reply_id = requested_reply_id(request) if request is not None else None
        reply_to = open_to_replies.get(reply_id)
        form = CommentForm(article=article, initial={"parent": reply_to.pk if reply_to else None})
    elif form is not None and form.is_bound:
        parent_id = parse_number(form.data.get("parent"))
        reply_to = next((c for c in walk(roots) if c.pk == parent_id and c.is_approved), None)
    return {
        "article": article,
        "request": request,
        "count": count_approved(roots),
        "own_pending": count_own_pending(roots),
        "page": page,
        "page_param": COMMENTS_PAGE_PARAM,
        "closed": closed,
        "form": form,
        "reply_to": reply_to,
        "timestamp": _timestamp_for(form) if form is not None else "",
        "comment_error": error,
    }


@register.simple_tag
def pending_comment_count():
    return Comment.objects.pending().count()
