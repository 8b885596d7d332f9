"""Newsletter email: rendered once per issue, personalised per recipient by plain substitution.

Templates render the issue once (HTML with the CSS from ``static/newsletter/email.css`` inlined by
css-inline, plus a plain-text part). Personal values (name, unsubscribe and manage links) go in as
placeholders that contain only letters, so neither autoescaping nor the inliner can alter them,
and are swapped in per recipient: rendering never dominates sending.
"""

import binascii
import email.policy
import functools
import secrets
from datetime import UTC, datetime
from email.utils import format_datetime
from functools import cache
from pathlib import Path

import css_inline
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.mail import EmailMultiAlternatives, make_msgid
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape

from newsroom.links import absolute_url

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

    def __reduce__(self):  # copies and pickles (the locmem backend deep-copies messages)
        return (type(self), (self.name, str(self)))

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


def _qp(text):
    """Quoted-printable body with CRLF line ends (binascii does it in C: fast)."""
    data = text.replace("\r\n", "\n").encode("utf-8")
    return binascii.b2a_qp(data, istext=True).replace(b"\n", b"\r\n")


class EncodedBody:
    """A body with placeholders, quoted-printable encoded once except for its personal lines.

    Quoted-printable is line by line: a hard line break ends an encoded line and restarts the
    76-character count, so encoding a text in runs of whole lines gives exactly the bytes of
    encoding it at once. The lines without a placeholder (nearly all of them) are encoded here,
    once per issue; per recipient only the few lines with a personal value are substituted and
    encoded.
    """

    def __init__(self, text):
        self.pieces = []  # bytes (encoded, shared) or str (a line with placeholders)
        shared = []
        for line in text.replace("\r\n", "\n").splitlines(keepends=True):
            if any(placeholder in line for placeholder in PLACEHOLDERS.values()):
                if shared:
                    self.pieces.append(_qp("".join(shared)))
                    shared = []
                self.pieces.append(line)
            else:
                shared.append(line)
        if shared:
            self.pieces.append(_qp("".join(shared)))

    def encode(self, values):
        """The encoded body with ``values`` (placeholder -> text) substituted."""
        out = []
        for piece in self.pieces:
            if isinstance(piece, str):
                for placeholder, value in values.items():
                    piece = piece.replace(placeholder, value)
                piece = _qp(piece)
            out.append(piece)
        return b"".join(out)


class _RawMIME:
    """What ``PreparedMessage.message()`` returns: the bytes as built, parsed only on demand."""

    def __init__(self, raw):
        self.raw = raw

    def as_bytes(self, unixfrom=False, linesep="\n", policy=None):
        return self.raw

    def as_string(self, unixfrom=False, linesep="\n", policy=None):
        return self.raw.decode("utf-8")

    def _parsed(self):
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    def __getitem__(self, name):
        return self._parsed()[name]

    def __getattr__(self, name):
        return getattr(self._parsed(), name)


class PreparedMessage(EmailMultiAlternatives):
    """An ``EmailMultiAlternatives`` whose wire bytes were assembled by ``RenderedIssue``.

    Building a MIME message with Python's email package costs several milliseconds; for a
    newsletter that is more than the SMTP exchange itself. The issue's headers and parts are
    encoded once; per recipient only the personal values are substituted and the two bodies
    quoted-printable encoded. Every mail backend (SMTP, console, file, locmem) takes it as is.
    """

    def __init__(self, *args, raw, **kwargs):
        super().__init__(*args, **kwargs)
        self.raw = raw

    def message(self, *, policy=email.policy.default):
        return _RawMIME(self.raw)


class RenderedIssue:
    """An issue rendered once; ``message_for(subscriber)`` makes each recipient's copy.

    ``test=True`` renders the editor's test copy: its "read in your browser" link opens the
    staff preview until the issue is sent (the public archive has only sent issues), and it has
    no unsubscribe or manage links (nor ``List-Unsubscribe``): those name a subscriber, and the
    editor who gets the test may not be one.
    """

    def __init__(self, issue, *, test=False):
        self.issue = issue
        self.test = test
        if test and issue.status != issue.Status.SENT:
            archive_url = absolute_url(reverse("admin:newsletter_issue_preview", args=[issue.pk]))
        else:
            archive_url = absolute_url(issue.get_absolute_url())
        stories = []
        for article in issue.ordered_articles():
            image = article.lead_image
            stories.append(
                {
                    "headline": article.headline,
                    "standfirst": article.standfirst,
                    "url": absolute_url(article.get_absolute_url()),
                    "image_url": absolute_url(image.url_for_width(640)) if image else "",
                    "image_alt": image.alt_text if image else "",
                }
            )
        context = {
            "issue": issue,
            "stories": stories,
            "SITE_NAME": settings.SITE_NAME,
            "home_url": absolute_url(reverse("articles:home")),
            "archive_url": archive_url,
            "is_test": test,
            **PLACEHOLDERS,
        }
        self.html = inline_css(render_to_string("newsletter/email/issue.html", context))
        self.text = render_to_string("newsletter/email/issue.txt", context)
        self.encoded_html = EncodedBody(self.html)
        self.encoded_text = EncodedBody(self.text)
        self.subject = issue.subject
        policy = email.policy.SMTP
        self.boundary = f"===============NL{secrets.token_hex(12)}=="
        self.subject_header = policy.fold("Subject", self.subject).encode("ascii")
        self.fixed_headers = (
            policy.fold("From", settings.DEFAULT_FROM_EMAIL)
            + "MIME-Version: 1.0\r\n"
            + f'Content-Type: multipart/alternative; boundary="{self.boundary}"\r\n'
            + ("" if test else "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
        ).encode("ascii")
        self.part_head = {
            subtype: (
                f"--{self.boundary}\r\n"
                f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
                "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            ).encode("ascii")
            for subtype in ("plain", "html")
        }

    def personal_values(self, subscriber, *, html, urls=None):
        """Placeholder -> this recipient's value, escaped for the HTML part."""
        name = subscriber.name or "reader"
        unsubscribe_url, manage_url = urls or self.urls_for(subscriber)
        return {
            PLACEHOLDERS["unsubscribe_url"]: unsubscribe_url,
            PLACEHOLDERS["manage_url"]: manage_url,
            PLACEHOLDERS["greeting_name"]: escape(name) if html else name,
        }

    def personalise(self, body, subscriber, *, html, urls=None):
        for placeholder, value in self.personal_values(subscriber, html=html, urls=urls).items():
            body = body.replace(placeholder, value)
        return body

    @functools.cached_property
    def _url_patterns(self):
        # reverse() once per issue, not twice per recipient.
        return (
            absolute_url(reverse("newsletter:unsubscribe", args=["TOKEN"])),
            absolute_url(reverse("newsletter:manage", args=["TOKEN"])),
        )

    def urls_for(self, subscriber):
        unsubscribe, manage = self._url_patterns
        return (
            unsubscribe.replace("TOKEN", subscriber.unsubscribe_token),
            manage.replace("TOKEN", subscriber.manage_token),
        )

    @staticmethod
    def unsubscribe_headers(urls):
        """The RFC 8058 headers of a copy whose personal links are ``urls`` (the token is the
        last part of the unsubscribe URL: not signed a second time)."""
        token = urls[0].rstrip("/").rsplit("/", 1)[1]
        return list_unsubscribe_headers(token, urls[0])

    def wire_for(self, subscriber, *, to=None, subject=None):
        """The bytes of this recipient's copy, as they go over SMTP: what the sender sends."""
        to = to or subscriber.email
        urls = self.urls_for(subscriber)
        policy = email.policy.SMTP
        subject_header = self.subject_header
        if subject is not None:
            subject_header = policy.fold("Subject", subject).encode("ascii")
        recipient = f"To: {to}\r\n" if to.isascii() else policy.fold("To", to)
        list_unsubscribe = (
            b""
            if self.test
            else self.unsubscribe_headers(urls)["List-Unsubscribe"]
            .fold(policy=policy)
            .encode("ascii")
        )
        return b"".join(
            [
                subject_header,
                self.fixed_headers,
                recipient.encode("ascii"),
                f"Date: {format_datetime(datetime.now(UTC))}\r\n".encode("ascii"),
                f"Message-ID: {make_msgid(domain=DNS_NAME)}\r\n".encode("ascii"),
                list_unsubscribe,
                b"\r\n",
                self.part_head["plain"],
                self.encoded_text.encode(self.personal_values(subscriber, html=False, urls=urls)),
                b"\r\n",
                self.part_head["html"],
                self.encoded_html.encode(self.personal_values(subscriber, html=True, urls=urls)),
                f"\r\n--{self.boundary}--\r\n".encode("ascii"),
            ]
        )

    def message_for(self, subscriber, *, to=None, subject=None):
        """This recipient's copy as an email message, for any mail backend."""
        to = to or subscriber.email
        urls = self.urls_for(subscriber)
        text = self.personalise(self.text, subscriber, html=False, urls=urls)
        html = self.personalise(self.html, subscriber, html=True, urls=urls)
        message = PreparedMessage(
            subject=subject or self.subject,
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to],
            headers={} if self.test else self.unsubscribe_headers(urls),
            raw=self.wire_for(subscriber, to=to, subject=subject),
        )
        message.attach_alternative(html, "text/html")
        return message

    def preview_html(self, subscriber):
        return self.personalise(self.html, subscriber, html=True)


def confirmation_message(subscriber):
    context = {
        "subscriber": subscriber,
        "confirm_url": subscriber.get_confirm_url(),
        "SITE_NAME": settings.SITE_NAME,
        "home_url": absolute_url(reverse("articles:home")),
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
