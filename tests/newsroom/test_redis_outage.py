"""Redis down: pages are built uncached, forms work, rate limits count per process, no 5xx, and
one warning in the log. A purge missed during the outage is done when Redis answers again."""

import logging
import os
import subprocess
import sys
import time

import pytest
from django.urls import reverse

from articles.models import Section
from comments.models import Comment
from newsletter.forms import sign_consent_text
from newsletter.models import Subscriber
from newsroom import ratelimit
from newsroom.rediscache import ResilientRedisCache
from tests.smtp import free_port
from tests.tools import ROOT, require_redis_server

pytestmark = pytest.mark.django_db

BACKEND = "newsroom.rediscache.ResilientRedisCache"


def closed_port_url():
    return f"redis://127.0.0.1:{free_port()}/0"  # bound a moment ago, nothing listens there now


@pytest.fixture
def redis_down(settings):
    """The cache pointed at a Redis that is not there, as when ``REDIS_URL``'s server is down."""
    down = {
        "BACKEND": BACKEND,
        "LOCATION": closed_port_url(),
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    # Every alias on that Redis, as the settings make them with REDIS_URL.
    settings.CACHES = {alias: dict(down) for alias in settings.CACHES}
    ratelimit._local.clear()
    yield
    ratelimit._local.clear()


def outage_warnings(caplog):
    return [r for r in caplog.records if r.name == "newsroom.rediscache"]


def test_every_page_is_served_uncached_and_one_warning_is_logged(client, make, redis_down, caplog):
    caplog.set_level(logging.WARNING, logger="newsroom.rediscache")
    story = make.article(tags=["Weather"])
    author = story.authors.first()
    urls = [
        "/",
        story.get_absolute_url(),
        story.section.get_absolute_url(),
        reverse("articles:tag", args=["weather"]),
        author.get_absolute_url(),
        reverse("articles:search") + "?q=headline",
        reverse("newsletter:subscribe"),
        reverse("newsletter:archive"),
    ]
    for _ in range(3):
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
    assert story.headline in client.get("/").text
    assert len(outage_warnings(caplog)) == 1
    assert "unavailable" in outage_warnings(caplog)[0].getMessage()


def test_forms_keep_working(
    client, make, redis_down, staff_client, django_capture_on_commit_callbacks
):
    story = make.article()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("comments:post", args=[story.pk]), make.comment_form_data(body="Still here.")
        )
    assert response.status_code in {200, 302}
    assert Comment.objects.filter(body="Still here.").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("newsletter:subscribe"),
            {"email": "ada@example.com", "source": "/", "consent": sign_consent_text()},
        )
    assert response.status_code == 302
    assert Subscriber.objects.filter(email="ada@example.com").exists()

    editor = staff_client(["Editors"])
    with django_capture_on_commit_callbacks(execute=True):  # the purge of the menu runs too
        response = editor.post(
            reverse("admin:articles_section_add"),
            {"name": "Weather", "slug": "weather", "position": 0},
        )
    assert response.status_code == 302, response.text[:2000]
    assert Section.objects.filter(slug="weather").exists()


def test_rate_limits_fall_back_to_a_local_limit(client, settings, redis_down):
    settings.NEWSLETTER_RATE_LIMIT_IP = 2
    answers = [
        client.post(
            reverse("newsletter:subscribe"),
            {"email": f"reader{n}@example.com", "source": "/", "consent": sign_consent_text()},
            REMOTE_ADDR="198.51.100.4",
        ).status_code
        for n in range(3)
    ]
    assert answers == [302, 302, 429]


def test_the_admin_login_throttle_holds_while_redis_is_down(client, make, redis_down):
    make.staff(username="chief", password="correct horse battery staple")
    for _ in range(10):
        client.post(reverse("admin:login"), {"username": "chief", "password": "wrong"})
    response = client.post(
        reverse("admin:login"), {"username": "chief", "password": "correct horse battery staple"}
    )
    assert response.status_code == 429


def test_redis_url_at_a_closed_port_is_a_miss_in_a_fresh_process():
    """The settings' own cache (``REDIS_URL``) with nothing listening: every call answers, quickly,
    and the log says so once."""
    code = (
        "import time\n"
        "from django.core.cache import cache\n"
        "started = time.monotonic()\n"
        "for n in range(200):\n"
        "    cache.set('k', n); assert cache.get('k') is None; cache.delete('k')\n"
        "assert cache.get_or_set('menu', lambda: 'built', 60) == 'built'\n"
        "print(round(time.monotonic() - started, 2))\n"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DJANGO_DEBUG": "1",
        "REDIS_URL": closed_port_url(),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) < 5  # no connection attempt per call while it is known down
    assert result.stderr.count("is unavailable") == 1, result.stderr


# A real outage of a real server ------------------------------------------------------------------


@pytest.fixture
def own_redis(tmp_path):
    """A private redis-server: the test makes it stop answering, which no shared one may do."""
    require_redis_server()
    import redis

    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 15
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.exceptions.ConnectionError:
            assert server.poll() is None and time.monotonic() < deadline, "redis-server failed"
            time.sleep(0.05)
    yield url, redis.Redis.from_url(url)
    server.terminate()
    server.wait(timeout=10)


def test_a_purge_missed_while_redis_hangs_is_done_when_it_answers_again(own_redis, caplog):
    caplog.set_level(logging.WARNING, logger="newsroom.rediscache")
    url, server = own_redis
    # A backend of its own, not one from the settings: a thread left by another test (a live
    # server answering a browser's poll) reads the settings' caches, and its first read after
    # the pause would replay the purge before this test puts the old page back.
    cache = ResilientRedisCache(
        url,
        {
            "KEY_PREFIX": "outage-test",
            "OPTIONS": {"socket_timeout": 0.2, "socket_connect_timeout": 0.2, "retry_seconds": 0.3},
        },
    )
    cache.set("page:/", "the page before the edit", 600)
    stored = cache.make_key("page:/")
    server.execute_command("CLIENT", "PAUSE", "1200", "ALL")  # Redis stops answering
    cache.delete("page:/")  # the purge after an edit: it times out
    assert not cache.available()
    assert cache.get("page:/") is None  # a miss meanwhile, not the old page
    time.sleep(1.4)
    # Redis may yet run the delete it got while paused: the page as it was before the edit is
    # put back, as when the delete never reached it...
    server.set(stored, b"the page before the edit")
    assert cache.get("anything") is None  # ...until the first answer, which replays the purge
    assert server.exists(stored) == 0
    assert cache.available()
    messages = [r.getMessage() for r in outage_warnings(caplog)]
    assert len(messages) == 2 and "unavailable" in messages[0] and "back" in messages[1]
