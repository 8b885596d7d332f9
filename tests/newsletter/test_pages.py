"""The newsletter's public pages share one section template; the archive shows its dates and the
sidebar, a reader's own steps do not show the sidebar's sign-up box beside their form."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.urls import reverse

from newsletter.models import Subscriber

pytestmark = pytest.mark.django_db

EMPTY_RAIL = re.compile(r'<aside class="rail" aria-label="Sidebar">\s*</aside>')
PAGES = Path(__file__).resolve().parents[2] / "templates" / "jinja2" / "newsletter"


def test_every_newsletter_page_extends_the_section_template():
    pages = [p for p in PAGES.glob("*.html") if p.name not in {"base.html", "_form_field.html"}]
    assert len(pages) >= 10
    for page in pages:
        assert page.read_text().startswith('{% extends "newsletter/base.html" %}'), page.name


@pytest.fixture
def pages(make):
    reader = make.subscriber()
    pending = make.subscriber(status=Subscriber.Status.PENDING)
    return {
        "subscribe": reverse("newsletter:subscribe"),
        "subscribe_done": reverse("newsletter:subscribe_done"),
        "confirm": reverse("newsletter:confirm", args=[pending.confirmation_token()]),
        "confirmed": reverse("newsletter:confirmed"),
        "bad_link": reverse("newsletter:confirm", args=["tampered"]),
        "unsubscribe": reverse("newsletter:unsubscribe", args=[reader.unsubscribe_token]),
        "manage": reverse("newsletter:manage", args=[reader.manage_token]),
    }


def test_every_reader_step_extends_the_newsletter_section_without_the_sidebar_box(client, pages):
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code in (200, 400), name
        assert EMPTY_RAIL.search(response.text), name
        assert "newsletter-signup" not in response.text, name
        assert response.text.count("<title>") == 1 and " · Newsroom</title>" in response.text


def test_archive_pages_show_the_sidebar_and_dates_as_time_elements(client, make, settings):
    settings.TIME_ZONE = "Europe/London"
    sent_at = datetime(2026, 7, 14, 23, 30, tzinfo=UTC)
    issue = make.issue(subject="Summer issue", status="sent", sent_at=sent_at)
    for url in (reverse("newsletter:archive"), issue.get_absolute_url()):
        response = client.get(url)
        assert not EMPTY_RAIL.search(response.text)
        assert "newsletter-signup" in response.text
        # The time_tag: local date as read in London, ISO 8601 value with its offset.
        assert '<time datetime="2026-07-15T00:30:00+01:00">15 July 2026</time>' in response.text
