"""Form flows: post a comment, stop reply notifications."""

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.response import TemplateResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from articles.models import Article
from newsroom.cache import purge_comments
from newsroom.clients import client_ip
from newsroom.links import absolute_url

from .forms import CommentForm
from .models import Comment, NotificationAddress, email_from_stop_token
from .moderation import (
    Refused,
    check_duplicate,
    check_rate_limit,
    comments_closed,
    count_towards_rate_limit,
    decide,
    seconds_since,
)
from .notifications import notify_replies, request_notifications
from .readers import (
    COMMENTS_PAGE_PARAM,
    PENDING_COOKIE_MAX,
    known_author_email,
    own_pending_ids,
    remember_author,
    remember_pending,
)


def render_article(request, article, *, status, form=None, error=""):
    """The article page again, with the reader's form (errors and text kept) and a status.

    ``comments/article_detail.html`` extends the article's own template and fills its comments
    block, so the page is the article page, built from the articles app's public queries.
    """
    if error and form is not None:
        form.add_error(None, error)
    article = Article.objects.published().for_detail().get(pk=article.pk)
    context = {
        "article": article,
        "related": Article.objects.related_to(article),
        "current_section": article.section,
        "canonical_url": absolute_url(article.get_absolute_url()),
        "comment_form": form,
        "comment_error": "" if form else error,
    }
    return TemplateResponse(request, "comments/article_detail.html", context, status=status)


CLOSED_MESSAGE = "Comments are closed on this article, so your comment was not posted."


@require_POST
def post_comment(request, article_id):
    article = get_object_or_404(Article.objects.published(), pk=article_id)
    if comments_closed(article):
        return render_article(request, article, status=403, error=CLOSED_MESSAGE)
    form = CommentForm(request.POST, article=article)
    if not form.is_valid():
        return render_article(request, article, form=form, status=400)

    elapsed = seconds_since(form.cleaned_data["timestamp"])
    ip = client_ip(request)
    comment = form.save(commit=False)
    comment.ip_address = ip
    comment.user_agent = request.headers.get("User-Agent", "")[:300]
    try:
        if elapsed is not None and elapsed > settings.COMMENTS_MAX_SECONDS:
            raise Refused(
                "This form was opened too long ago to be accepted. Your text is kept below: "
                "please send it again."
            )
        check_rate_limit(ip, comment.email)
        check_duplicate(comment)
    except Refused as refusal:
        response = render_article(
            request, article, form=form, status=refusal.status, error=refusal.message
        )
        if refusal.retry_after:
            response["Retry-After"] = str(refusal.retry_after)
        return response

    decide(
        comment,
        honeypot=form.cleaned_data["honeypot"],
        elapsed=elapsed,
        known_author_email=known_author_email(request),
    )
    with transaction.atomic():
        comment.save()
        if comment.is_approved:
            purge_comments(article)
            notify_replies([comment.pk])
        confirming = request_notifications(comment)
    count_towards_rate_limit(ip, comment.email)

    own_ids = [*own_pending_ids(request), comment.pk][-PENDING_COOKIE_MAX:]
    page = comment.page_number(own_ids) if comment.status != Comment.Status.SPAM else 1
    query = f"?{COMMENTS_PAGE_PARAM}={page}" if page > 1 else ""
    # Straight to their comment, where "awaiting moderation" shows; a bot learns nothing.
    anchor = "#comments" if comment.status == Comment.Status.SPAM else f"#comment-{comment.pk}"
    response = HttpResponseRedirect(article.get_absolute_url() + query + anchor)
    if comment.is_approved:
        messages.success(request, "Thank you! Your comment is published.")
    else:
        messages.success(
            request,
            "Thank you! Your comment is awaiting moderation. It will appear here once a "
            "moderator has approved it.",
        )
    if confirming:
        messages.info(
            request,
            f"To hear about replies, confirm your address: we have emailed {comment.email} a "
            "link (once a day at most). Until you follow it, we send no notifications.",
        )
    if comment.status == Comment.Status.PENDING:
        remember_pending(response, own_ids)
    if comment.status != Comment.Status.SPAM:
        # Once a moderator approves this comment, this browser's next ones go up at once.
        remember_author(response, comment.email)
    return response


def refuse_without_csrf_token(request, article_id):
    """A comment sent without a valid CSRF token: 403 and nothing saved, but the text is kept.

    The project's CSRF failure view calls it, as ``post_comment.csrf_failure``. The article page
    comes back with the reader's words in the form and a fresh token, so sending again works
    instead of starting over.
    """
    article = get_object_or_404(Article.objects.published(), pk=article_id)
    if comments_closed(article):
        return render_article(request, article, status=403, error=CLOSED_MESSAGE)
    return render_article(
        request,
        article,
        form=CommentForm(request.POST, article=article),
        status=403,
        error="We could not accept that form: its security check was missing or out of date, "
        "so your comment was not posted. Your text is kept below; please send it again.",
    )


post_comment.csrf_failure = refuse_without_csrf_token


def _bad_link(request, *, expired=False):
    return render(request, "comments/bad_link.html", {"expired": expired}, status=400)


@require_http_methods(["GET", "POST"])
def confirm_notifications(request, token):
    """GET shows a button; only the POST confirms, so link scanners confirm no one."""
    try:
        email = NotificationAddress.email_from_confirmation_token(token)
    except signing.SignatureExpired:
        return _bad_link(request, expired=True)
    except signing.BadSignature:
        return _bad_link(request)
    address = NotificationAddress.objects.filter(email=email).first()
    if address is None:
        return _bad_link(request)
    if request.method == "GET":
        return render(request, "comments/confirm_notifications.html", {"address": address})
    address.confirm()
    context = {"address": address, "confirmed": True}
    response = render(request, "comments/confirm_notifications.html", context)
    # Whoever confirms from this browser reads that inbox: it is known by this address.
    remember_author(response, address.email)
    return response


@csrf_exempt  # the signed token is the credential; mail clients post without a CSRF token
@require_http_methods(["GET", "POST"])
def stop_notifications(request, token):
    """GET shows a one-button page; only a POST stops every reply notification to the address,
    so a mail scanner following the link mutes no one. Twice is fine."""
    try:
        email = email_from_stop_token(token)
    except signing.BadSignature:
        return _bad_link(request)
    context = {"email": email, "stopped": request.method == "POST"}
    if request.method == "POST":
        context["count"] = Comment.objects.stop_notifications(email)
    return render(request, "comments/stop_notifications.html", context)
