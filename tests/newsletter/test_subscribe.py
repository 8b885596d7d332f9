from html import unescape

import pytest
from django.urls import reverse

from newsletter.forms import CONSENT_TEXT, sign_consent_text
from newsletter.models import Subscriber

pytestmark = pytest.mark.django_db

SUBSCRIBE = reverse("newsletter:subscribe")


@pytest.fixture
def sign_up(client, django_capture_on_commit_callbacks):
    """POST the sign-up form as the box on an article page does, running on-commit work."""

    def post(email="ada@example.com", **extra):
        data = {"email": email, "source": "/article/some-story/", "consent": sign_consent_text()}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(SUBSCRIBE, {**data, **extra}, REMOTE_ADDR="203.0.113.77")

    return post


def test_signup_box_on_every_page_posts_email_and_name_to_subscribe(client, make):
    story = make.article()
    for url in ["/", story.get_absolute_url()]:
        html = client.get(url).text
        assert f'action="{SUBSCRIBE}"' in html
        assert 'name="email"' in html and 'name="name"' in html
        assert CONSENT_TEXT in unescape(html)


def test_new_address_is_pending_with_a_consent_record_and_gets_one_confirmation(
    sign_up, mailoutbox
):
    response = sign_up(email="Ada@Example.com", name="Ada")
    assert response.status_code == 302
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.PENDING
    assert subscriber.name == "Ada"
    assert subscriber.consent_source == "/article/some-story/"
    assert subscriber.consent_text == CONSENT_TEXT
    assert subscriber.consent_at is not None
    assert subscriber.consent_ip == "203.0.113.0"  # anonymised by default
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["Ada@Example.com"]
    assert "/newsletter/confirm/" in mailoutbox[0].body


@pytest.mark.parametrize(("mode", "kept"), [("full", "203.0.113.77"), ("none", None)])
def test_consent_ip_follows_the_privacy_setting(sign_up, settings, mode, kept):
    settings.NEWSLETTER_CONSENT_IP = mode
    sign_up()
    assert Subscriber.objects.get().consent_ip == kept


def test_same_response_for_new_pending_and_confirmed_addresses(client, sign_up, make, mailoutbox):
    make.subscriber(email="known@example.com")
    new = sign_up(email="new@example.com")
    pending = sign_up(email="new@example.com")
    confirmed = sign_up(email="KNOWN@example.com")
    assert new.status_code == pending.status_code == confirmed.status_code == 302
    assert new["Location"] == pending["Location"] == confirmed["Location"]
    page = client.get(new["Location"])
    assert page.status_code == 200
    assert "Check your inbox" in page.text
    # Only the new address needed (and got) a confirmation email.
    assert [m.to for m in mailoutbox] == [["new@example.com"]]
    assert Subscriber.objects.count() == 2


def test_at_most_one_confirmation_per_address_per_hour(sign_up, mailoutbox):
    for _ in range(3):
        sign_up(email="eager@example.com")
    assert len(mailoutbox) == 1
    Subscriber.objects.update(confirmation_sent_at="2000-01-01T00:00Z")
    sign_up(email="EAGER@example.com")
    assert len(mailoutbox) == 2


def test_unsubscribed_reader_can_sign_up_again_and_must_confirm(sign_up, make, mailoutbox):
    make.subscriber(email="back@example.com", status=Subscriber.Status.UNSUBSCRIBED)
    sign_up(email="back@example.com")
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING
    assert len(mailoutbox) == 1


def test_email_is_unique_whatever_the_case(make):
    from django.db import IntegrityError, transaction

    make.subscriber(email="case@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        make.subscriber(email="CASE@example.com")


def test_bad_address_is_refused_with_a_readable_error_and_the_text_kept(sign_up, mailoutbox):
    response = sign_up(email="not-an-address", name="Grace")
    assert response.status_code == 400
    assert "Enter a valid email address" in response.text
    assert 'value="not-an-address"' in response.text
    assert 'value="Grace"' in response.text
    assert 'aria-describedby="id_email-error"' in response.text
    assert not Subscriber.objects.exists()
    assert not mailoutbox


def test_outside_source_is_not_recorded_and_forged_wording_falls_back(sign_up):
    sign_up(source="https://evil.example/", consent="forged wording")
    subscriber = Subscriber.objects.get()
    assert subscriber.consent_source == ""
    assert subscriber.consent_text == CONSENT_TEXT


def test_subscribe_page_renders_without_inline_styles(client):
    response = client.get(SUBSCRIBE)
    assert response.status_code == 200
    assert "style=" not in response.text
    assert response.text.count("<h1") == 1


def test_same_response_for_unsubscribed_and_bounced_addresses(client, sign_up, make):
    make.subscriber(email="left@example.com", status=Subscriber.Status.UNSUBSCRIBED)
    make.subscriber(email="bounced@example.com", status=Subscriber.Status.BOUNCED)
    new = sign_up(email="fresh@example.com")
    for email in ("left@example.com", "bounced@example.com"):
        response = sign_up(email=email)
        assert (response.status_code, response["Location"]) == (302, new["Location"])


def test_a_form_without_the_page_field_records_the_referring_page_of_this_site(client, make):
    story = make.article()
    client.post(
        SUBSCRIBE,
        {"email": "ref@example.com"},
        HTTP_REFERER=f"http://testserver{story.get_absolute_url()}?utm=x",
    )
    client.post(SUBSCRIBE, {"email": "far@example.com"}, HTTP_REFERER="https://evil.example/a/")
    assert Subscriber.objects.get(email="ref@example.com").consent_source == (
        story.get_absolute_url()
    )
    assert Subscriber.objects.get(email="far@example.com").consent_source == ""


# Rate limits --------------------------------------------------------------------------------------


def post_sign_up(client, email, ip, **extra):
    data = {"email": email, "name": "Typed name", "consent": sign_consent_text(), **extra}
    return client.post(SUBSCRIBE, data, REMOTE_ADDR=ip)


def test_too_many_sign_ups_from_one_ip_get_429_with_retry_after_and_the_form_kept(
    client, settings, mailoutbox
):
    settings.NEWSLETTER_RATE_LIMIT_IP = 2
    settings.NEWSLETTER_RATE_WINDOW = 600
    for n in range(2):
        assert post_sign_up(client, f"a{n}@site{n}.example", "198.51.100.7").status_code == 302
    response = post_sign_up(client, "third@elsewhere.example", "198.51.100.7")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 600
    assert "Too many sign-ups from your network" in response.text
    assert 'value="third@elsewhere.example"' in response.text
    assert 'value="Typed name"' in response.text
    assert not Subscriber.objects.filter(email="third@elsewhere.example").exists()
    # Another address on another network is not held back.
    assert post_sign_up(client, "other@elsewhere.example", "203.0.113.9").status_code == 302


def test_too_many_sign_ups_for_one_domain_get_429(client, settings):
    settings.NEWSLETTER_RATE_LIMIT_DOMAIN = 2
    for n in range(2):
        response = post_sign_up(client, f"user{n}@victim.example", f"192.0.2.{n + 1}")
        assert response.status_code == 302
    response = post_sign_up(client, "USER9@Victim.Example", "192.0.2.99")
    assert response.status_code == 429
    assert "Too many sign-ups for addresses at victim.example" in response.text
    assert int(response["Retry-After"]) > 0
    assert post_sign_up(client, "user9@other.example", "192.0.2.99").status_code == 302


def test_sign_up_counts_live_in_the_shared_cache(client, settings):
    # Counted in Django's cache (Redis in production), so every web process sees the same count.
    from django.core.cache import cache

    settings.NEWSLETTER_RATE_LIMIT_IP = 1
    assert post_sign_up(client, "one@a.example", "198.51.100.8").status_code == 302
    assert post_sign_up(client, "two@b.example", "198.51.100.8").status_code == 429
    cache.clear()
    assert post_sign_up(client, "two@b.example", "198.51.100.8").status_code == 302


def test_a_limit_of_zero_turns_the_limit_off(client, settings):
    settings.NEWSLETTER_RATE_LIMIT_IP = 0
    settings.NEWSLETTER_RATE_LIMIT_DOMAIN = 0
    for n in range(15):
        assert post_sign_up(client, f"n{n}@same.example", "198.51.100.9").status_code == 302
