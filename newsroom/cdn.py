"""The purge hook for a CDN or proxy in front of the site (``CDN_PURGE_URL``).

``newsroom.cache`` hands every purge to :func:`purge` (it is in ``settings.CACHE_PURGERS``). When
``CDN_PURGE_URL`` is set, a task POSTs the purged pages there as JSON, so the cache in front drops
the same pages the page cache just dropped::

    POST $CDN_PURGE_URL
    Authorization: Bearer $CDN_PURGE_TOKEN        (when set)
    Content-Type: application/json

    {"urls": ["https://news.example/", "https://news.example/article/harbour/"],
     "paths": ["/", "/article/harbour/"], "everything": false}

``everything`` is true (and the lists empty) when something on every page changed (the menu, the
site settings). A small adapter turns this into the CDN's own API (Fastly, Cloudflare and
Varnish all purge by URL). The POST runs in a task, off the editor's request; a refusal or an
unreachable endpoint fails the task (recorded, and logged by the worker).
"""

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.tasks import task

from newsroom.links import absolute_url


class PurgeRefused(Exception):
    """The purge endpoint did not answer with a 2xx."""


def purge(paths):
    """``newsroom.cache`` purger: enqueue the POST when ``CDN_PURGE_URL`` is set."""
    if not settings.CDN_PURGE_URL:
        return
    send_purge.enqueue(None if paths is None else sorted(paths))


def payload(paths):
    if paths is None:
        return {"urls": [], "paths": [], "everything": True}
    return {"urls": [absolute_url(path) for path in paths], "paths": paths, "everything": False}


@task
def send_purge(paths):
    """POST the purged pages (``None``: every page) to ``CDN_PURGE_URL``; returns its status."""
    request = urllib.request.Request(
        settings.CDN_PURGE_URL,
        data=json.dumps(payload(paths)).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    if settings.CDN_PURGE_TOKEN:
        request.add_header("Authorization", f"Bearer {settings.CDN_PURGE_TOKEN}")
    try:
        with urllib.request.urlopen(request, timeout=settings.CDN_PURGE_TIMEOUT) as response:
            return response.status
    except urllib.error.HTTPError as error:
        raise PurgeRefused(f"{settings.CDN_PURGE_URL} answered {error.code}") from error
