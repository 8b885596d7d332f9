"""What the site knows about the reader in front of it: their browser's cookies and what the
comment thread's URL asks for. Views set these; the template tag reads them."""

from django.conf import settings

PENDING_COOKIE = "comments_pending"
PENDING_COOKIE_SALT = "comments.pending"
PENDING_COOKIE_MAX = 20
PENDING_COOKIE_AGE = 7 * 24 * 3600
COMMENTS_PAGE_PARAM = "comments_page"


def own_pending_ids(request):
    """Ids of the comments this browser sent that still await moderation (signed cookie)."""
    value = request.get_signed_cookie(PENDING_COOKIE, default="", salt=PENDING_COOKIE_SALT)
    return [int(pk) for pk in value.split(",") if pk.isdigit()]


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


def requested_page(request):
    """The comment page asked for; the article page has no other list, so plain ``page`` works."""
    return request.GET.get(COMMENTS_PAGE_PARAM) or request.GET.get("page")
