"""A scheduled issue on RQ (``TASKS_BACKEND=rq``): the task deferred to the issue's time waits in
RQ's scheduled registry, and only a worker started ``--with-scheduler`` sends it, as the README
says. Real processes, the local Redis and the committed test database, as ``test_crash.py``."""

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from newsletter.models import Issue
from tests.conftest import database_url
from tests.tools import ROOT

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def rq_redis(redis_url):
    """The RQ tests' Redis database (see ``redis_url`` in tests/conftest.py), emptied."""
    connection = redis.Redis.from_url(redis_url)
    connection.flushdb()
    connection.url = redis_url
    yield connection
    connection.flushdb()
    connection.close()


def manage(*args, port, redis_url):
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "NEWSROOM_INSECURE_DEV_KEY": "1",
        "DATABASE_URL": database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "TASKS_BACKEND": "rq",
        "REDIS_URL": redis_url,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_a_scheduled_issue_is_sent_by_an_rq_worker_with_its_scheduler(make, smtp_server, rq_redis):
    make.subscribers(3)
    issue = make.issue(status="scheduled", scheduled_at=timezone.now() + timedelta(seconds=2))
    schedule = (
        "from newsletter.models import Issue; from newsletter.tasks import schedule_issue; "
        f"schedule_issue(Issue.objects.get(pk={issue.pk}))"
    )
    manage("shell", "-c", schedule, port=smtp_server.port, redis_url=rq_redis.url)
    time.sleep(max(0.0, (issue.scheduled_at - timezone.now()).total_seconds()) + 0.2)
    worker = ["rqworker", "default", "--job-class", "django_tasks_rq.Job", "--burst"]

    manage(
        *worker, port=smtp_server.port, redis_url=rq_redis.url
    )  # no scheduler: the deferred task stays where it is
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SCHEDULED
    assert smtp_server.count == 0

    manage(*worker, "--with-scheduler", port=smtp_server.port, redis_url=rq_redis.url)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert sorted(smtp_server.recipients()) == [f"bulk{i}@example.com" for i in range(3)]
