"""Project-wide middleware."""

from django.conf import settings
from django.http import Http404
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
