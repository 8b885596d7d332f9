import re
import time
from datetime import timedelta
from html import unescape

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from newsletter.forms import CONSENT_TEXT
from newsletter.models import Subscriber
from newsletter.tokens import CONFIRM_SALT

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(make):
    return make.subscriber(status=Subscriber.Status.PENDING)


def test_get_shows_a_confirm_button_and_confirms_no_one(client, pending):
    response = client.get(reverse("newsletter:confirm", args=[pending.confirmation_token()]))
    assert response.status_code == 200
    assert ">Confirm</button>" in response.text
    assert 'method="post"' in response.text
    pending.refresh_from_db()
    assert pending.status == Subscriber.Status.PENDING


def test_post_confirms_and_shows_the_thank_you_page(client, pending):
    url = reverse("newsletter:confirm", args=[pending.confirmation_token()])
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert "Thank you for subscribing" in response.text
    pending.refresh_from_db()
    assert pending.status == Subscriber.Status.CONFIRMED
    assert pending.confirmed_at is not None


def test_confirmation_link_from_the_email_works(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("newsletter:subscribe"), {"email": "link@example.com"})
    link = next(w for w in mailoutbox[0].body.split() if "/newsletter/confirm/" in w)
    path = link.split("://", 1)[1].split("/", 1)[1]
    client.post("/" + path)
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED


def test_tampered_token_gets_a_clear_page_with_a_way_to_ask_again(client, pending):
    token = pending.confirmation_token()[:-2] + "xx"
    for method in (client.get, client.post):
        response = method(reverse("newsletter:confirm", args=[token]))
        assert response.status_code == 400
        assert "This link doesn't work" in response.text
        assert f'action="{reverse("newsletter:subscribe")}"' in response.text
    pending.refresh_from_db()
    assert pending.status == Subscriber.Status.PENDING


def test_token_older_than_seven_days_has_expired(client, pending):
    class EightDaysAgo(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - 8 * 24 * 3600)

    token = EightDaysAgo(salt=CONFIRM_SALT).sign(str(pending.pk))
    response = client.post(reverse("newsletter:confirm", args=[token]))
    assert response.status_code == 400
    assert "This link has expired" in response.text
    assert "Ask for a new email" in response.text
    pending.refresh_from_db()
    assert pending.status == Subscriber.Status.PENDING


def test_tokens_are_single_purpose(client, pending):
    # An unsubscribe or manage token cannot confirm, and a confirmation token cannot unsubscribe.
    for token in (pending.unsubscribe_token, pending.manage_token):
        assert client.post(reverse("newsletter:confirm", args=[token])).status_code == 400
    url = reverse("newsletter:unsubscribe", args=[pending.confirmation_token()])
    assert client.post(url).status_code == 400
    pending.refresh_from_db()
    assert pending.status == Subscriber.Status.PENDING


def test_expired_link_page_asks_for_a_new_email_that_then_confirms(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("newsletter:subscribe"), {"email": "late@example.com"})
    subscriber = Subscriber.objects.get()
    Subscriber.objects.update(confirmation_sent_at=timezone.now() - timedelta(days=8))

    class EightDaysAgo(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - 8 * 24 * 3600)

    expired = EightDaysAgo(salt=CONFIRM_SALT).sign(str(subscriber.pk))
    page = client.get(reverse("newsletter:confirm", args=[expired]))
    assert page.status_code == 400
    assert CONSENT_TEXT in unescape(page.text)  # the wording the reader agrees to
    consent = re.search(r'name="consent" value="([^"]+)"', page.text).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(
            reverse("newsletter:subscribe"),
            {"email": "late@example.com", "consent": consent, "source": page.request["PATH_INFO"]},
        )
    assert again.status_code == 302
    assert len(mailoutbox) == 2
    link = next(w for w in mailoutbox[1].body.split() if "/newsletter/confirm/" in w)
    client.post("/" + link.split("://", 1)[1].split("/", 1)[1])
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert subscriber.consent_text == CONSENT_TEXT


def test_a_confirmed_reader_opening_the_link_again_is_told_they_are_already_subscribed(
    client, make
):
    reader = make.subscriber(email="again@example.com")
    confirmed_at = reader.confirmed_at
    url = reverse("newsletter:confirm", args=[reader.confirmation_token()])
    page = client.get(url)
    assert page.status_code == 200
    assert "You are already subscribed" in page.text
    assert "again@example.com" in page.text
    assert ">Confirm</button>" not in page.text
    # A POST (a second tab, a replayed form) is harmless.
    response = client.post(url, follow=True)
    assert response.status_code == 200
    reader.refresh_from_db()
    assert (reader.status, reader.confirmed_at) == (Subscriber.Status.CONFIRMED, confirmed_at)
