"""Shared fixtures: fast settings, a clean cache and media folder per test, factories, logged-in
staff, query counts, a real SMTP server, and real task workers (a ``db_worker`` and an RQ worker
in processes of their own)."""

import os
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache
from django.db import connection
from django.tasks import TaskResultStatus
from django.test import Client
from django.test.utils import CaptureQueriesContext

from newsroom.cache import fragments as shared_cache
from tests import factories
from tests.smtp import RecordingHandler, free_port, point_mailers_at
from tests.tools import ROOT, require_redis_server


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    # A test runs inside a transaction that never commits, so purges (run on commit) never run:
    # the page cache would serve pages from before the test's changes. Its own tests turn it on
    # and run the commit callbacks (the ``page_cache`` fixture).
    settings.PAGE_CACHE_SECONDS = 0
    # Every test counts its factory objects from 1: what a story is called and how many hours
    # ago it appeared must not depend on which tests happened to run before it (the order is
    # random), or query counts and date windows change from run to run.
    factories.restart_numbering()
    cache.clear()
    shared_cache().clear()  # the menu, the site settings, the page cache's version tokens
    yield
    cache.clear()
    shared_cache().clear()


@pytest.fixture
def make():
    """The factories module, so tests read ``make.article(...)``."""
    return factories


# People in the admin ----------------------------------------------------------------------------


@pytest.fixture
def staff_client(make):
    """``staff_client(["Moderators"])``: a new client logged in as a new staff user in those
    groups (the user is ``client.user``). Each call is another person, with a client of their
    own, so a test can hold an editor and a moderator side by side."""

    def log_in(groups=(), **user_fields):
        user = make.staff(groups, **user_fields)
        client = Client()
        client.force_login(user)
        client.user = user
        return client

    return log_in


@pytest.fixture
def editor(client, make):
    """The test's own ``client`` logged in as a member of the Editors group; the user."""
    user = make.staff(["Editors"], email="editor@example.com")
    client.force_login(user)
    return user


@pytest.fixture
def editor_client(staff_client):
    """A member of the Editors group (not a superuser), with an email address for the mail the
    admin sends to "me"."""
    return staff_client(["Editors"], email="editor@example.com")


# Query counts -----------------------------------------------------------------------------------


@pytest.fixture
def count_queries(client):
    """``count_queries(url)``: how many queries a GET of ``url`` makes, asserting a 200.

    By default the cache is cleared first (a cold page: two pages compare whatever was cached
    before); ``warm=True`` measures with the cache as it is. ``client=`` counts for someone
    else (a logged-in ``staff_client``), ``status=`` expects another answer.
    """
    from articles.models import SiteSettings

    def count(url, *, warm=False, client=client, status=200):
        SiteSettings.objects.get_or_create(pk=1)  # made on first use; not what we measure
        if not warm:
            cache.clear()
            shared_cache().clear()
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == status, f"{url}: {response.status_code}"
        return len(captured)

    return count


@pytest.fixture
def page_cache(settings):
    """The page cache on, as in production (``newsroom.pagecache``). Changes must then run
    their commit callbacks (``django_capture_on_commit_callbacks(execute=True)``), where the
    purges are, for readers to see them."""
    settings.PAGE_CACHE_SECONDS = 600
    cache.clear()
    shared_cache().clear()  # the version tokens
    return settings


# A real SMTP server -----------------------------------------------------------------------------


@pytest.fixture
def smtp_server(settings):
    """A running SMTP server (see ``tests/smtp.py``); ``MAILERS`` points at it, and so does a
    task worker started during the test."""
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    point_mailers_at(settings, port)
    handler.port = port
    yield handler
    controller.stop()


# Real task workers ------------------------------------------------------------------------------


def database_url():
    """The test database as a ``DATABASE_URL`` for another process. It sees committed rows only:
    tests that start one are ``transaction=True`` (on SQLite the test database is a file, see
    ``DJANGO_TEST_SQLITE_NAME``)."""
    config = connection.settings_dict
    if config["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{config['NAME']}"
    auth = quote(config["USER"] or "")
    if config["PASSWORD"]:
        auth += ":" + quote(config["PASSWORD"])
    host = f"{config['HOST'] or 'localhost'}:{config['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{config['NAME']}"


def email_url(settings):
    """The test's mail server as an ``EMAIL_URL`` for another process: a worker can only reach a
    real server (the ``smtp_server`` fixture); without one its mail goes nowhere."""
    mailer = settings.MAILERS["default"]
    if mailer["BACKEND"] != "django.core.mail.backends.smtp.EmailBackend":
        return "dummy:"
    options = mailer["OPTIONS"]
    return f"smtp://{options['host']}:{options['port']}"


class TaskWorker:
    """A real worker process for the test's queue. ``drain()`` runs it until the queue is empty
    (work a task enqueues on the way included) and returns its output; ``run(task, *args)``
    enqueues one task, checks that nothing ran it yet, drains, and returns its finished result.
    """

    def __init__(self, backend, command, settings, environ):
        self.backend = backend
        self.command = command
        self.settings = settings
        self.environ = environ

    def drain(self, timeout=90, **environ):
        env = {
            **os.environ,
            "DJANGO_DEBUG": "0",
            "NEWSROOM_INSECURE_DEV_KEY": "1",
            "DATABASE_URL": database_url(),
            "EMAIL_URL": email_url(self.settings),
            "DJANGO_MEDIA_ROOT": str(self.settings.MEDIA_ROOT),
            "SITE_URL": self.settings.SITE_URL,
            **self.environ,
            **environ,
        }
        result = subprocess.run(
            [sys.executable, "manage.py", *self.command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"{self.backend} worker failed:\n{output}"
        return output

    def run(self, task, *args, **kwargs):
        result = task.enqueue(*args, **kwargs)
        assert result.status == TaskResultStatus.READY, "the task ran before any worker did"
        output = self.drain()
        result.refresh()
        errors = "\n".join(error.traceback for error in result.errors)
        assert result.status == TaskResultStatus.SUCCESSFUL, f"{errors}\n{output}"
        return result


@pytest.fixture
def db_worker(settings, transactional_db):
    """Tasks go to the database queue (django-tasks-db) and ``manage.py db_worker --batch`` runs
    them in a process of its own, on the test database."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    command = ["db_worker", "--batch", "--no-startup-delay", "--no-reload"]
    return TaskWorker("database", command, settings, {"TASKS_BACKEND": "database"})


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A Redis database for the RQ tests: ``REDIS_URL`` when set (the tests empty it, so give
    them one of their own), else a private ``redis-server`` on a free port for this run."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    require_redis_server()
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(tmp_path_factory.mktemp("redis"))],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    deadline = time.monotonic() + 15
    while True:
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.exceptions.ConnectionError:
            assert server.poll() is None and time.monotonic() < deadline, "redis-server failed"
            time.sleep(0.05)
    yield url
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def rq_worker(settings, transactional_db, redis_url):
    """Tasks go to RQ on Redis (``TASKS_BACKEND=rq``, django-tasks-rq) and ``manage.py rqworker
    --burst --with-scheduler`` runs them in a process of its own, on the test database."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # no job left over from another test
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": redis_url, "DEFAULT_TIMEOUT": 3600}}
    command = [
        "rqworker",
        "default",
        "--burst",
        "--with-scheduler",
        "--job-class",
        "django_tasks_rq.Job",
    ]
    return TaskWorker("rq", command, settings, {"TASKS_BACKEND": "rq", "REDIS_URL": redis_url})


@pytest.fixture(params=["db_worker", "rq_worker"])
def task_worker(request):
    """Each test that asks for it runs twice: on the database queue and on RQ."""
    return request.getfixturevalue(request.param)
