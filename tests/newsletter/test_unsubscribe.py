import re

import pytest
from django.test import Client
from django.urls import reverse

from newsletter.emails import RenderedIssue, raw_bytes
from newsletter.models import Subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(make):
    return make.subscriber(email="reader@example.com", name="Rea")


def unfolded_headers(raw):
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    return re.sub(r"\r\n[ \t]+", " ", head)


def test_every_issue_mail_carries_rfc8058_headers_readable_in_the_raw_bytes(make, reader, settings):
    settings.SITE_URL = "https://news.example-with-a-rather-long-domain-name.co.uk"
    message = RenderedIssue(make.issue()).message_for(reader)
    raw = raw_bytes(message)
    assert b"=?utf-8?" not in raw.split(b"\r\n\r\n", 1)[0]  # no RFC 2047 encoded words
    headers = unfolded_headers(raw)
    url = reader.get_unsubscribe_url()
    assert url.startswith("https://news.example-with-a-rather-long-domain-name.co.uk/newsletter/")
    assert f"List-Unsubscribe: <{url}>, <mailto:unsubscribe@" in headers
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in headers
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


def test_one_click_post_unsubscribes_at_once_without_a_csrf_token(reader):
    mail_provider = Client(enforce_csrf_checks=True)
    url = reverse("newsletter:unsubscribe", args=[reader.unsubscribe_token])
    response = mail_provider.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.UNSUBSCRIBED
    assert reader.unsubscribed_at is not None
    # Twice is fine.
    assert mail_provider.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200


def test_footer_link_opens_a_page_that_unsubscribes_in_one_click(client, make, reader):
    message = RenderedIssue(make.issue()).message_for(reader)
    html = message.alternatives[0].content
    url = reader.get_unsubscribe_url()
    assert f'href="{url}"' in html
    assert f"Unsubscribe: {url}" in message.body
    path = reverse("newsletter:unsubscribe", args=[reader.unsubscribe_token])
    page = client.get(path)
    assert page.status_code == 200
    assert ">Unsubscribe</button>" in page.text
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.CONFIRMED  # a GET changes nothing
    response = client.post(path)
    assert "You have unsubscribed" in response.text
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.UNSUBSCRIBED


def test_unsubscribe_links_are_personal_and_tamper_proof(client, make, reader):
    other = make.subscriber()
    assert reader.unsubscribe_token != other.unsubscribe_token
    forged = f"{other.pk}-{reader.unsubscribe_token.split('-')[1]}"
    response = client.post(reverse("newsletter:unsubscribe", args=[forged]))
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.status == Subscriber.Status.CONFIRMED


def test_manage_link_in_every_mail_lets_readers_change_their_name(client, make, reader):
    message = RenderedIssue(make.issue()).message_for(reader)
    assert reader.get_manage_url() in message.body
    assert reader.get_manage_url() in message.alternatives[0].content
    path = reverse("newsletter:manage", args=[reader.manage_token])
    assert 'value="Rea"' in client.get(path).text
    response = client.post(path, {"name": "Rebecca", "save": "1"})
    assert response.status_code == 200
    assert "Saved." in response.text
    reader.refresh_from_db()
    assert reader.name == "Rebecca"


def test_manage_page_can_leave(client, reader):
    path = reverse("newsletter:manage", args=[reader.manage_token])
    response = client.post(path, {"leave": "1"})
    assert "You have unsubscribed" in response.text
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.UNSUBSCRIBED


def test_manage_refuses_a_too_long_name_and_keeps_the_text(client, reader):
    path = reverse("newsletter:manage", args=[reader.manage_token])
    response = client.post(path, {"name": "x" * 101, "save": "1"})
    assert response.status_code == 400
    assert "x" * 101 in response.text
    reader.refresh_from_db()
    assert reader.name == "Rea"


def test_personal_tokens_round_trip_for_every_subscriber(make):
    # Base64 signatures can contain "-", the separator: every token must still read back.
    readers = make.subscribers(300, prefix="token")
    for reader in readers:
        assert Subscriber.from_unsubscribe_token(reader.unsubscribe_token) == reader
        assert Subscriber.from_manage_token(reader.manage_token) == reader


def test_links_in_mail_already_sent_survive_a_secret_key_rotation(client, reader, settings):
    token = reader.unsubscribe_token
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-brand-new-secret-key-for-this-test-only-0123456789"
    assert reader.unsubscribe_token != token
    assert client.post(reverse("newsletter:unsubscribe", args=[token])).status_code == 200
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.UNSUBSCRIBED


@pytest.mark.parametrize("name", ["newsletter:unsubscribe", "newsletter:manage"])
def test_broken_leave_or_manage_link_explains_and_offers_no_sign_up(client, reader, name):
    token = getattr(reader, f"{name.split(':')[1]}_token")[:-3] + "abc"
    response = client.get(reverse(name, args=[token]))
    assert response.status_code == 400
    assert "This link doesn't work" in response.text
    assert "most recent newsletter" in response.text
    assert "Send me a new link" not in response.text
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.CONFIRMED


def test_unsubscribing_twice_keeps_the_first_time_it_happened(client, reader):
    url = reverse("newsletter:unsubscribe", args=[reader.unsubscribe_token])
    client.post(url)
    reader.refresh_from_db()
    first = reader.unsubscribed_at
    response = client.post(url)
    assert response.status_code == 200
    assert "You have unsubscribed" in response.text
    reader.refresh_from_db()
    assert reader.unsubscribed_at == first
