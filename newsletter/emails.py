"""Newsletter email: rendered once per issue, personalised per recipient by plain substitution.

Templates render the issue once (HTML with the CSS from ``static/newsletter/email.css`` inlined by
css-inline, plus a plain-text part). Personal values (name, unsubscribe and manage links) go in as
placeholders that contain only letters, so neither autoescaping nor the inliner can alter them,
and are swapped in per recipient: rendering never dominates sending.
"""

import email.policy
from functools import cache
from pathlib import Path

import css_inline
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape

PLACEHOLDERS = {
    "unsubscribe_url": "NLPLACEHOLDERUNSUBSCRIBEURL",
    "manage_url": "NLPLACEHOLDERMANAGEURL",
    "greeting_name": "NLPLACEHOLDERGREETINGNAME",
}


class UnfoldedHeader(str):
    """A header value the email package writes as given, folded only between list items.

    Python's email generator turns a header whose single "word" is longer than a line (a long
    URL in ``List-Unsubscribe``) into RFC 2047 encoded words (``=?utf-8?q?=3Chttps...``), which
    mail clients cannot read as a URL. ``EmailPolicy`` stores a value that carries ``name`` and
    ``fold()`` as is, so we fold it ourselves at the ", " between the URLs (RFC 5322 allows lines
    up to 998 characters; ours stay well under).
    """

    def __new__(cls, name, value):
        obj = super().__new__(cls, value)
        obj.name = name
        return obj

    def fold(self, *, policy):
        parts = [part.strip() for part in str(self).split(",")]
        return f"{self.name}: " + f",{policy.linesep} ".join(parts) + policy.linesep


@cache
def _email_css():
    path = finders.find("newsletter/email.css")
    return Path(path).read_text(encoding="utf-8")


def inline_css(html):
    inliner = css_inline.CSSInliner(extra_css=_email_css(), load_remote_stylesheets=False)
    return inliner.inline(html)


def absolute(url):
    return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url


def unsubscribe_mailto(token):
    address = settings.NEWSLETTER_UNSUBSCRIBE_MAILTO
    return f"mailto:{address}?subject=unsubscribe-{token}"


def list_unsubscribe_headers(subscriber_token, url):
    return {
        "List-Unsubscribe": UnfoldedHeader(
            "List-Unsubscribe", f"<{url}>, <{unsubscribe_mailto(subscriber_token)}>"
        ),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


class RenderedIssue:
    """An issue rendered once; ``message_for(subscriber)`` makes each recipient's copy."""

    def __init__(self, issue):
        self.issue = issue
        stories = []
        for article in issue.ordered_articles():
            image = article.lead_image
            stories.append(
                {
                    "headline": article.headline,
                    "standfirst": article.standfirst,
                    "url": absolute(article.get_absolute_url()),
                    "image_url": absolute(image.url_for_width(640)) if image else "",
                    "image_alt": image.alt_text if image else "",
                }
            )
        context = {
            "issue": issue,
            "stories": stories,
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
            "archive_url": absolute(issue.get_absolute_url()),
            **PLACEHOLDERS,
        }
        self.html = inline_css(render_to_string("newsletter/email/issue.html", context))
        self.text = render_to_string("newsletter/email/issue.txt", context)
        self.subject = issue.subject

    def personalise(self, body, subscriber, *, html):
        name = subscriber.name or "reader"
        return (
            body.replace(PLACEHOLDERS["unsubscribe_url"], subscriber.get_unsubscribe_url())
            .replace(PLACEHOLDERS["manage_url"], subscriber.get_manage_url())
            .replace(PLACEHOLDERS["greeting_name"], escape(name) if html else name)
        )

    def message_for(self, subscriber, *, to=None):
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=self.personalise(self.text, subscriber, html=False),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to or subscriber.email],
            headers=list_unsubscribe_headers(
                subscriber.unsubscribe_token, subscriber.get_unsubscribe_url()
            ),
        )
        message.attach_alternative(self.personalise(self.html, subscriber, html=True), "text/html")
        return message

    def preview_html(self, subscriber):
        return self.personalise(self.html, subscriber, html=True)


def confirmation_message(subscriber):
    context = {
        "subscriber": subscriber,
        "confirm_url": subscriber.get_confirm_url(),
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "signup_url": settings.SITE_URL + reverse("newsletter:subscribe"),
    }
    message = EmailMultiAlternatives(
        subject=f"Confirm your subscription to the {settings.SITE_NAME} newsletter",
        body=render_to_string("newsletter/email/confirm.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[subscriber.email],
    )
    message.attach_alternative(
        inline_css(render_to_string("newsletter/email/confirm.html", context)), "text/html"
    )
    return message


def raw_bytes(message):
    """The bytes the SMTP backend puts on the wire for ``message``."""
    return message.message(policy=email.policy.SMTP).as_bytes()
