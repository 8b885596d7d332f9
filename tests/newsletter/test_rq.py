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
from tests.newsletter.conftest import ROOT, database_url

pytestmark = pytest.mark.django_db(transaction=True)

# Our own Redis database: the test empties it.
REDIS_URL = os.environ.get("NEWSLETTER_TEST_REDIS_URL", "redis://127.0.0.1:6379/2")


@pytest.fixture
def rq_redis():
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not running at {REDIS_URL}: apt-get install redis-server")
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


def manage(*args, port):
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "NEWSROOM_INSECURE_DEV_KEY": "1",
        "DATABASE_URL": database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "TASKS_BACKEND": "rq",
        "REDIS_URL": REDIS_URL,
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
    manage("shell", "-c", schedule, port=smtp_server.port)
    time.sleep(max(0.0, (issue.scheduled_at - timezone.now()).total_seconds()) + 0.2)
    worker = ["rqworker", "default", "--job-class", "django_tasks_rq.Job", "--burst"]

    manage(*worker, port=smtp_server.port)  # no scheduler: the deferred task stays where it is
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SCHEDULED
    assert smtp_server.count == 0

    manage(*worker, "--with-scheduler", port=smtp_server.port)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert sorted(smtp_server.recipients()) == [f"bulk{i}@example.com" for i in range(3)]
