"""A reader comments, a moderator approves, it is published; nothing a reader types runs."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from comments.models import Comment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def test_reader_posts_a_comment_and_a_moderator_publishes_it(
    page, browser, site, make, settings, artifacts
):
    settings.COMMENTS_MIN_SECONDS = 1  # the real rule, shortened; the test waits it out
    story = make.article(headline="Night buses return")
    page.goto(site.url + story.get_absolute_url())
    form = page.locator("#leave-a-reply form")
    form.get_by_role("textbox", name="Name").fill("Ada Reader")
    form.get_by_role("textbox", name="Email", exact=True).fill("ada@example.com")
    form.get_by_role("textbox", name="Website").fill("https://ada.example.com")
    form.get_by_role("textbox", name="Comment").fill("Finally!\n\nThe 2 a.m. bus is back.")
    page.wait_for_timeout(1200)
    form.get_by_role("button", name="Post comment").click()

    expect(page).to_have_url(re.compile(r"#comment-\d+$"))
    expect(page.locator(".messages")).to_contain_text("awaiting moderation")
    mine = page.locator(".comment--pending")
    expect(mine).to_contain_text("The 2 a.m. bus is back.")
    expect(mine).to_contain_text("Only you can see it")
    # The reader lands on their comment: its note is on screen, not scrolled past or below.
    expect(mine.locator(".comment__status")).to_be_in_viewport()
    expect(page.locator("#comments-heading")).to_have_text("Your comment is awaiting moderation")
    page.screenshot(path=artifacts / "comment-awaiting-moderation.png", full_page=True)
    assert Comment.objects.get().held_reasons == ""

    make.user(groups=["Moderators"], is_staff=True, username="mod", password=PASSWORD)
    moderator_context = browser.new_context()
    admin = moderator_context.new_page()
    admin.goto(site.url + reverse("admin:login") + "?next=" + reverse("admin:index"))
    admin.get_by_label("Username").fill("mod")
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    expect(admin.locator(".comments-pending")).to_contain_text("1 comment awaiting moderation")
    admin.get_by_role("link", name="as a list, for bulk actions").click()
    admin.locator("input[name=_selected_action]").first.check()
    admin.locator("select[name=action]").select_option("approve")
    admin.get_by_role("button", name=re.compile("Go|Run")).click()
    expect(admin.locator(".messagelist")).to_contain_text("Approved 1 comment(s)")
    moderator_context.close()

    page.reload()
    published = page.locator("#comments .comment").first
    expect(published).to_contain_text("The 2 a.m. bus is back.")
    expect(page.locator(".comment--pending")).to_have_count(0)
    expect(page.locator("#comments-heading")).to_have_text("1 comment")
    expect(published.get_by_role("link", name="Ada Reader", exact=True)).to_have_attribute(
        "rel", "nofollow ugc noopener"
    )
    page.screenshot(path=artifacts / "comment-published.png", full_page=True)


PAYLOADS = [
    "<script>window.__xss=1</script>",
    '"><script>window.__xss=2</script>',
    "<img src=x onerror=window.__xss=3>",
    "<svg onload=window.__xss=4>",
    "<iframe src=javascript:window.__xss=5></iframe>",
    "javascript:window.__xss=6",
    '" onmouseover="window.__xss=7" x="',
    "' autofocus onfocus='window.__xss=8' x='",
    '<a href="javascript:window.__xss=9">click</a>',
    "</textarea><script>window.__xss=10</script>",
    "<details open ontoggle=window.__xss=11>",
    "<body onload=window.__xss=12>",
    "{{ 7*7 }}{% csrf_token %}<style>*{display:none}</style>",
    'https://example.com/"><script>window.__xss=13</script>',
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=14>",
    "&lt;script&gt;window.__xss=15&lt;/script&gt;",
    "http://example.com/?a=<script>window.__xss=16</script>",
]
ALLOWED_TAGS = {"ARTICLE", "HEADER", "SPAN", "A", "TIME", "STRONG", "DIV", "P", "BR", "OL", "LI"}


def test_script_injection_in_name_website_and_body_never_runs(page, site, make, settings, client):
    settings.COMMENTS_MIN_SECONDS = 0
    settings.COMMENTS_RATE_LIMIT = 0
    story = make.article()
    url = reverse("comments:post", args=[story.pk])
    posted = 0
    for n, payload in enumerate(PAYLOADS):
        data = make.comment_form_data(
            name=payload[:100], body=f"{payload} #{n}", website=payload, email=f"x{n}@example.com"
        )
        response = client.post(url, data)
        if response.status_code == 400:  # the website is not a web address: post without it
            response = client.post(url, {**data, "website": ""})
        assert response.status_code == 302
        posted += 1
        # The form refuses most of these as websites; the page must cope if one ever got in.
        make.comment(story, name=f"Direct {n}", website=payload, body=payload, status="pending")
    Comment.objects.all().approve()
    assert Comment.objects.approved().count() == posted + len(PAYLOADS)

    dialogs, csp_violations = [], []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on(
        "console",
        lambda msg: csp_violations.append(msg.text) if "Content Security Policy" in msg.text else 0,
    )
    page.goto(site.url + story.get_absolute_url())
    expect(page.locator("#comments .comment")).to_have_count(2 * len(PAYLOADS))
    page.locator(".comment__author a").first.hover()
    page.wait_for_timeout(300)

    assert dialogs == []
    assert csp_violations == []
    assert page.evaluate("window.__xss") is None
    tags = set(page.eval_on_selector_all("#comments .comment *", "els => els.map(e => e.tagName)"))
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    handlers = page.evaluate(
        """() => [...document.querySelectorAll('*')].flatMap(
            el => [...el.attributes].filter(a => a.name.startsWith('on')).map(a => a.name))"""
    )
    assert handlers == []
    hrefs = page.eval_on_selector_all("#comments .comment a", "els => els.map(a => a.href)")
    assert all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    bodies = page.locator(".comment__body").all_inner_texts()
    for payload in PAYLOADS:
        assert any(payload in text for text in bodies), payload
