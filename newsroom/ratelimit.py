"""Rate limits, counted one way for the whole site (comments, newsletter sign-ups, logins).

Counts live in Django's cache. A window opens with a key's first hit and lasts ``window``
seconds; later hits add to it without extending it. With Redis (``REDIS_URL``) every web process
shares the counts, and ``incr`` is atomic there, so a limit holds however many workers serve the
site.

``count(scope, key, window)`` reads how many hits the open window holds; ``hit(...)`` records one
and returns the new count; ``retry_after(...)`` is what a ``Retry-After`` header says.
"""

import time

from django.core.cache import cache


def _keys(scope, key):
    base = f"ratelimit:{scope}:{key}"
    return base, f"{base}:opened"


def count(scope, key, window):
    """Hits recorded for ``key`` in its open window (0 when none is open)."""
    return cache.get(_keys(scope, key)[0], 0)


def hit(scope, key, window):
    """Record one hit for ``key`` and return the window's count, this hit included."""
    counter, opened = _keys(scope, key)
    if cache.add(counter, 1, window):
        cache.set(opened, time.time(), window)
        return 1
    try:
        return cache.incr(counter)
    except ValueError:  # the window closed between add() and incr(): this hit opens the next
        cache.add(counter, 1, window)
        cache.set(opened, time.time(), window)
        return 1


def retry_after(scope, key, window):
    """Seconds until ``key``'s open window closes (at least 1): when a refused client may retry."""
    opened = cache.get(_keys(scope, key)[1])
    if opened is None:
        return window
    return max(1, int(opened + window - time.time()) + 1)
