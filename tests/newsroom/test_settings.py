"""Settings come from the environment, with safe defaults, and every variable is in the README.

Settings are read once per process, so each case starts a fresh Python with only the variables
it names (plus PATH) and reads the values back as JSON.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from newsroom.settings import mailers_from_url

ROOT = Path(__file__).resolve().parents[2]

READ_BACK = """
import json
from django.conf import settings
database = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "DATABASE_ENGINE": database["ENGINE"],
    "DATABASE_NAME": str(database["NAME"]),
    "DATABASE_HOST": database.get("HOST", ""),
    "CACHE_BACKEND": settings.CACHES["default"]["BACKEND"],
    "CACHE_LOCATION": settings.CACHES["default"].get("LOCATION", ""),
    "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    "MAILERS": settings.MAILERS,
    "SITE_URL": settings.SITE_URL,
}))
"""


def run_python(script, **environ):
    """Run ``script`` in a fresh Python with exactly ``environ`` (and PATH) and the settings."""
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "newsroom.settings"}
    env.update(environ)
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )


def settings_with(**environ):
    """Run Python with exactly ``environ`` (and PATH) and return the settings it ends up with."""
    return run_python(READ_BACK, **environ)


def read(**environ):
    result = settings_with(**environ)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_with_nothing_set_it_runs_embedded():
    values = read(DJANGO_DEBUG="1")
    assert values["DEBUG"] is True
    assert values["ALLOWED_HOSTS"] == ["localhost", "127.0.0.1", "[::1]", "testserver"]
    assert values["DATABASE_ENGINE"] == "django.db.backends.sqlite3"
    assert values["DATABASE_NAME"] == str(ROOT / "db.sqlite3")
    assert values["CACHE_BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["MEDIA_ROOT"] == str(ROOT / "media")
    assert values["MAILERS"]["default"]["BACKEND"] == "newsroom.mail.ConsoleBackend"
    assert values["SITE_URL"] == "http://127.0.0.1:8000"


KEEPS_ITS_CONNECTION = """
import django
django.setup()
from django.core.signals import request_finished, request_started
from django.db import connection
request_started.send(sender=None)
connection.ensure_connection()
first = connection.connection
request_finished.send(sender=None)  # the end of a request, as the WSGI handler signals it
request_started.send(sender=None)
connection.ensure_connection()
print(connection.connection is first)
"""


def test_a_sqlite_connection_is_kept_from_one_request_to_the_next(tmp_path):
    """Opening the file, its PRAGMAs and a cold page cache on every request cost a tenth of an
    uncached page's CPU; the connection persists as PostgreSQL's does."""
    database = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    result = run_python(KEEPS_ITS_CONNECTION, DJANGO_DEBUG="1", DATABASE_URL=database)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


READS_ITS_PRAGMAS = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    print(cursor.execute("PRAGMA cache_size").fetchone()[0])
    print(cursor.execute("PRAGMA journal_mode").fetchone()[0])
"""


@pytest.mark.parametrize("environ, kib", [({}, 8192), ({"SQLITE_CACHE_MB": "32"}, 32768)])
def test_a_sqlite_connection_keeps_the_pages_it_reads_in_a_cache_of_its_own(tmp_path, environ, kib):
    """SQLite's default cache holds 2 MB (500 pages), fewer than a search of a large archive
    reads: each page read again cost a system call. 8 MB at most, or SQLITE_CACHE_MB."""
    database = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    result = run_python(READS_ITS_PRAGMAS, DJANGO_DEBUG="1", DATABASE_URL=database, **environ)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(-kib), "wal"]


def test_every_service_is_set_from_its_variable():
    values = read(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="a-real-secret",
        DJANGO_ALLOWED_HOSTS="news.example, www.news.example",
        DATABASE_URL="postgres://newsroom:secret@db.internal:5432/newsroom",
        REDIS_URL="redis://cache.internal:6379/1",
        DJANGO_MEDIA_ROOT="/srv/newsroom/media",
        EMAIL_URL="smtp://mailer:p%40ss@mail.example:587?tls=1",
        SITE_URL="https://news.example/",
    )
    assert values["DEBUG"] is False
    assert values["ALLOWED_HOSTS"] == ["news.example", "www.news.example"]
    assert values["DATABASE_ENGINE"] == "django.db.backends.postgresql"
    assert (values["DATABASE_HOST"], values["DATABASE_NAME"]) == ("db.internal", "newsroom")
    assert values["CACHE_BACKEND"] == "newsroom.rediscache.ResilientRedisCache"
    assert values["CACHE_LOCATION"] == "redis://cache.internal:6379/1"
    assert values["MEDIA_ROOT"] == "/srv/newsroom/media"
    options = values["MAILERS"]["default"]["OPTIONS"]
    assert (options["host"], options["port"], options["username"], options["password"]) == (
        "mail.example",
        587,
        "mailer",
        "p@ss",
    )
    assert options["use_tls"] is True
    assert values["SITE_URL"] == "https://news.example"  # no trailing slash to double up


def test_debug_off_without_a_secret_key_refuses_to_start():
    result = settings_with(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_an_unknown_email_url_scheme_is_a_clear_error():
    result = settings_with(DJANGO_DEBUG="1", EMAIL_URL="carrier-pigeon://loft")
    assert result.returncode != 0
    assert "EMAIL_URL scheme 'carrier-pigeon'" in result.stderr


@pytest.mark.parametrize(
    ("url", "backend", "options"),
    [
        ("console:", "newsroom.mail.ConsoleBackend", {}),
        ("locmem:", "locmem", {}),
        ("file:///tmp/mail", "filebased", {"file_path": "/tmp/mail"}),
        ("smtp://mail.example", "smtp", {"host": "mail.example", "port": 25, "use_ssl": False}),
        ("smtps://u:p@mail.example", "smtp", {"port": 465, "use_ssl": True, "username": "u"}),
    ],
)
def test_email_url_forms(url, backend, options):
    mailer = mailers_from_url(url)["default"]
    if "." not in backend:
        backend = f"django.core.mail.backends.{backend}.EmailBackend"
    assert mailer["BACKEND"] == backend
    assert options.items() <= mailer["OPTIONS"].items()


# The README ---------------------------------------------------------------------------------

ENVIRONMENT_READ = re.compile(
    r"""(?:environ(?:\.get|\.setdefault)?\(|environ\[|getenv\(|env_bool\(|env_list\()\s*"""
    r"""["']([A-Z][A-Z0-9_]+)["']"""
)
NOT_OURS = {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "PATH"}


def variables_read_by_the_code():
    names = set()
    for folder in ["newsroom", "articles", "comments", "newsletter", "benchmarks", "tests"]:
        for path in (ROOT / folder).rglob("*.py"):
            names |= set(ENVIRONMENT_READ.findall(path.read_text()))
    return names - NOT_OURS


def test_every_environment_variable_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    names = variables_read_by_the_code()
    assert {"DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "EMAIL_URL", "SITE_URL"} <= names
    missing = sorted(name for name in names if not re.search(rf"`{name}[`=]", readme))
    assert not missing, f"Not in README.md: {missing}"


def test_with_redis_url_the_cache_is_redis_under_the_key_prefix(redis_url):
    import redis

    code = (
        "from django.core.cache import cache; cache.set('probe', 'Grüße', 60); "
        "print(cache.get('probe'))"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DJANGO_DEBUG": "1",
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": "settings-test",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Grüße"
    keys = redis.Redis.from_url(redis_url).keys("settings-test:*")
    assert keys, "nothing was stored in Redis"
