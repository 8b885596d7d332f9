"""The site as it runs in production: gunicorn with two worker processes, with REDIS_URL set (the
page cache in the local Redis) and without it (pages in each process, their version tokens in a
folder the processes share). A stored page is a hit for both workers, and a purge made elsewhere
(here, by the test process, as by the admin's process or a task worker) reaches both at once."""

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


@pytest.fixture(params=["redis", "local"])
def site(request, settings, transactional_db, tmp_path):
    """``get(path)``: gunicorn on the test database, with the cache in Redis or local."""
    prefix = "newsroom-test-pagecache"
    environ = {}
    if request.param == "redis":
        redis_url = request.getfixturevalue("redis_url")
        redis_client.Redis.from_url(redis_url).flushdb()
        redis_cache = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
        settings.CACHES = {"default": redis_cache, "shared": redis_cache}
        environ = {"REDIS_URL": redis_url, "CACHE_KEY_PREFIX": prefix}
    else:
        shared = {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "shared"),
        }
        settings.CACHES = {**settings.CACHES, "shared": shared}
        environ = {"REDIS_URL": "", "CACHE_DIR": str(tmp_path / "shared")}
    settings.PAGE_CACHE_SECONDS = 600
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "NEWSROOM_INSECURE_DEV_KEY": "1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DATABASE_URL": database_url(),
        **environ,
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
    get.kind = request.param
    get.redis_url = environ.get("REDIS_URL")
    yield get
    server.terminate()
    server.wait(timeout=15)


def test_pages_are_stored_and_purged_in_every_worker(site, make):
    story = make.article(headline="Told through Redis")
    url = story.get_absolute_url()
    status, headers, text = site(url)
    assert status == 200 and headers["X-Page-Cache"] == "miss"
    assert "Told through Redis" in text
    if site.kind == "redis":
        keys = redis_client.Redis.from_url(site.redis_url).keys("newsroom-test-pagecache:*p:*")
        assert keys, "the page is not stored in Redis"
        # Each of the two workers answers from Redis: several requests, every one a hit.
        for _ in range(6):
            status, headers, _ = site(url)
            assert status == 200 and headers["X-Page-Cache"] == "hit"
    else:
        # Each worker stores its own copy (the other one's first answer), then answers from it.
        answers = [site(url)[1]["X-Page-Cache"] for _ in range(8)]
        assert answers.count("miss") <= 1 and answers.count("hit") >= 7

    type(story).objects.filter(pk=story.pk).update(headline="Changed and purged")
    page_cache.purge_paths([url])  # no transaction open: the purge runs at once
    status, headers, text = site(url)
    assert headers["X-Page-Cache"] == "miss"
    assert "Changed and purged" in text and "Told through Redis" not in text
    answers = [site(url) for _ in range(6)]
    assert all("Changed and purged" in text for _, _, text in answers)  # no worker has the old


def test_a_menu_change_reaches_every_worker(site, make):
    section = make.section(name="Old desk name")
    make.article(section=section)
    for _ in range(6):
        assert "Old desk name" in site("/")[2]  # both workers hold the menu and the page
    type(section).objects.filter(pk=section.pk).update(name="New desk name")
    page_cache.purge_menu()  # what the section admin's save runs once committed
    texts = [site("/")[2] for _ in range(6)]
    assert all("New desk name" in text and "Old desk name" not in text for text in texts)
