"""Project-wide views: the pages Django shows when a request fails a security check or an
error, and the CSRF token for forms on cached pages."""

import sys

from django.conf import settings
from django.contrib import admin
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import server_error as django_server_error

from newsroom.links import absolute_url
from newsroom.middleware import DATABASE_ERRORS, database_unavailable


@never_cache
@require_GET
def csrf_token(request):
    """``/csrf/``: this browser's CSRF token (and its cookie), for the forms of pages that every
    reader shares and so carry none (``newsroom.pagecache``; ``static/js/site.js`` asks)."""
    return JsonResponse({"token": get_token(request)})


def server_error(request, template_name="500.html"):
    """Django's 500 page, except that a database that cannot be reached is a 503 with
    ``Retry-After`` wherever it failed (a middleware, the session save), not only in a view
    (``DatabaseUnavailableMiddleware`` handles those without logging an error)."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable()
    return django_server_error(request, template_name)


def csrf_failure(request, reason=""):
    """A friendly page in the site's design instead of Django's plain CSRF failure page.

    A view may answer its own refusals (a comment form comes back with the reader's text kept):
    it names a function as its ``csrf_failure`` attribute, called with the view's arguments.
    The project knows no app's views this way; the arrow points from the app to here.
    """
    match = getattr(request, "resolver_match", None)
    own_answer = getattr(match.func, "csrf_failure", None) if match is not None else None
    if own_answer is not None:
        return own_answer(request, *match.args, **match.kwargs)
    return render(request, "403_csrf.html", {"reason": reason}, status=403)


def permission_denied(request, exception=None):
    """403: in the admin, a page in the admin's design with a way back (its home page, and the
    page the person came from when that is ours); elsewhere the site's own page."""
    admin_root = reverse("admin:index")
    if request.path.startswith(admin_root) and request.user.is_authenticated:
        referer = request.headers.get("Referer", "")
        back = (
            referer
            if referer
            and url_has_allowed_host_and_scheme(
                referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            )
            and referer != request.build_absolute_uri()
            else ""
        )
        context = {**admin.site.each_context(request), "title": "Not allowed", "back": back}
        return render(request, "admin/403.html", context, status=403)
    html = loader.render_to_string("403.html", request=request)
    return HttpResponseForbidden(html)


def robots_txt(request):
    """``/robots.txt``: both sitemaps, and what crawlers should leave alone (the admin, staff
    and shared previews, search results; those pages also say ``noindex`` themselves)."""
    lines = [
        "User-agent: *",
        f"Disallow: {reverse('admin:index')}",
        "Disallow: /preview/",
        f"Disallow: {reverse('articles:search')}",
        "",
        f"Sitemap: {absolute_url(reverse('articles:sitemap_index'))}",
        f"Sitemap: {absolute_url(reverse('articles:sitemap_news'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def bad_request(request, exception=None):
    """400, except a body over the documented limit (``DATA_UPLOAD_MAX_MEMORY_SIZE``, too many
    fields), which is 413 Content Too Large, in the site's design."""
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent

    too_large = isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent)
    status = 413 if too_large else 400
    html = loader.render_to_string(
        "400.html", {"too_large": too_large, "SITE_NAME": settings.SITE_NAME}
    )
    return HttpResponse(html, status=status)
