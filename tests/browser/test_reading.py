import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reader_follows_a_story_from_home_and_sees_the_lead_image(page, site, make, artifacts):
    story = make.article(headline="Harbour bridge reopens", lead_image=make.image(size=(1600, 900)))
    page.goto(site.url + "/")
    page.get_by_role("link", name="Harbour bridge reopens").first.click()
    expect(page).to_have_url(re.compile(re.escape(story.get_absolute_url()) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbour bridge reopens")
    lead = page.locator(".article__lead img")
    expect(lead).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=lead.element_handle())
    page.screenshot(path=artifacts / "article-page.png", full_page=True)
    assert (artifacts / "article-page.png").stat().st_size > 0
