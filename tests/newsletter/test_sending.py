import pytest
from django.core.management import call_command

from newsletter.models import Delivery, Issue, Subscriber
from newsletter.sending import Sender, claim_batch, send_issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 0.01


def test_issue_reaches_every_confirmed_subscriber_exactly_once(make, smtp_server):
    make.subscribers(30)
    make.subscriber(email="pending@example.com", status=Subscriber.Status.PENDING)
    make.subscriber(email="gone@example.com", status=Subscriber.Status.UNSUBSCRIBED)
    issue = send_issue(make.issue(subject="Weekly digest").pk)
    received = smtp_server.recipients()
    assert set(received) == {f"bulk{i}@example.com" for i in range(30)}
    assert set(received.values()) == {1}
    assert issue.status == Issue.Status.SENT
    assert issue.sent_at is not None
    assert issue.progress()["sent"] == 30
    message = smtp_server.parsed()[0]
    assert message["Subject"] == "Weekly digest"
    assert message["List-Unsubscribe"].startswith("<http")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert {part.get_content_type() for part in message.walk()} >= {"text/plain", "text/html"}


def test_one_smtp_connection_per_batch(make, smtp_server, settings):
    settings.NEWSLETTER_BATCH_SIZE = 4
    make.subscribers(10)
    send_issue(make.issue().pk)
    assert smtp_server.count == 10
    assert smtp_server.connections == 3


def test_recipients_are_frozen_when_sending_starts(make, smtp_server):
    make.subscribers(3)
    issue = make.issue().start_sending()
    late = make.subscriber(email="late@example.com")
    Sender(issue).run()
    assert "late@example.com" not in smtp_server.recipients()
    assert not Delivery.objects.filter(subscriber=late).exists()
    assert smtp_server.count == 3


def test_unsubscribe_during_a_send_is_honoured(make, smtp_server):
    make.subscribers(5)
    issue = make.issue().start_sending()
    leaver = Subscriber.objects.get(email="bulk2@example.com")

    def leave_after_the_first(outcome):
        if outcome == "sent":
            leaver.unsubscribe()

    Sender(issue, on_progress=leave_after_the_first).run()
    assert "bulk2@example.com" not in smtp_server.recipients()
    # The envelope already begun for the leaver is called off, and the connection goes on.
    assert set(smtp_server.recipients()) == {f"bulk{i}@example.com" for i in (0, 1, 3, 4)}
    assert smtp_server.connections == 1
    assert Delivery.objects.get(subscriber=leaver).status == Delivery.Status.SKIPPED
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT


def test_permanent_rejection_marks_the_subscriber_bounced_and_stops_mailing_them(make, smtp_server):
    make.subscribers(3)
    smtp_server.reject["bulk1@example.com"] = "550 5.1.1 No such user"
    issue = send_issue(make.issue().pk)
    bounced = Subscriber.objects.get(email="bulk1@example.com")
    assert bounced.status == Subscriber.Status.BOUNCED
    assert "550" in bounced.last_bounce
    delivery = Delivery.objects.get(subscriber=bounced)
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 1
    assert issue.progress()["failed"] == 1
    assert set(smtp_server.recipients()) == {"bulk0@example.com", "bulk2@example.com"}
    send_issue(make.issue().pk)  # the next issue skips them
    assert "bulk1@example.com" not in smtp_server.recipients()
    assert Delivery.objects.filter(subscriber=bounced).count() == 1


def test_transient_rejection_is_retried_with_backoff_and_then_delivered(make, smtp_server):
    make.subscribers(3)
    replies = iter(["451 4.7.1 Try again later", "421 4.4.2 Busy"])
    smtp_server.reject["bulk2@example.com"] = lambda: next(replies, None)
    issue = send_issue(make.issue().pk)
    assert smtp_server.recipients()["bulk2@example.com"] == 1
    delivery = Delivery.objects.get(subscriber__email="bulk2@example.com")
    assert delivery.status == Delivery.Status.SENT
    assert delivery.attempts == 3
    assert issue.status == Issue.Status.SENT
    assert Subscriber.objects.get(email="bulk2@example.com").is_confirmed


def test_envelope_is_what_smtplib_sendmail_would_send(make, smtp_server, settings):
    settings.DEFAULT_FROM_EMAIL = "Newsroom <letters@news.example>"
    reader = make.subscriber(email="leser@bücher.example", name="Leser")
    send_issue(make.issue().pk)
    # An internationalised domain goes out in its ASCII form; SIZE is declared.
    assert list(smtp_server.recipients()) == ["leser@xn--bcher-kva.example"]
    (sender, options), raw = smtp_server.envelopes[0], smtp_server.raw()[0]
    assert sender == "letters@news.example"
    assert options == [f"SIZE={len(raw)}"]
    assert Delivery.objects.get(subscriber=reader).status == Delivery.Status.SENT


def test_unreachable_server_is_retried_then_pauses_the_issue(make, settings):
    """Issue 15: a mail server that is down must not fail the list; the send waits, paused with
    the error, and the row keeps its place (and its retries) for the resume."""
    from tests.smtp import free_port

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    settings.NEWSLETTER_MAX_ATTEMPTS = 3
    settings.NEWSLETTER_RETRY_BASE_SECONDS = 0.01
    make.subscribers(1)
    issue = send_issue(make.issue().pk)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.QUEUED
    assert delivery.attempts == 0
    assert "Connection refused" in delivery.last_error or "Errno" in delivery.last_error
    assert Subscriber.objects.get().is_confirmed  # not the reader's fault
    assert issue.status == Issue.Status.PAUSED
    assert "could not be reached" in issue.pause_reason and "3 tries" in issue.pause_reason


def test_workers_claim_disjoint_batches_and_take_over_expired_leases(make, settings):
    make.subscribers(10)
    issue = make.issue().start_sending()
    first = claim_batch(issue, "worker-a", 4)
    second = claim_batch(issue, "worker-b", 4)
    assert len(first) == len(second) == 4
    assert not set(first) & set(second)
    settings.NEWSLETTER_CLAIM_LEASE_SECONDS = 0
    third = claim_batch(issue, "worker-c", 100)
    assert set(first) | set(second) <= set(third)


def test_sent_rows_are_never_sent_again_on_resume(make, smtp_server):
    make.subscribers(4)
    issue = make.issue().start_sending()
    Delivery.objects.filter(
        subscriber__email__in=["bulk0@example.com", "bulk1@example.com"]
    ).update(status=Delivery.Status.SENT)
    Sender(issue).run()
    assert set(smtp_server.recipients()) == {"bulk2@example.com", "bulk3@example.com"}


def test_newsletter_send_command_sends_in_the_foreground(make, smtp_server, capsys):
    make.subscribers(12)
    issue = make.issue()
    call_command("newsletter_send", str(issue.pk))
    out = capsys.readouterr()
    assert "12 sent, 0 failed" in out.out
    assert "12/12" in out.err  # the progress bar
    assert smtp_server.count == 12
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    call_command("newsletter_send", str(issue.pk))
    assert "already sent" in capsys.readouterr().out
    assert smtp_server.count == 12


def test_newsletter_send_command_refuses_unknown_issue(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no issue 999"):
        call_command("newsletter_send", "999")


def test_newsletter_send_command_refuses_an_issue_without_stories(make, smtp_server):
    from django.core.management.base import CommandError

    make.subscribers(3)
    issue = make.issue(articles=[])
    with pytest.raises(CommandError, match="no stories"):
        call_command("newsletter_send", str(issue.pk), "--no-progress")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT
    assert not issue.deliveries.exists()
    assert smtp_server.count == 0


def test_progress_shows_sent_remaining_failed_and_an_eta(make):
    make.subscribers(4)
    issue = make.issue().start_sending()
    ids = list(Delivery.objects.values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=ids[:2]).update(status=Delivery.Status.SENT)
    Delivery.objects.filter(pk=ids[2]).update(status=Delivery.Status.FAILED)
    progress = issue.progress()
    assert (progress["sent"], progress["remaining"], progress["failed"]) == (2, 1, 1)
    assert progress["eta"] is not None


def test_demo_sends_to_the_console_with_the_same_bytes(make, settings, capsys):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    make.subscribers(2)
    issue = send_issue(make.issue(subject="Console issue").pk)
    out = capsys.readouterr().out
    assert out.count("Subject: Console issue") == 2
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in out
    assert issue.status == Issue.Status.SENT
