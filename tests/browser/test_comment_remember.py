"""A reader's name, email and website remembered for the next comment, in this browser only:
off by default, kept in a cookie when ticked, filled in by a script (the page itself is the same
for everyone), and forgotten when unticked."""

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COOKIE = "comment_author_remember"
LABEL = "Save my name, email and website in this browser for the next time I comment"


def fill_and_post(page, settings, body, *, remember):
    form = page.locator("#leave-a-reply form")
    form.get_by_role("textbox", name="Name").fill("Ada Reader")
    form.get_by_role("textbox", name="Email", exact=True).fill("ada@example.com")
    form.get_by_role("textbox", name="Website").fill("https://ada.example.com")
    form.get_by_role("textbox", name="Comment").fill(body)
    box = form.get_by_role("checkbox", name=LABEL)
    expect(box).not_to_be_checked()  # WordPress's default: off
    if remember:
        box.check()
    page.wait_for_timeout(1100)  # the form's minimum time, shortened to 1 s below
    form.get_by_role("button", name="Post comment").click()
    expect(page).to_have_url(re.compile(r"#comment-\d+$"))


def test_ticked_the_details_are_filled_in_on_the_next_article(page, site, make, settings):
    settings.COMMENTS_MIN_SECONDS = 1
    first, second = make.article(headline="Night buses"), make.article(headline="Trams")
    page.goto(site.url + first.get_absolute_url())
    note = page.locator("#leave-a-reply")
    expect(note).to_contain_text("Plain text: HTML tags show just as you type them")
    expect(note).to_contain_text("become links")
    fill_and_post(page, settings, "Finally, buses at night.", remember=True)
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert COOKIE in cookies and not cookies[COOKIE]["httpOnly"]

    page.goto(site.url + second.get_absolute_url())
    form = page.locator("#leave-a-reply form")
    expect(form.get_by_role("textbox", name="Name")).to_have_value("Ada Reader")
    expect(form.get_by_role("textbox", name="Email", exact=True)).to_have_value("ada@example.com")
    expect(form.get_by_role("textbox", name="Website")).to_have_value("https://ada.example.com")
    expect(form.get_by_role("checkbox", name=LABEL)).to_be_checked()

    # The server sends the same form to everyone: the cookie changes nothing in the page.
    with_cookie = Client()
    with_cookie.cookies[COOKIE] = cookies[COOKIE]["value"]
    html = with_cookie.get(second.get_absolute_url()).text
    assert "Ada Reader" not in html and "ada@example.com" not in html

    # Unticked, the browser forgets them.
    form.get_by_role("checkbox", name=LABEL).uncheck()
    assert COOKIE not in {c["name"] for c in page.context.cookies()}
    page.reload()
    expect(form.get_by_role("textbox", name="Name")).to_have_value("")


def test_not_ticked_nothing_is_remembered(page, site, make, settings):
    settings.COMMENTS_MIN_SECONDS = 1
    first, second = make.article(), make.article()
    page.goto(site.url + first.get_absolute_url())
    fill_and_post(page, settings, "No need to remember me.", remember=False)
    assert COOKIE not in {c["name"] for c in page.context.cookies()}
    page.goto(site.url + second.get_absolute_url())
    expect(page.locator("#leave-a-reply").get_by_role("textbox", name="Name")).to_have_value("")


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_without_javascript_the_box_is_not_offered(page, site, make):
    story = make.article()
    page.goto(site.url + story.get_absolute_url())
    expect(page.get_by_role("checkbox", name=LABEL)).to_have_count(0)
