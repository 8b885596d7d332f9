"""Absolute addresses for what leaves the site: emails, feeds, sitemaps, canonical and share links.

``SITE_URL`` is the public base URL. Every absolute link is built here, so a deployment behind a
different host or path changes one setting and every link follows.
"""

from django.conf import settings


def absolute_url(path_or_url):
    """``path_or_url`` as an absolute URL on ``SITE_URL``; a URL that already has a scheme is
    returned as it is."""
    value = str(path_or_url or "")
    if value.startswith(("http://", "https://")):
        return value
    if not value.startswith("/"):
        value = "/" + value
    return settings.SITE_URL + value
