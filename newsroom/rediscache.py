"""Django's Redis cache, but a Redis outage is a cache miss, not a 500.

Django's own ``RedisCache`` raises ``redis.exceptions.ConnectionError`` from every call while
Redis is down, and every page reads the cache (the menu, the site settings, the page cache). This
backend (``CACHES``' ``BACKEND`` whenever ``REDIS_URL`` is set) answers as an empty cache
instead: reads miss, writes are dropped, pages are built from the database. What happens, once:

- the first failure logs one warning (``newsroom.rediscache``), and for ``retry_seconds`` after
  it the process does not even try Redis, so an outage costs no connection timeout per request;
- the first success after that logs that Redis is back;
- rate limits (``newsroom.ratelimit``) ask :meth:`ResilientRedisCache.available` and count in a
  per-process local cache meanwhile: the same limits, per worker instead of site-wide;
- a delete that could not reach Redis (a purge after an edit) is remembered and done when Redis
  answers again, so a page cached before the outage never comes back out of date. Too many of
  them, or a missed ``clear()``, and every key under this cache's prefix is deleted instead.
  (A process that ends before Redis is back takes its list with it; cache timeouts bound that.)
"""

import logging
import threading
import time
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
MAX_MISSED_DELETES = 10_000
_EVERYTHING = object()


class _Outage:
    """What this process knows of one Redis server being down. Every cache alias on that server
    (``default`` and ``shared`` are two backend instances) shares it, so an outage is one
    warning and one retry clock per process, not one per alias."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down_since = None  # monotonic time of the failure that started the outage
        self.retry_at = 0.0
        self.missed_deletes = set()


_outages = {}
_outages_lock = threading.Lock()


def _outage_of(servers):
    with _outages_lock:
        return _outages.setdefault(tuple(servers), _Outage())


def _without_password(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path}"


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.retry_seconds = float(options.pop("retry_seconds", RETRY_SECONDS))
        super().__init__(server, {**params, "OPTIONS": options})
        self._outage = _outage_of(self._servers)

    # State --------------------------------------------------------------------------------------

    def available(self):
        """False while Redis is known to be down (callers may fall back to local state)."""
        return self._outage.down_since is None or time.monotonic() >= self._outage.retry_at

    def _failed(self, error):
        with self._outage.lock:
            first = self._outage.down_since is None
            now = time.monotonic()
            if first:
                self._outage.down_since = now
            self._outage.retry_at = now + self.retry_seconds
        if first:
            logger.warning(
                "Redis cache at %s is unavailable (%s): serving pages uncached and counting "
                "rate limits in this process until it answers again",
                ", ".join(_without_password(url) for url in self._servers),
                error,
            )

    def _come_back(self):
        """Redis may answer again: first do the deletes it missed (a purge after an edit), so
        nothing is read from it before its out-of-date pages are gone. Raises ``RedisError``
        while it is still down."""
        with self._outage.lock:
            if self._outage.down_since is None:
                return
            missed = set(self._outage.missed_deletes)
        self._replay_deletes(missed)
        with self._outage.lock:
            if self._outage.down_since is None:
                return
            outage = time.monotonic() - self._outage.down_since
            self._outage.down_since = None
            self._outage.missed_deletes -= missed
        logger.warning("Redis cache is back after %.0f s", outage)

    def _remember_delete(self, keys):
        with self._outage.lock:
            if (
                keys is _EVERYTHING
                or len(self._outage.missed_deletes) + len(keys) > MAX_MISSED_DELETES
            ):
                self._outage.missed_deletes = {_EVERYTHING}
            elif _EVERYTHING not in self._outage.missed_deletes:
                self._outage.missed_deletes.update(keys)

    def _replay_deletes(self, keys):
        if _EVERYTHING in keys:
            self.delete_own_keys()
        elif keys:
            self._cache.delete_many(list(keys))  # made keys, as recorded

    def delete_own_keys(self):
        """Delete every key under this cache's prefix (not the whole Redis database, which the
        task queue or another site may share)."""
        client = self._cache.get_client(write=True)
        pattern = self.make_key("*").replace("[", "\\[")
        batch = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)

    def _call(self, method, default, *args, **kwargs):
        if not self.available():
            return default
        try:
            self._come_back()
            return method(*args, **kwargs)
        except RedisError as error:
            self._failed(error)
            return default

    # The cache API ------------------------------------------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(super().get, default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set, None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().touch, False, key, timeout, version)

    def get_many(self, keys, version=None):
        return self._call(super().get_many, {}, keys, version)

    def has_key(self, key, version=None):
        return self._call(super().has_key, False, key, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set_many, list(data), data, timeout, version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._call(super().incr, missing, key, delta, version)
        if result is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).")
        return result

    def delete(self, key, version=None):
        result = self._call(super().delete, None, key, version)
        if result is None:
            self._remember_delete([self.make_and_validate_key(key, version=version)])
            return False
        return result

    def delete_many(self, keys, version=None):
        keys = list(keys)
        if not self.available():
            self._remember_delete([self.make_and_validate_key(k, version=version) for k in keys])
            return
        try:
            self._come_back()
            super().delete_many(keys, version)
        except RedisError as error:
            self._failed(error)
            self._remember_delete([self.make_and_validate_key(k, version=version) for k in keys])

    def clear(self):
        if not self.available():
            self._remember_delete(_EVERYTHING)
            return False
        try:
            self._come_back()
            return super().clear()
        except RedisError as error:
            self._failed(error)
            self._remember_delete(_EVERYTHING)
            return False
