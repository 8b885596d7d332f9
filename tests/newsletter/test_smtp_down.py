"""No mail server at all (down, not refusing): the issue waits, paused with the error for the
editor, and once the server is back a resume sends each reader exactly one copy."""

import pytest
from aiosmtpd.controller import Controller

from newsletter.models import Delivery, Issue, Subscriber
from newsletter.sending import send_issue
from tests.smtp import RecordingHandler, free_port, point_mailers_at

pytestmark = pytest.mark.django_db


def test_a_mail_server_that_is_down_pauses_the_issue_and_a_resume_sends_each_once(
    make, settings, editor_client, django_capture_on_commit_callbacks
):
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 0.01
    port = free_port()  # nothing listens there yet
    point_mailers_at(settings, port)
    make.subscribers(5)
    issue = send_issue(make.issue().pk)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.PAUSED
    assert issue.pause_reason  # the error, for the editor
    assert not Subscriber.objects.filter(bounced_at__isnull=False).exists()
    assert not Delivery.objects.filter(status=Delivery.Status.SENT).exists()
    page = editor_client.get(f"/admin/newsletter/issue/{issue.pk}/change/")
    assert "paused" in page.text.lower() and issue.pause_reason[:40] in page.text

    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()  # the server is back
    try:
        with django_capture_on_commit_callbacks(execute=True):
            issue.send()
        issue.refresh_from_db()
        assert issue.status == Issue.Status.SENT
        assert dict(handler.recipients()) == {f"bulk{i}@example.com": 1 for i in range(5)}
    finally:
        controller.stop()
