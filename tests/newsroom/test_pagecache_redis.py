"""The site as it runs in production: gunicorn with two worker processes and REDIS_URL set, so
the page cache lives in the local Redis. A page stored by one process is a hit for the other,
and a purge made elsewhere (here, by the test process) reaches both at once."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
import redis as redis_client

from newsroom import cache as page_cache
from tests.conftest import database_url
from tests.smtp import free_port
from tests.tools import ROOT

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(settings, redis_url, transactional_db):
    """``(base_url, get)``: gunicorn on the test database with the cache in Redis."""
    redis_client.Redis.from_url(redis_url).flushdb()
    prefix = "newsroom-test-pagecache"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    settings.PAGE_CACHE_SECONDS = 600
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "NEWSROOM_INSECURE_DEV_KEY": "1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": prefix,
        "PAGE_CACHE_SECONDS": "600",
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "TASKS_BACKEND": "immediate",
        "EMAIL_URL": "dummy:",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "newsroom.wsgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def get(path):
        try:
            with urllib.request.urlopen(base + path, timeout=10) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, "gunicorn stopped (run it by hand to see why)"
        try:
            get("/csrf/")
            break
        except OSError:
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
    yield get
    server.terminate()
    server.wait(timeout=15)


def test_pages_are_shared_through_redis_and_purged_everywhere(site, make, redis_url):
    story = make.article(headline="Told through Redis")
    url = story.get_absolute_url()
    status, headers, text = site(url)
    assert status == 200 and headers["X-Page-Cache"] == "miss"
    assert "Told through Redis" in text
    keys = redis_client.Redis.from_url(redis_url).keys("newsroom-test-pagecache:*pagecache:p:*")
    assert keys, "the page is not stored in Redis"
    # Each of the two workers answers from Redis: several requests, every one a hit.
    for _ in range(6):
        status, headers, _ = site(url)
        assert status == 200 and headers["X-Page-Cache"] == "hit"

    type(story).objects.filter(pk=story.pk).update(headline="Changed and purged")
    page_cache.purge_paths([url])  # no transaction open: the purge runs at once
    status, headers, text = site(url)
    assert headers["X-Page-Cache"] == "miss"
    assert "Changed and purged" in text and "Told through Redis" not in text
    assert site(url)[1]["X-Page-Cache"] == "hit"
