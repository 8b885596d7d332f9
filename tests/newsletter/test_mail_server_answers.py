"""The mailing list survives any mail server: only a refusal of one recipient bounces anyone.

Each test runs the sending engine against a real SMTP server (``conftest.py``) that answers the
way a real one does when it will not take our mail, and checks what happened to the readers, the
delivery rows and the issue.
"""

import pytest
from django.core.management import call_command

from newsletter.models import Delivery, Issue, Subscriber
from newsletter.sending import send_issue
from newsletter.tasks import send_issue_task

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 0.01


def assert_no_subscriber_touched(count):
    assert Subscriber.objects.confirmed().count() == count
    assert not Subscriber.objects.filter(bounced_at__isnull=False).exists()


def assert_every_row_waits_with_no_attempt_counted():
    rows = Delivery.objects.all()
    assert {row.status for row in rows} == {Delivery.Status.QUEUED}
    assert {row.attempts for row in rows} == {0}
    assert {row.claimed_by for row in rows} == {""}


def assert_paused_with(issue, answer):
    issue.refresh_from_db()
    assert issue.status == Issue.Status.PAUSED
    assert answer in issue.pause_reason
    assert issue.paused_at is not None


# A refusal of the message or the connection pauses the issue and touches no one ----------------


@pytest.mark.parametrize(
    ("where", "reply"),
    [
        ("reject_sender", "554 5.7.1 Relay access denied"),
        ("reject_sender", "550 5.7.1 Sender address rejected"),
        ("reject_data", "552 5.3.4 Message too large"),
        ("reject_data", "554 5.7.1 Content rejected"),
    ],
)
def test_a_refused_message_pauses_the_issue_and_touches_no_subscriber(
    make, smtp_server, where, reply
):
    make.subscribers(5)
    setattr(smtp_server, where, reply)
    issue = send_issue(make.issue().pk)
    assert_paused_with(issue, reply)
    assert smtp_server.count == 0
    assert_no_subscriber_touched(5)
    assert_every_row_waits_with_no_attempt_counted()


# aiosmtpd warns that a login without TLS is unsafe: true, and beside the point here.
NO_TLS_WARNING = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@NO_TLS_WARNING
def test_a_refused_login_pauses_the_issue(make, smtp_server_refusing_logins, settings):
    settings.MAILERS["default"]["OPTIONS"] |= {"username": "newsroom", "password": "wrong"}
    make.subscribers(3)
    issue = send_issue(make.issue().pk)
    assert_paused_with(issue, "535")
    assert_no_subscriber_touched(3)
    assert_every_row_waits_with_no_attempt_counted()


@NO_TLS_WARNING
def test_a_server_that_wants_a_login_we_lack_pauses_the_issue(make, smtp_server_refusing_logins):
    make.subscribers(3)
    issue = send_issue(make.issue().pk)
    assert_paused_with(issue, "530")
    assert_no_subscriber_touched(3)
    assert_every_row_waits_with_no_attempt_counted()


def test_a_server_refusing_us_at_connect_pauses_the_issue(make, smtp_server_refusing_connections):
    make.subscribers(3)
    issue = send_issue(make.issue().pk)
    assert_paused_with(issue, "554 5.7.1 No SMTP service for you here")
    assert_no_subscriber_touched(3)
    assert_every_row_waits_with_no_attempt_counted()


# A refusal of one recipient bounces that recipient, unless the whole run looks like the server --


@pytest.mark.parametrize(
    "answer",
    [
        "550 5.1.1 No such user",
        "551 5.1.6 User has moved; please try <ada@elsewhere.example>",
        "553 5.1.3 Mailbox name not allowed",
    ],
)
def test_a_recipient_refused_for_good_is_bounced_and_the_others_get_the_issue(
    make, smtp_server, answer
):
    make.subscribers(4)
    smtp_server.reject["bulk1@example.com"] = answer
    issue = send_issue(make.issue().pk)
    assert issue.status == Issue.Status.SENT
    bounced = Subscriber.objects.get(status=Subscriber.Status.BOUNCED)
    assert bounced.email == "bulk1@example.com"
    assert answer in bounced.last_bounce
    row = Delivery.objects.get(subscriber=bounced)
    assert (row.status, row.attempts) == (Delivery.Status.FAILED, 1)
    assert set(smtp_server.recipients()) == {f"bulk{i}@example.com" for i in (0, 2, 3)}


def test_every_recipient_refused_trips_the_breaker_and_bounces_no_one(make, smtp_server, settings):
    settings.NEWSLETTER_BREAKER_THRESHOLD = 20
    make.subscribers(45)
    smtp_server.reject_every_recipient = "554 5.7.1 Relay access denied"
    issue = send_issue(make.issue().pk)
    assert_paused_with(issue, "20 recipients in a row were refused")
    assert "554 5.7.1 Relay access denied" in issue.pause_reason
    assert smtp_server.rcpt_count == 20  # it stopped at the threshold
    assert_no_subscriber_touched(45)
    assert_every_row_waits_with_no_attempt_counted()


def test_a_small_list_refused_whole_pauses_rather_than_bouncing_everyone(make, smtp_server):
    make.subscribers(3)  # fewer than the breaker's threshold
    smtp_server.reject_every_recipient = "550 5.7.1 Relaying denied"
    issue = send_issue(make.issue().pk)
    assert_paused_with(issue, "Every recipient tried (3) was refused")
    assert_no_subscriber_touched(3)
    assert_every_row_waits_with_no_attempt_counted()


def test_refusals_followed_by_an_accepted_message_are_real_bounces(make, smtp_server, settings):
    settings.NEWSLETTER_BREAKER_THRESHOLD = 3
    make.subscribers(5)
    for i in (0, 1):
        smtp_server.reject[f"bulk{i}@example.com"] = "550 5.1.1 No such user"
    issue = send_issue(make.issue().pk)
    assert issue.status == Issue.Status.SENT
    assert set(
        Subscriber.objects.filter(status=Subscriber.Status.BOUNCED).values_list("email", flat=True)
    ) == {"bulk0@example.com", "bulk1@example.com"}
    assert issue.progress()["failed"] == 2
    assert issue.progress()["sent"] == 3


def test_the_breaker_counts_across_batches(make, smtp_server, settings):
    settings.NEWSLETTER_BREAKER_THRESHOLD = 5
    settings.NEWSLETTER_BATCH_SIZE = 2
    make.subscribers(8)
    smtp_server.reject_every_recipient = "550 5.1.1 No such user"
    issue = send_issue(make.issue().pk)
    assert_paused_with(issue, "5 recipients in a row")
    assert_no_subscriber_touched(8)


# Transient trouble is retried, as before --------------------------------------------------------


def test_a_server_hanging_up_at_data_is_retried_and_delivers_once(make, smtp_server):
    make.subscribers(3)
    smtp_server.hang_up_at_data = 1
    issue = send_issue(make.issue().pk)
    assert issue.status == Issue.Status.SENT
    assert dict(smtp_server.recipients()) == {f"bulk{i}@example.com": 1 for i in range(3)}
    assert_no_subscriber_touched(3)


def test_a_deferred_sender_is_retried_not_paused(make, smtp_server, settings):
    settings.NEWSLETTER_MAX_ATTEMPTS = 2
    smtp_server.reject_sender = "451 4.3.0 Try again later"
    make.subscribers(2)
    issue = send_issue(make.issue().pk)
    assert issue.status == Issue.Status.SENT
    assert {row.attempts for row in Delivery.objects.all()} == {2}
    assert_no_subscriber_touched(2)


# Resuming ---------------------------------------------------------------------------------------


def test_a_paused_issue_waits_for_an_editor(make, smtp_server, django_capture_on_commit_callbacks):
    make.subscribers(3)
    smtp_server.reject_data = "554 5.7.1 Content rejected"
    issue = send_issue(make.issue().pk)
    smtp_server.reject_data = None
    # A late task, or the engine called again, does not resume it.
    send_issue_task.enqueue(issue.pk)
    send_issue(issue.pk)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.PAUSED
    assert smtp_server.count == 0


def test_resuming_sends_the_rest_once_each(make, smtp_server, django_capture_on_commit_callbacks):
    make.subscribers(6)
    issue = make.issue()
    # Two readers get the issue, then the server starts refusing the message.
    accepted = iter([None, None])
    original = smtp_server.handle_DATA

    async def refuse_after_two(server, session, envelope):
        if next(accepted, "stop") == "stop":
            return "554 5.7.1 Content rejected"
        return await original(server, session, envelope)

    smtp_server.handle_DATA = refuse_after_two
    issue = send_issue(issue.pk)
    assert issue.status == Issue.Status.PAUSED
    assert smtp_server.count == 2
    smtp_server.handle_DATA = original  # the server is fixed
    with django_capture_on_commit_callbacks(execute=True):
        issue.send()
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert issue.pause_reason == ""
    assert dict(smtp_server.recipients()) == {f"bulk{i}@example.com": 1 for i in range(6)}
    assert {row.attempts for row in Delivery.objects.all()} == {1}


def test_newsletter_send_resumes_a_paused_issue(make, smtp_server, capsys):
    make.subscribers(4)
    smtp_server.reject_every_recipient = "554 5.7.1 Relay access denied"
    issue = send_issue(make.issue().pk)
    assert issue.status == Issue.Status.PAUSED
    call_command("newsletter_send", str(issue.pk), "--no-progress")
    out = capsys.readouterr().out
    assert "paused" in out and "Relay access denied" in out
    smtp_server.reject_every_recipient = None
    call_command("newsletter_send", str(issue.pk), "--no-progress")
    assert "4 sent, 0 failed" in capsys.readouterr().out
    assert dict(smtp_server.recipients()) == {f"bulk{i}@example.com": 1 for i in range(4)}
