"""What a newcomer sees under ``make run`` (debug on): the site's own 404 page for a missing page,
the debug page for a real error, and mail printed to the console with its links whole."""

import io

import pytest
from django.core.mail import EmailMultiAlternatives, mailers
from django.test import Client
from django.urls import path, reverse

from newsroom.mail import ConsoleBackend
from newsroom.urls import urlpatterns as site_urlpatterns

pytestmark = pytest.mark.django_db

SITE_404 = "We can't find that page"  # templates/404.html
TECHNICAL_404 = "Django tried these URL patterns"


def broken_view(request):
    raise RuntimeError("a bug in a view")


# The site's addresses plus one that fails, for the 500 case (ROOT_URLCONF points here).
urlpatterns = [path("broken/", broken_view, name="broken"), *site_urlpatterns]


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    return settings


def site_404_page(response):
    return response.status_code == 404 and SITE_404 in response.content.decode()


def test_with_debug_on_an_unknown_address_shows_the_sites_404_page(debug, client):
    response = client.get("/no-such-page/")
    assert site_404_page(response), response.content.decode()[:500]
    assert TECHNICAL_404 not in response.content.decode()
    assert '<p class="kicker">Error 404</p>' in response.content.decode()  # 404.html
    assert "Content-Security-Policy" in response.headers  # the page is served like any other


def test_with_debug_on_a_view_that_finds_nothing_shows_the_sites_404_page(debug, client):
    response = client.get(reverse("articles:detail", args=["no-such-story"]))
    assert site_404_page(response), response.content.decode()[:500]
    assert "Raised by:" not in response.content.decode()  # the technical page's footer


def test_with_debug_on_a_missing_slash_still_redirects(debug, client, make):
    story = make.article()
    response = client.get(story.get_absolute_url().rstrip("/"))
    assert response.status_code == 301
    assert response["Location"] == story.get_absolute_url()


def test_with_debug_on_an_error_still_shows_the_debug_page(debug):
    debug.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    assert "a bug in a view" in response.content.decode()
    assert "Traceback" in response.content.decode()


def test_with_debug_off_the_404_page_is_the_sites_own_too(client):
    response = client.get("/no-such-page/")
    assert site_404_page(response)


# Mail on the console ----------------------------------------------------------------------------

LONG_LINK = "http://127.0.0.1:8000/newsletter/confirm/" + "Zx9-" * 30 + "/"


def long_message():
    message = EmailMultiAlternatives(
        subject="Confirm your subscription to Café Zürich \u2014 one click",
        body=f"Hello Zoë,\n\nConfirm here:\n{LONG_LINK}\n\nThanks!\n",
        to=["zoë@example.com"],
        headers={"List-Unsubscribe": f"<{LONG_LINK}>"},
    )
    message.attach_alternative(f'<p>Hello <a href="{LONG_LINK}">confirm</a></p>', "text/html")
    return message


def test_console_mail_shows_a_long_link_whole_on_one_line():
    stream = io.StringIO()
    ConsoleBackend(stream=stream).send_messages([long_message()])
    printed = stream.getvalue()
    assert f"\n{LONG_LINK}\n" in printed  # not folded with "=" soft line breaks
    assert "=\n" not in printed
    assert "Hello Zoë," in printed  # decoded text, not =C3=AB
    assert f"List-Unsubscribe: <{LONG_LINK}>" in printed  # not RFC 2047 encoded words
    assert "Subject: Confirm your subscription to Café Zürich \u2014 one click" in printed
    assert "To: zoë@example.com" in printed
    assert "[text/html, " in printed and "not shown" in printed


def test_an_html_only_mail_is_printed_decoded():
    message = EmailMultiAlternatives(subject="HTML only", to=["a@example.com"])
    message.content_subtype = "html"
    message.body = f'<p>Ünïcode <a href="{LONG_LINK}">link</a></p>'
    stream = io.StringIO()
    ConsoleBackend(stream=stream).send_messages([message])
    assert f'<p>Ünïcode <a href="{LONG_LINK}">link</a></p>' in stream.getvalue()


def test_email_url_console_prints_through_the_decoding_backend(settings, capsys):
    from newsroom.settings import mailers_from_url

    settings.MAILERS = mailers_from_url("console:")
    assert long_message().send() == 1
    printed = capsys.readouterr().out
    assert f"\n{LONG_LINK}\n" in printed
    assert isinstance(mailers.default, ConsoleBackend)
