"""Project-wide middleware."""

import logging
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse
from django.template import loader
from django.urls import Resolver404, resolve
from django.views.defaults import page_not_found


class SiteNotFoundMiddleware:
    """With debug on (``make run``), a missing page shows the site's own 404 page
    (``templates/404.html``), as readers see it in production, instead of Django's technical 404
    listing the URL patterns. Errors still get the debug page: only "not found" is changed.

    With debug off Django already renders the site's page, so this does nothing. It comes last
    in ``MIDDLEWARE``, so the others still see the response as in production (``CommonMiddleware``
    still redirects ``/path`` to ``/path/`` when that exists).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # An address no URL pattern matches fails before any view runs, so ``process_exception``
        # never hears of it: check the patterns first.
        if settings.DEBUG:
            try:
                resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404 as exception:
                return page_not_found(request, exception)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None


logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)


def database_unavailable(retry_after=None):
    """The 503 page in the site's design (``templates/jinja2/503.html``), built without the
    database: no request context, so no menu or site settings, and no stack trace."""
    retry_after = retry_after or settings.DATABASE_RETRY_AFTER
    html = loader.render_to_string(
        "503.html", {"SITE_NAME": settings.SITE_NAME, "retry_after": retry_after}
    )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A database that cannot be reached (restarting, failed over, refusing connections) answers
    503 with ``Retry-After`` instead of a 500, and the site recovers by itself: Django drops a
    connection that failed when the request ends (``conn_health_checks`` too), so the next
    request connects afresh. One warning per ``DATABASE_RETRY_AFTER`` seconds, not per request.
    A request that got this page was not acknowledged: a form sent then was not saved, and the
    page says so."""

    _last_warning = 0.0

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        now = time.monotonic()
        if now - DatabaseUnavailableMiddleware._last_warning >= settings.DATABASE_RETRY_AFTER:
            DatabaseUnavailableMiddleware._last_warning = now
            logger.warning("Database unavailable (%s): answering 503", exception)
        return database_unavailable()
