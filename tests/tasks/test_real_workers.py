"""Every background task, through a real queue and a real worker process, on both backends: the
database queue with ``manage.py db_worker`` and RQ on Redis with ``manage.py rqworker`` (each
test runs once per backend, see the ``task_worker`` fixture). Mail goes to a real SMTP server.

A new task adds one test here: make the rows, ``task_worker.run(task, *args)``, assert what a
person would see.
"""

import re
from datetime import timedelta

import pytest
from django.tasks import TaskResultStatus
from django.test import Client
from django.utils import timezone

from articles.tasks import sweep
from comments.models import NotificationAddress
from comments.tasks import (
    notify_reply,
    purge_ip_addresses,
    send_moderation_digest,
    send_notification_confirmation,
)
from newsletter.models import Issue, Subscriber
from newsletter.tasks import send_confirmation, send_issue_task

pytestmark = pytest.mark.django_db(transaction=True)


def link_to(message, fragment):
    """The first link in the message's plain text that contains ``fragment``."""
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"https?://\S*{re.escape(fragment)}\S*", text).group(0)


def path_of(url, settings):
    assert url.startswith(settings.SITE_URL)
    return url.removeprefix(settings.SITE_URL)


def test_notify_reply_mails_the_commenter_who_asked(task_worker, smtp_server, make, settings):
    story = make.article(headline="Tram line extension")
    make.confirmed_address("ada@example.com")  # only a confirmed address is ever mailed
    parent = make.comment(story, email="ada@example.com", notify_replies=True)
    reply = make.comment(story, parent=parent, name="Bob", body="Agreed, and sooner.")

    result = task_worker.run(notify_reply, reply.pk)

    assert result.return_value == 1
    (message,) = smtp_server.parsed()
    assert message["To"] == "ada@example.com"
    assert "Tram line extension" in message["Subject"]
    assert "Agreed, and sooner." in message.get_body(("plain",)).get_content()
    reply_url = link_to(message, story.get_absolute_url())
    assert reply_url.endswith(f"#comment-{reply.pk}")


def test_send_notification_confirmation_mails_the_link_that_confirms_the_address(
    task_worker, smtp_server, settings
):
    address = NotificationAddress.objects.create(email="ada@example.com")

    result = task_worker.run(send_notification_confirmation, address.pk)

    assert result.return_value == 1
    (message,) = smtp_server.parsed()
    assert message["To"] == "ada@example.com"
    confirm = path_of(link_to(message, "/confirm/"), settings)
    client = Client()
    assert client.get(confirm).status_code == 200
    assert client.post(confirm).status_code in (200, 302)
    address.refresh_from_db()
    assert address.confirmed_at is not None


def test_a_reply_notification_the_mail_server_could_not_take_is_sent_when_it_is_back(
    db_worker, smtp_server, make
):
    from django_tasks_db.models import DBTaskResult

    from tests.smtp import free_port

    story = make.article(headline="Tram line extension")
    make.confirmed_address("ada@example.com")
    parent = make.comment(story, email="ada@example.com", notify_replies=True)
    reply = make.comment(story, parent=parent, name="Bob", body="Agreed, and sooner.")
    notify_reply.enqueue(reply.pk)

    db_worker.drain(EMAIL_URL=f"smtp://127.0.0.1:{free_port()}")  # nothing listens there

    assert smtp_server.parsed() == []
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"] == {"attempt": 1}
    assert retry.run_after > timezone.now()  # later, not at once
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())  # later is now
    db_worker.drain()  # the mail server answers again
    (message,) = smtp_server.parsed()
    assert message["To"] == "ada@example.com"
    assert "Agreed, and sooner." in message.get_body(("plain",)).get_content()


def test_send_moderation_digest_mails_the_pending_comments(task_worker, smtp_server, make):
    story = make.article()
    make.comment(story, status="pending", body="Waiting for a moderator, number one.")
    make.comment(story, status="pending", body="Waiting for a moderator, number two.")
    make.comment(story, body="Already approved, not in the digest.")
    task_worker.environ["COMMENTS_DIGEST_RECIPIENTS"] = "desk@example.com"

    result = task_worker.run(send_moderation_digest)

    assert result.return_value == 1
    (message,) = smtp_server.parsed()
    assert message["To"] == "desk@example.com"
    assert message["Subject"] == "2 comments awaiting moderation"
    text = message.get_body(("plain",)).get_content()
    assert "number one" in text and "number two" in text
    assert "Already approved" not in text


def test_purge_ip_addresses_forgets_old_addresses_only(task_worker, make):
    old = make.comment(ip_address="198.51.100.7", created_at=timezone.now() - timedelta(days=45))
    recent = make.comment(ip_address="203.0.113.9")

    result = task_worker.run(purge_ip_addresses)

    assert result.return_value == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.ip_address is None
    assert recent.ip_address == "203.0.113.9"


def test_send_confirmation_mails_a_link_that_opens_the_confirm_page(
    task_worker, smtp_server, make, settings
):
    reader = make.subscriber(
        email="zoe.new@example.org", name="Zoë", status=Subscriber.Status.PENDING
    )

    result = task_worker.run(send_confirmation, reader.pk)

    assert result.return_value == 1
    (message,) = smtp_server.parsed()
    assert message["To"].addresses[0].addr_spec == "zoe.new@example.org"
    confirm = path_of(link_to(message, "/newsletter/confirm/"), settings)
    response = Client().get(confirm)
    assert response.status_code == 200
    assert "Confirm" in response.text
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.PENDING  # opening the link confirms no one


def due_issue(make, subscribers=3):
    make.subscribers(subscribers, prefix="worker")
    return make.issue(
        subject="Worker weekly",
        status=Issue.Status.SCHEDULED,
        scheduled_at=timezone.now() - timedelta(minutes=1),
    )


def assert_sent_to_everyone(issue, smtp_server, subscribers=3):
    assert smtp_server.recipients() == {f"worker{i}@example.com": 1 for i in range(subscribers)}
    assert {message["Subject"] for message in smtp_server.parsed()} == {"Worker weekly"}
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert issue.progress()["sent"] == subscribers


def test_send_issue_task_sends_a_due_issue_to_every_subscriber(task_worker, smtp_server, make):
    issue = due_issue(make)

    result = task_worker.run(send_issue_task, issue.pk)

    assert result.return_value == 3
    assert_sent_to_everyone(issue, smtp_server)


def test_the_sweep_task_sends_a_due_issue_and_publishes_a_due_story_in_one_round(
    task_worker, smtp_server, make, client
):
    """The sweep only enqueues the send; the worker then runs that too before it stops. The
    same round publishes a scheduled story whose go-live task was lost."""
    from articles.models import Article

    issue = due_issue(make)
    story = make.article(
        headline="Lost task, published anyway",
        status=Article.Status.SCHEDULED,
        published_at=timezone.now() - timedelta(minutes=1),
    )

    result = task_worker.run(sweep)

    found = dict(result.return_value)
    assert found.pop("articles.tasks.merge_search_index") >= 0  # steps: however fresh the index
    assert found == {
        "articles.tasks.publish_due_articles": 1,
        "articles.tasks.expire_articles": 0,
        "articles.tasks.end_lead_pins": 0,
        "newsletter.tasks.send_due_issues": 1,
    }
    assert_sent_to_everyone(issue, smtp_server)
    assert Article.objects.get(pk=story.pk).status == Article.Status.PUBLISHED
    assert "Lost task, published anyway" in client.get("/").text


def test_make_renditions_renders_a_new_upload_and_its_inline_uses(task_worker, make, settings):
    from articles.models import Article
    from articles.tasks import make_renditions

    image = make.image(size=(700, 400), renditions=False)
    story = make.article(body=f'<p>Text</p><img src="{image.file.url}" alt="Inline">')

    result = task_worker.run(make_renditions, image.pk)

    assert result.return_value == 1  # one body re-rendered with the new srcset
    image.refresh_from_db()
    assert image.renditions == [320, 640, 700]
    folder = settings.MEDIA_ROOT / "renditions" / image.rendition_key
    assert sorted(p.name for p in folder.iterdir())[:2] == ["320.jpg", "320.webp"]
    assert "320w" in Article.objects.get(pk=story.pk).body_html


def test_remove_image_files_deletes_a_deleted_pictures_files(task_worker, make, settings):
    from articles.tasks import remove_image_files

    image = make.image()
    kept = make.image()
    name, prefix, folder = image.file.name, image.rendition_prefix, image.rendition_key
    assert (settings.MEDIA_ROOT / "renditions" / folder).exists()
    image.delete()

    result = task_worker.run(remove_image_files, name, prefix)

    assert result.return_value == 2  # the original and its renditions folder
    assert not (settings.MEDIA_ROOT / name).exists()
    assert not (settings.MEDIA_ROOT / "renditions" / folder).exists()
    assert (settings.MEDIA_ROOT / "renditions" / kept.rendition_key).exists()


def test_go_live_publishes_a_scheduled_story_when_the_worker_runs_at_or_after_its_time(
    task_worker, make, client
):
    """The worker's clock is the real one; the test's is moved back two minutes with
    time-machine to schedule a story "one minute ahead" that is due by the worker's time. A
    story due in an hour, enqueued for its time, is left for later by the same run."""
    import time_machine

    from articles.models import Article
    from articles.tasks import go_live

    real_now = timezone.now()
    with time_machine.travel(real_now - timedelta(minutes=2), tick=False):
        due = make.article(status=Article.Status.DRAFT, headline="Worker-published story")
        due.schedule(real_now - timedelta(minutes=1))
    later = make.article(status=Article.Status.DRAFT, headline="Not yet")
    later.schedule(real_now + timedelta(hours=1))
    early = task_worker.run(go_live, later.pk)  # run now, before its time: does nothing
    assert early.return_value == 0

    waiting = go_live.using(run_after=later.published_at).enqueue(later.pk)
    result = task_worker.run(go_live, due.pk)

    assert result.return_value == 1
    assert Article.objects.get(pk=due.pk).status == Article.Status.PUBLISHED
    assert "Worker-published story" in client.get("/").text
    waiting.refresh()
    assert waiting.status == TaskResultStatus.READY  # still waiting for its hour
    assert Article.objects.get(pk=later.pk).status == Article.Status.SCHEDULED


def test_expire_unpublishes_a_story_whose_expiry_time_came(task_worker, make, client):
    import time_machine

    from articles.models import Article
    from articles.tasks import expire

    real_now = timezone.now()
    with time_machine.travel(real_now - timedelta(hours=1), tick=False):
        story = make.article(
            headline="Offer ends at noon",
            published_at=real_now - timedelta(hours=2),
            expires_at=real_now - timedelta(seconds=1),
        )

    result = task_worker.run(expire, story.pk)

    assert result.return_value == 1
    story.refresh_from_db()
    assert story.status == Article.Status.UNPUBLISHED
    assert client.get(story.get_absolute_url()).status_code == 404
