"""What the site knows about the reader in front of it: their browser's cookies and what the
comment thread's URL asks for. Views set these; the template tag reads them."""

import re

from django.conf import settings

PENDING_COOKIE = "comments_pending"
PENDING_COOKIE_SALT = "comments.pending"
PENDING_COOKIE_MAX = 20
PENDING_COOKIE_AGE = 7 * 24 * 3600
COMMENTS_PAGE_PARAM = "comments_page"
AUTHOR_COOKIE = "comments_author"
AUTHOR_COOKIE_SALT = "comments.author"
AUTHOR_COOKIE_AGE = 365 * 24 * 3600


# ASCII digits only (``str.isdigit()`` also accepts "²", which ``int()`` refuses, and "٣",
# which it reads as 3), and few enough to fit a database key (``int()`` refuses 4,300+).
_NUMBER = re.compile(r"[0-9]{1,18}")


def parse_number(value):
    """``value`` (a query parameter, form field or cookie part) as a whole number, or ``None``."""
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        return int(value)
    return None


def own_pending_ids(request):
    """Ids of the comments this browser sent that still await moderation (signed cookie)."""
    value = request.get_signed_cookie(PENDING_COOKIE, default="", salt=PENDING_COOKIE_SALT)
    ids = (parse_number(part) for part in value.split(","))
    return [pk for pk in ids if pk is not None]


def remember_pending(response, ids):
    """Let this browser, and only it, see its comments while they await moderation."""
    response.set_signed_cookie(
        PENDING_COOKIE,
        ",".join(map(str, ids[-PENDING_COOKIE_MAX:])),
        salt=PENDING_COOKIE_SALT,
        max_age=PENDING_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def known_author_email(request):
    """The address this browser has commented with (or confirmed), in lower case, or ``""``.

    Signed, so only the site can have set it: typing a regular's address in the form does not
    make a browser theirs.
    """
    return request.get_signed_cookie(
        AUTHOR_COOKIE, default="", salt=AUTHOR_COOKIE_SALT, max_age=AUTHOR_COOKIE_AGE
    )


def remember_author(response, email):
    """Mark this browser as the one that commented with (or confirmed) ``email``."""
    response.set_signed_cookie(
        AUTHOR_COOKIE,
        email.strip().lower(),
        salt=AUTHOR_COOKIE_SALT,
        max_age=AUTHOR_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def requested_page(request):
    """The comment page asked for (``None`` for the first); the article page has no other list,
    so plain ``page`` works too."""
    return parse_number(request.GET.get(COMMENTS_PAGE_PARAM) or request.GET.get("page"))


def requested_reply_id(request):
    """The comment a reader's ``?replyto=`` link names, or ``None``."""
    return parse_number(request.GET.get("replyto"))
