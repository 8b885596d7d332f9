"""Absolute addresses for what leaves the site: emails, feeds, sitemaps, canonical and share links.

``SITE_URL`` is the public base URL. Every absolute link is built here, so a deployment behind a
different host or path changes one setting and every link follows.
"""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse


def absolute_url(path_or_url):
    """``path_or_url`` as an absolute URL on ``SITE_URL``; a URL that already has a scheme is
    returned as it is."""
    value = str(path_or_url or "")
    if value.startswith(("http://", "https://")):
        return value
    if not value.startswith("/"):
        value = "/" + value
    return settings.SITE_URL + value


def reverse_path(viewname, *args, **kwargs):
    """``reverse()``, remembered: the same name and arguments always make the same path (for
    the same URL configuration and script prefix, which are part of the key). A page names
    dozens of addresses (every section in the menu twice, each teaser's story and authors: 79
    on the home page), and Django's ``reverse()`` costs 13 µs each, 6% of the page."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    try:
        return _reversed(
            viewname, args, tuple(sorted(kwargs.items())), get_script_prefix(), urlconf
        )
    except TypeError:  # an argument that cannot be a key: not remembered
        return reverse(viewname, urlconf=urlconf, args=args or None, kwargs=kwargs or None)


@lru_cache(maxsize=20_000)
def _reversed(viewname, args, kwargs, script_prefix, urlconf):
    return reverse(viewname, urlconf=urlconf, args=args or None, kwargs=dict(kwargs) or None)
