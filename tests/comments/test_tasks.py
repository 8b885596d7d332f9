"""Reply notifications, the moderators' digest and IP purging: tasks and their commands."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from comments.notifications import approve_and_notify

pytestmark = pytest.mark.django_db


def stop_link(message):
    return re.search(r"http://\S+/comments/stop/\S+/", message.body).group(0)


def test_approving_a_reply_emails_the_parent_with_a_stop_link(
    client, make, mailoutbox, django_capture_on_commit_callbacks, settings
):
    story = make.article(headline="Tram line extension")
    make.confirmed_address("ada@example.com")
    parent = make.comment(story, name="Ada", email="ada@example.com", notify_replies=True)
    reply = make.comment(story, parent=parent, status="pending", name="Bob", body="Agreed!")
    with django_capture_on_commit_callbacks(execute=True):
        approve_and_notify(Comment.objects.filter(pk=reply.pk))
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["ada@example.com"]
    assert "Tram line extension" in message.subject
    assert "Bob replied" in message.body and "Agreed!" in message.body
    assert f"{settings.SITE_URL}{story.get_absolute_url()}#comment-{reply.pk}" in message.body

    # The link opens a page with a button: a mail scanner's GET mutes no one.
    path = stop_link(message).removeprefix(settings.SITE_URL)
    response = Client(enforce_csrf_checks=True).get(path)
    assert response.status_code == 200
    assert "Stop emailing <strong>ada@example.com</strong>" in response.text
    assert '<form method="post">' in response.text
    assert Comment.objects.filter(email="ada@example.com", notify_replies=True).exists()
    # The button (or a mail client's POST, without a CSRF token) stops every reply email.
    response = Client(enforce_csrf_checks=True).post(path)
    assert response.status_code == 200
    assert "Reply notifications stopped" in response.text
    assert not Comment.objects.filter(email="ada@example.com", notify_replies=True).exists()
    assert Client(enforce_csrf_checks=True).post(path).status_code == 200

    another = make.comment(story, parent=parent, status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        approve_and_notify(Comment.objects.filter(pk=another.pk))
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_stop_link_is_refused_and_mutes_no_one(client, make, method):
    make.comment(email="ada@example.com", notify_replies=True)
    real = make.comment(email="ada@example.com").stop_notifications_url().rstrip("/")
    for token in ["not-a-real-token", real.rsplit("/", 1)[1] + "x"]:
        response = getattr(client, method)(reverse("comments:stop", args=[token]))
        assert response.status_code == 400
        assert "This link doesn't work" in response.text
    assert Comment.objects.filter(email="ada@example.com", notify_replies=True).exists()


def test_no_email_when_the_parent_did_not_ask_replied_to_self_or_is_spam(
    make, mailoutbox, django_capture_on_commit_callbacks
):
    story = make.article()
    make.confirmed_address("me@example.com")
    quiet = make.comment(story, notify_replies=False)
    asker = make.comment(story, notify_replies=True, email="me@example.com")
    make.confirmed_address("unconfirmed.spammer@example.com")
    spam = make.comment(story, notify_replies=True, email="unconfirmed.spammer@example.com")
    Comment.objects.filter(pk=spam.pk).mark_spam()
    replies = [
        make.comment(story, parent=quiet, status="pending"),
        make.comment(story, parent=asker, status="pending", email="ME@example.com"),
        make.comment(story, parent=spam, status="pending"),
        make.comment(story, parent=asker, status="pending", email="someone.else@example.com"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        approve_and_notify(Comment.objects.filter(pk__in=[r.pk for r in replies]))
    # Only the one reply from someone else to a comment that asked: nobody else hears.
    assert [m.to for m in mailoutbox] == [["me@example.com"]]


def test_a_trusted_reply_notifies_when_it_is_posted(
    client, make, mailoutbox, django_capture_on_commit_callbacks, known_as
):
    story = make.article()
    make.confirmed_address("asker@example.com")
    parent = make.comment(story, notify_replies=True, email="asker@example.com")
    make.comment(story, email="regular@example.com")
    known_as(client, "regular@example.com")
    data = make.comment_form_data(email="regular@example.com", parent=parent.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("comments:post", args=[story.pk]), data)
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["asker@example.com"]]


def test_reply_notification_is_delivered_over_real_smtp(
    make, settings, smtp_server, django_capture_on_commit_callbacks
):
    story = make.article()
    make.confirmed_address("ada@example.com")
    parent = make.comment(story, notify_replies=True, email="ada@example.com")
    reply = make.comment(story, parent=parent, status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        approve_and_notify(Comment.objects.filter(pk=reply.pk))
    [message] = smtp_server.parsed()
    assert message["To"] == "ada@example.com"
    assert "/comments/stop/" in message.get_body(("plain",)).get_content()


def test_digest_lists_pending_comments_for_moderators(make, mailoutbox):
    make.user(groups=["Moderators"], is_staff=True, email="mod@example.com")
    make.user(groups=["Moderators"], is_active=False, email="gone@example.com")
    make.user(is_staff=True, email="writer@example.com")  # cannot moderate: no digest
    # May moderate, but did not sign up for the queue: no digest either.
    make.user(groups=["Editors"], is_staff=True, email="editor@example.com")
    make.user(is_staff=True, is_superuser=True, email="admin@example.com")
    make.comment(status="pending", body="Please look at me", held_reasons="3 links")
    make.comment(body="Already approved")
    out = StringIO()
    call_command("comments_digest", stdout=out)
    assert "Digest sent" in out.getvalue()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["mod@example.com"]
    assert message.subject == "1 comment awaiting moderation"
    assert "Please look at me" in message.body and "held: 3 links" in message.body
    assert "Already approved" not in message.body
    assert "/admin/comments/comment/queue/" in message.body  # the moderation queue


def test_digest_sends_nothing_when_the_queue_is_empty(make, mailoutbox, settings):
    settings.COMMENTS_DIGEST_RECIPIENTS = ["desk@example.com"]
    make.comment()
    out = StringIO()
    call_command("comments_digest", stdout=out)
    assert mailoutbox == []
    assert "Nothing to send" in out.getvalue()
    make.comment(status="pending")
    call_command("comments_digest", stdout=out)
    assert [m.to for m in mailoutbox] == [["desk@example.com"]]


def test_ip_addresses_are_cleared_after_the_retention_period(make, settings):
    settings.COMMENTS_IP_RETENTION_DAYS = 30
    old = make.comment(created_at=timezone.now() - timedelta(days=31), ip_address="192.0.2.1")
    recent = make.comment(created_at=timezone.now() - timedelta(days=29), ip_address="192.0.2.2")
    out = StringIO()
    call_command("comments_purge_ips", stdout=out)
    assert "Cleared the IP address of 1 comment(s)" in out.getvalue()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.ip_address is None
    assert recent.ip_address == "192.0.2.2"


def test_commands_can_hand_the_work_to_the_task_queue(make, mailoutbox, settings):
    settings.COMMENTS_DIGEST_RECIPIENTS = ["desk@example.com"]
    make.comment(status="pending")
    old = make.comment(created_at=timezone.now() - timedelta(days=40))
    out = StringIO()
    call_command("comments_digest", "--enqueue", stdout=out)
    call_command("comments_purge_ips", "--enqueue", stdout=out)
    assert "Digest queued." in out.getvalue() and "IP purge queued." in out.getvalue()
    # Tests run tasks with the immediate backend: queued work is already done.
    assert [m.to for m in mailoutbox] == [["desk@example.com"]]
    old.refresh_from_db()
    assert old.ip_address is None


def test_every_link_in_comment_mail_starts_with_site_url(
    make, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://news.example"
    settings.COMMENTS_DIGEST_RECIPIENTS = ["desk@example.com"]
    story = make.article()
    make.confirmed_address("ada@example.com")
    parent = make.comment(story, notify_replies=True, email="ada@example.com")
    reply = make.comment(story, parent=parent, status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        approve_and_notify(Comment.objects.filter(pk=reply.pk))
    waiting = make.comment(story, status="pending")
    call_command("comments_digest", stdout=StringIO())
    notification, digest = mailoutbox
    links = re.findall(r"\S+://\S+", notification.body + digest.body)
    assert links and all(link.startswith("https://news.example/") for link in links), links
    assert f"https://news.example{story.get_absolute_url()}#comment-{reply.pk}" in links
    change = reverse("admin:comments_comment_change", args=[waiting.pk])
    assert f"https://news.example{change}" in links
    queue = reverse("admin:comments_comment_queue")
    assert f"https://news.example{queue}" in links
