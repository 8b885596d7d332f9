"""The page cache: whole public pages for anonymous readers, and the HTTP caching headers that let
a browser, a CDN or ``deploy/nginx.conf`` keep them too.

A view opts in with :func:`public_page`. For a reader the page may be shared with (a GET or HEAD
with no session, no message waiting and no comment of theirs awaiting moderation: see
:func:`is_shareable`), its response says ``Cache-Control: public, max-age=0,
s-maxage=PAGE_CACHE_SECONDS, stale-while-revalidate=PAGE_STALE_SECONDS``; anyone else gets
``private``. :class:`PageCacheMiddleware` stores a shareable 200 that sets no cookie: its body
bytes and headers (not a pickled response) in Django's cache (local memory, or Redis with
``REDIS_URL``), and answers the next shareable request for that address from there, before
sessions, CSRF, authentication and the view run. Every public response gets an ``ETag`` and a
``Last-Modified``, and a matching conditional request gets a 304.

Forms on shared pages (the newsletter sign-up, the comment form) carry an empty CSRF field:
``csrf_input`` renders without a token (:func:`csrf_context`), so no reader's token is ever in a
stored page. ``static/js/site.js`` fills the field from ``/csrf/`` (never cached) when the
reader starts using the form; without JavaScript the form's own CSRF failure answer keeps the
reader's text and comes back with a token, so sending again works.

Invalidation is exact and race-free. Each address has a version token (and one for every
address) in a cache all the site's processes share (``CACHES["shared"]``: Redis, or a folder).
A stored page records the tokens read *before* its view ran, and a hit needs both to still
exist and match. Purging (``newsroom.cache`` calls :func:`purge` for the paths, after the commit)
deletes the tokens, and the next reader makes new ones: every variant of the address
(``?page=2``, ``?comments_page=3``) is out at once, in every process, and a page rendered from
the data as it was before the change can never be stored as current, however late its worker
finishes. A token evicted from the cache makes its pages misses, never stale hits.
"""

import hashlib
import threading
import time
import uuid
from functools import wraps
from urllib.parse import parse_qsl, unquote, urlencode

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.http import HttpResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_http_date_safe
from markupsafe import Markup

ALL = "*"
# Links shared on social media carry these; they do not change the page, so they share its entry.
TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid")
# Cookies that mean the page is this reader's own: the comments app's pending-comment cookie
# (``comments.readers.PENDING_COOKIE``; the wiring does not import the app).
PRIVATE_COOKIES = ("comments_pending",)


def cache():
    """Where pages are stored: the default cache (local memory, or Redis)."""
    return caches["default"]


def versions_cache():
    """Where version tokens are: a cache every process of the site shares."""
    from newsroom.cache import fragments

    return fragments()


def _same_store():
    return settings.CACHES.get("shared", settings.CACHES["default"]) == settings.CACHES["default"]


def enabled():
    return settings.PAGE_CACHE_SECONDS > 0


def is_shareable(request):
    """Whether ``request`` may get (and fill) the copy every anonymous reader shares: a GET or
    HEAD from a browser with no session (staff, anyone logged in), no message waiting for it
    and no comment of its own awaiting moderation."""
    if request.method not in ("GET", "HEAD"):
        return False
    cookies = request.COOKIES
    private = (settings.SESSION_COOKIE_NAME, CookieStorage.cookie_name, *PRIVATE_COOKIES)
    return not any(name in cookies for name in private)


def public_page(view):
    """Mark a view's pages as the same for every anonymous reader (see the module docstring)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        shareable = is_shareable(request)
        request.is_public_page = shareable
        response = view(request, *args, **kwargs)
        if shareable:
            patch_cache_control(
                response,
                public=True,
                max_age=0,
                s_maxage=settings.PAGE_CACHE_SECONDS,
                stale_while_revalidate=settings.PAGE_STALE_SECONDS,
            )
        else:
            patch_cache_control(response, private=True, max_age=0)
        return response

    return wrapper


def csrf_context(request):
    """Jinja2 context processor: no CSRF token in pages that may be shared (see above)."""
    if getattr(request, "is_public_page", False):
        empty = Markup(
            '<input type="hidden" name="csrfmiddlewaretoken" value="" data-csrf-url="{}">'
        ).format(reverse("csrf"))
        return {"csrf_input": empty, "csrf_token": ""}
    return {}


# Keys and versions -----------------------------------------------------------------------------


def _digest(text):
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def version_key(path):
    return f"pagecache:v:{_digest(path)}"


def entry_key(request):
    """The request's address, tracking parameters left out and the rest in a fixed order."""
    query = [
        (name, value)
        for name, value in parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
        if not name.startswith(TRACKING_PARAMS)
    ]
    address = request.path + ("?" + urlencode(sorted(query)) if query else "")
    return f"pagecache:p:{_digest(address)}"


def purge(paths):
    """``newsroom.cache`` purger: new version tokens for ``paths`` (or every address)."""
    # ``reverse()`` gives percent-encoded paths, ``request.path`` decoded ones.
    paths = [ALL] if paths is None else [unquote(path) for path in paths]
    _new_versions(paths)
    if "replica" in settings.DATABASES:
        # A page rendered from a replica that had not caught up yet must not stay.
        again = threading.Timer(settings.DATABASE_REPLICA_LAG_SECONDS, _new_versions, [paths])
        again.daemon = True
        again.start()


def _new_versions(paths):
    # Deleting the tokens is enough: a stored page needs its tokens to exist and match, and the
    # next reader makes new ones. (A delete Redis missed during an outage is done when it is
    # back: newsroom.rediscache.)
    versions_cache().delete_many([version_key(path) for path in paths])


def _current_versions(store, keys):
    """The version tokens under ``keys``, made where missing (evicted or never set)."""
    found = store.get_many(keys)
    for key in keys:
        if found.get(key) is None:
            store.add(key, uuid.uuid4().hex, timeout=None)
    if any(found.get(key) is None for key in keys):
        found = store.get_many(keys)
    return tuple(found.get(key) for key in keys)


# The middleware --------------------------------------------------------------------------------


def _etag(body):
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def _is_public(response):
    control = response.get("Cache-Control", "")
    return "public" in control and "private" not in control and "no-store" not in control


class PageCacheMiddleware:
    """Serves and stores shareable public pages (module docstring). It sits after WhiteNoise and
    before the session middleware: a hit costs a cache read and nothing of the site."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not (enabled() and is_shareable(request)):
            return self.conditional(request, self.get_response(request))
        store, shared = cache(), versions_cache()
        key = entry_key(request)
        versions = (version_key(request.path), version_key(ALL))
        if _same_store():
            found = store.get_many([key, *versions])  # one round trip to Redis
        else:
            found = {key: store.get(key), **shared.get_many(versions)}
        entry = found.get(key)
        current = (found.get(versions[0]), found.get(versions[1]))
        if entry is not None and None not in current and entry[0] == current:
            response = self.from_entry(entry)
            response["X-Page-Cache"] = "hit"
            return self.conditional(request, response)
        if None in current:
            current = _current_versions(shared, versions)
        response = self.get_response(request)
        if self.may_store(response):
            self.add_validators(response)
            headers = [(name, value) for name, value in response.items()]
            entry = (current, response.status_code, headers, response.content)
            store.set(key, entry, settings.PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
        return self.conditional(request, response)

    @staticmethod
    def may_store(response):
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and _is_public(response)
            and "*" not in response.get("Vary", "")
        )

    @staticmethod
    def from_entry(entry):
        _, status, headers, body = entry
        response = HttpResponse(body, status=status)
        for name, value in headers:
            response[name] = value
        return response

    @staticmethod
    def add_validators(response):
        if not response.has_header("ETag"):
            response["ETag"] = _etag(response.content)
        if not response.has_header("Last-Modified"):
            response["Last-Modified"] = http_date(time.time())

    def conditional(self, request, response):
        """A 304 for a public page the client has (``If-None-Match``, ``If-Modified-Since``)."""
        if request.method not in ("GET", "HEAD") or response.status_code != 200:
            return response
        if response.streaming or not _is_public(response):
            return response
        self.add_validators(response)
        last_modified = parse_http_date_safe(response["Last-Modified"])
        return get_conditional_response(
            request, etag=response["ETag"], last_modified=last_modified, response=response
        )
