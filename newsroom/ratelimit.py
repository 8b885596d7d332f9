"""Rate limits, counted one way for the whole site (comments, newsletter sign-ups, logins).

Counts live in Django's cache. A window opens with a key's first hit and lasts ``window``
seconds; later hits add to it without extending it. With Redis (``REDIS_URL``) every web process
shares the counts, and ``incr`` is atomic there, so a limit holds however many workers serve the
site.

``count(scope, key, window)`` reads how many hits the open window holds; ``hit(...)`` records one
and returns the new count; ``retry_after(...)`` is what a ``Retry-After`` header says.

When the shared cache is down (``newsroom.rediscache``: its ``available()`` says so), the counts
go to a local-memory cache of this process instead: the same limits, held per worker process
until Redis answers again. Never no limit at all.
"""

import time

from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache

_local = LocMemCache("newsroom-ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 50_000}})


def _shared_available():
    available = getattr(cache, "available", None)
    return available is None or available()


def _store():
    return cache if _shared_available() else _local


def _keys(scope, key):
    base = f"ratelimit:{scope}:{key}"
    return base, f"{base}:opened"


def count(scope, key, window):
    """Hits recorded for ``key`` in its open window (0 when none is open)."""
    store = _store()
    found = store.get(_keys(scope, key)[0], 0)
    if store is not _local and not _shared_available():  # it failed just now: ask the fallback
        return _local.get(_keys(scope, key)[0], 0)
    return found


def hit(scope, key, window):
    """Record one hit for ``key`` and return the window's count, this hit included."""
    store = _store()
    result = _hit(store, scope, key, window)
    if store is not _local and not _shared_available():
        result = _hit(_local, scope, key, window)  # the shared cache failed during this hit
    return result


def _hit(store, scope, key, window):
    counter, opened = _keys(scope, key)
    if store.add(counter, 1, window):
        store.set(opened, time.time(), window)
        return 1
    try:
        return store.incr(counter)
    except ValueError:  # the window closed between add() and incr(): this hit opens the next
        store.add(counter, 1, window)
        store.set(opened, time.time(), window)
        return 1


def retry_after(scope, key, window):
    """Seconds until ``key``'s open window closes (at least 1): when a refused client may retry."""
    opened = _store().get(_keys(scope, key)[1])
    if opened is None:
        return window
    return max(1, int(opened + window - time.time()) + 1)
