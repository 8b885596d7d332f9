import re

import pytest
from playwright.sync_api import expect

from newsletter.models import Subscriber

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_signs_up_from_an_article_and_confirms_by_email(
    page, site, make, mailoutbox, artifacts
):
    story = make.article(headline="Local election results")
    page.goto(site.url + story.get_absolute_url())
    box = page.locator(".newsletter-signup")
    box.get_by_label("Email address").fill("browser@example.com")
    box.locator("#newsletter-name").fill("Bea")
    box.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")

    assert len(mailoutbox) == 1
    link = re.search(r"https?://\S+/newsletter/confirm/\S+/", mailoutbox[0].body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    page.goto(site.url + path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your subscription")
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.PENDING  # opening the link confirms no one
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for subscribing")
    page.screenshot(path=artifacts / "newsletter-confirmed.png")
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert subscriber.name == "Bea"
    assert subscriber.consent_source == story.get_absolute_url()
