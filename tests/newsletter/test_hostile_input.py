"""Every newsletter URL and form survives hostile input: a clear 4xx (or the normal page), never a
5xx, and nothing half-saved."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from newsletter.models import Subscriber
from newsletter.tokens import MANAGE_SALT, UNSUBSCRIBE_SALT, short_sign

pytestmark = pytest.mark.django_db

HOSTILE = [
    "²",  # a digit to str.isdigit(), not to int()
    "٣",  # Arabic-Indic three
    "1" * 5000,  # more digits than int() takes
    "x" * 10_000,
    "\x00",
    "a\x00b",
    "%00",
    "../../etc/passwd",
    "-1",
    "0",
    "99999999999999999999999999",
    "9" * 19,  # as many digits as a bigint has, and out of its range
    "😀",
    "\u202eevil",  # right-to-left override
    "<script>alert(1)</script>",
    "' OR 1=1 --",
]


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.NEWSLETTER_RATE_LIMIT_IP = 0
    settings.NEWSLETTER_RATE_LIMIT_DOMAIN = 0


def assert_not_a_server_error(response, what):
    assert response.status_code < 500, f"{what}: {response.status_code}"


def forged_tokens(value):
    """Tokens whose value is ``value`` and whose signature is right: what a parser must refuse
    without trusting ``str.isdigit()``."""
    return [
        short_sign(UNSUBSCRIBE_SALT, value),
        short_sign(MANAGE_SALT, value),
        f"{value}-{'A' * 22}",
        value,
    ]


@pytest.mark.parametrize("value", HOSTILE)
def test_token_urls_answer_hostile_tokens_with_a_clear_page(client, make, value):
    reader = make.subscriber()
    for name in ("newsletter:confirm", "newsletter:unsubscribe", "newsletter:manage"):
        for token in forged_tokens(value):
            url = reverse(name, args=["TOKEN"]).replace("TOKEN", quote(token, safe=""))
            for method in (client.get, client.post):
                response = method(url, {"name": value, "leave": value})
                assert_not_a_server_error(response, f"{method.__name__} {name} {token[:30]!r}")
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.CONFIRMED
    assert reader.name == ""


def test_non_ascii_digits_in_a_signed_token_are_refused_not_crashed_on(make):
    from django.core import signing

    from newsletter.tokens import short_unsign

    for value in ("²", "٣", "1" * 5000):
        with pytest.raises(signing.BadSignature):
            short_unsign(UNSUBSCRIBE_SALT, short_sign(UNSUBSCRIBE_SALT, value))


@pytest.mark.parametrize("value", HOSTILE)
def test_sign_up_form_refuses_hostile_fields_readably(client, value):
    url = reverse("newsletter:subscribe")
    assert_not_a_server_error(client.get(url, {"email": value}), "GET subscribe")
    for field in ("email", "name", "source", "consent"):
        data = {"email": "hostile@example.com", "name": "", field: value}
        assert_not_a_server_error(client.post(url, data), f"POST subscribe {field}")
    assert not Subscriber.objects.exclude(email="hostile@example.com").exists()


def test_repeated_fields_and_query_parameters_are_no_error(client, make):
    url = reverse("newsletter:subscribe")
    assert client.get(url + "?email=a@example.com&email=b@example.com").status_code == 200
    response = client.post(url, {"email": ["a@example.com", "b@example.com"], "name": ["A", "B"]})
    assert_not_a_server_error(response, "POST with arrays")
    reader = make.subscriber()
    manage = reverse("newsletter:manage", args=[reader.manage_token])
    assert client.post(manage, {"name": ["One", "Two"], "save": "1"}).status_code == 200
    archive = reverse("newsletter:archive")
    assert client.get(archive + "?page=1&page=2").status_code in (200, 404)


@pytest.mark.parametrize("value", [*HOSTILE, "last"])
def test_archive_pages_answer_any_page_number(client, make, value):
    make.issue(status="sent", sent_at=make.article().published_at)
    response = client.get(reverse("newsletter:archive"), {"page": value})
    assert response.status_code in (200, 404), value


@pytest.mark.parametrize("pk", ["0", "99999999999999999999999999", "9" * 5000])
def test_archive_issue_with_a_huge_number_is_not_found(client, pk):
    response = client.get(f"/newsletter/archive/{pk}/")
    assert response.status_code == 404


def test_nul_bytes_in_the_path_are_no_error(client):
    for path in ("/newsletter/confirm/%00/", "/newsletter/unsubscribe/1-%00/", "/newsletter/%00/"):
        assert_not_a_server_error(client.get(path), path)
        assert_not_a_server_error(client.post(path), path)
