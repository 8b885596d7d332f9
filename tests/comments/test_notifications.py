"""'Notify me of replies' mails only an address whose owner confirmed it, once."""

import re
import time
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, NotificationAddress
from comments.notifications import approve_and_notify

pytestmark = pytest.mark.django_db


def post(client, article, **data):
    return client.post(reverse("comments:post", args=[article.pk]), data, follow=True)


def confirm_link(message):
    return re.search(r"http://\S+/comments/confirm/\S+/", message.body).group(0)


def approve_reply_to(make, parent, capture):
    reply = make.comment(parent.article, parent=parent, status="pending", body="A reply")
    with capture(execute=True):
        approve_and_notify(Comment.objects.filter(pk=reply.pk))


def test_nothing_is_mailed_about_replies_until_the_address_is_confirmed(
    client, make, mailoutbox, settings, django_capture_on_commit_callbacks
):
    story = make.article()
    data = make.comment_form_data(email="Ada@Example.com", notify_replies="on")
    with django_capture_on_commit_callbacks(execute=True):
        page = post(client, story, **data)
    assert "confirm your address: we have emailed Ada@Example.com a link" in page.text
    [confirmation] = mailoutbox
    assert confirmation.to == ["ada@example.com"]
    link = confirm_link(confirmation)

    # Approved, replied to: still no mail, the address is not confirmed.
    mine = Comment.objects.get(email="Ada@Example.com")
    approve_and_notify(Comment.objects.filter(pk=mine.pk))
    approve_reply_to(make, mine, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 1

    # Asking again the same day sends no second link.
    again = make.comment_form_data(email="ada@example.com", notify_replies="on")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, story, **again)
    assert len(mailoutbox) == 1

    # Following the link shows a button; a link scanner's GET confirms nothing.
    path = link.removeprefix(settings.SITE_URL)
    page = Client().get(path)
    assert page.status_code == 200 and "Confirm reply notifications" in page.text
    assert not NotificationAddress.objects.confirmed().exists()
    browser = Client(enforce_csrf_checks=True)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.get(path).text)
    done = browser.post(path, {"csrfmiddlewaretoken": token.group(1)})
    assert done.status_code == 200 and "Reply notifications confirmed" in done.text
    assert NotificationAddress.objects.confirmed().get().email == "ada@example.com"

    approve_reply_to(make, mine, django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox[1:]] == [["Ada@Example.com"]]
    assert "replied to your comment" in mailoutbox[1].body


def test_a_confirmed_address_asks_once_and_is_never_asked_again(
    client, make, mailoutbox, django_capture_on_commit_callbacks
):
    story = make.article()
    make.confirmed_address("ada@example.com")
    data = make.comment_form_data(email="ADA@example.com", notify_replies="on")
    with django_capture_on_commit_callbacks(execute=True):
        page = post(client, story, **data)
    assert mailoutbox == []
    assert "confirm your address" not in page.text
    mine = Comment.objects.get(email="ADA@example.com")
    approve_and_notify(Comment.objects.filter(pk=mine.pk))
    approve_reply_to(make, mine, django_capture_on_commit_callbacks)
    assert [m.to for m in mailoutbox] == [["ADA@example.com"]]


def test_a_new_link_is_sent_a_day_after_the_last(
    client, make, mailoutbox, django_capture_on_commit_callbacks
):
    story = make.article()
    NotificationAddress.objects.create(
        email="late@example.com", confirmation_sent_at=timezone.now() - timedelta(hours=25)
    )
    for _ in range(2):
        data = make.comment_form_data(email="late@example.com", notify_replies="on")
        with django_capture_on_commit_callbacks(execute=True):
            post(client, story, **data)
    assert [m.to for m in mailoutbox] == [["late@example.com"]]


def test_no_confirmation_for_a_comment_caught_as_spam_or_without_the_box_ticked(
    client, make, mailoutbox, django_capture_on_commit_callbacks
):
    story = make.article()
    spam = make.comment_form_data(email="victim@example.com", notify_replies="on", honeypot="x")
    unticked = make.comment_form_data(email="quiet@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, story, **spam)
        post(client, story, **unticked)
    assert Comment.objects.count() == 2
    assert mailoutbox == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_changed_confirmation_link_is_a_clear_400_and_confirms_nothing(client, method):
    NotificationAddress.objects.create(email="ada@example.com")
    good = signing.dumps("ada@example.com", salt="comments.confirm-notifications", compress=True)
    for token in ["made-up", good[:-2], good + "x"]:
        response = getattr(client, method)(reverse("comments:confirm", args=[token]))
        assert response.status_code == 400
        assert "This link doesn't work" in response.text
    assert not NotificationAddress.objects.confirmed().exists()


def test_an_expired_confirmation_link_says_so(client, monkeypatch, settings):
    address = NotificationAddress.objects.create(email="ada@example.com")
    eight_days_ago = time.time() - 8 * 24 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: eight_days_ago)
    path = address.confirmation_url().removeprefix(settings.SITE_URL)
    monkeypatch.undo()
    response = client.post(path)
    assert response.status_code == 400
    assert "This link has expired" in response.text
    assert not NotificationAddress.objects.confirmed().exists()


def test_the_confirmation_goes_out_over_real_smtp_and_its_link_works(
    client, make, smtp_server, settings, django_capture_on_commit_callbacks
):
    story = make.article()
    data = make.comment_form_data(email="ada@example.com", notify_replies="on")
    with django_capture_on_commit_callbacks(execute=True):
        post(client, story, **data)
    [message] = smtp_server.parsed()
    assert message["To"] == "ada@example.com"
    body = message.get_body(("plain",)).get_content()
    link = re.search(r"http://\S+/comments/confirm/\S+/", body).group(0)
    assert client.post(link.removeprefix(settings.SITE_URL)).status_code == 200
    assert NotificationAddress.objects.confirmed().get().email == "ada@example.com"
