"""Kill a real worker process mid-send, start it again, and count what the SMTP server got.

The worker is ``manage.py newsletter_send`` in a separate process, so it needs a database it can
open: the test database itself, committed (``transaction=True``). On PostgreSQL that is the test
database by name; on SQLite the settings make the test database a file (not shared memory) for
exactly this reason.
"""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.test import Client

from newsletter.models import Delivery, Issue, Subscriber
from tests.conftest import database_url
from tests.tools import ROOT

pytestmark = pytest.mark.django_db(transaction=True)

TOTAL = 2000


def worker(issue, port, log):
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "NEWSROOM_INSECURE_DEV_KEY": "1",
        "DATABASE_URL": database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "NEWSLETTER_BATCH_SIZE": "200",
        # A dead worker's claim is taken over after a second (the default is a minute).
        "NEWSLETTER_CLAIM_LEASE_SECONDS": "1",
        "TASKS_BACKEND": "immediate",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "newsletter_send", str(issue.pk), "--no-progress"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def kill_after(process, smtp_server, received):
    """SIGKILL the worker once the SMTP server has ``received`` messages in all."""
    deadline = time.monotonic() + 40
    try:
        while smtp_server.count < received:
            assert process.poll() is None, "the worker stopped before it was killed"
            assert time.monotonic() < deadline, "the worker is too slow"
            time.sleep(0.01)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()


def in_flight():
    return set(Delivery.objects.filter(status=Delivery.Status.SENDING).values_list("pk", flat=True))


def test_killed_worker_resumes_without_skipping_or_repeating(make, smtp_server, tmp_path):
    make.subscribers(TOTAL)
    issue = make.issue(subject="Crash-proof issue")
    log_path = tmp_path / "worker.log"

    with log_path.open("wb") as log:
        kill_after(worker(issue, smtp_server.port, log), smtp_server, 300)
        first_in_flight = in_flight()
        assert len(first_in_flight) <= 1
        kill_after(worker(issue, smtp_server.port, log), smtp_server, 1100)
        # Each kill leaves at most one row in flight. The first kill's row may still be there:
        # its batch is taken over only when the dead worker's lease runs out.
        assert len(in_flight() - first_in_flight) <= 1
        final = worker(issue, smtp_server.port, log)
        try:
            final.wait(timeout=60)
        finally:
            if final.poll() is None:
                final.kill()
                final.wait()
    output = log_path.read_text()
    assert final.returncode == 0, output
    assert f"{TOTAL} sent, 0 failed" in output

    received = smtp_server.recipients()
    assert set(received) == {f"bulk{i}@example.com" for i in range(TOTAL)}
    twice = [address for address, count in received.items() if count > 1]
    assert len(twice) <= 2  # at most the one message in flight at each of the two kills
    assert max(received.values()) <= 2
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert issue.progress()["sent"] == TOTAL

    # The right headers, and the one-click unsubscribe in them works.
    message = smtp_server.parsed()[-1]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = message["List-Unsubscribe"].split(">")[0].lstrip("<")
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    assert path.startswith("/newsletter/unsubscribe/")
    response = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    recipient = message["To"].addresses[0].addr_spec
    assert Subscriber.objects.get(email=recipient).status == Subscriber.Status.UNSUBSCRIBED
