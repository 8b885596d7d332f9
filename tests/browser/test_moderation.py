"""The moderation queue in a real browser: triage by keyboard alone, nothing wider than the
screen at 1,280 px, no axe violations, and the buttons working with JavaScript off."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from comments.models import Comment, ModerationLogEntry
from tests.browser.test_standards import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
QUEUE = reverse("admin:comments_comment_queue")


@pytest.fixture
def queue(make):
    """Three waiting comments, one a reply, one with a long unbroken address, and a moderator."""
    make.staff(["Moderators"], username="mod", password=PASSWORD, email="mod@example.com")
    story = make.article(headline="Night buses return to the city centre after ten years")
    parent = make.comment(story, name="First Reader", body="Good news for shift workers.")
    start = timezone.now() - timedelta(hours=2)
    long_word = "https://example.com/" + "a-very-long-path-" * 20
    return [
        make.comment(
            story,
            status="pending",
            name="Ada Reader",
            website="https://ada.example.com/" + "x" * 150,
            body="The 2 a.m. bus is back.\n\nFinally!",
            created_at=start,
            held_reasons="no valid form timestamp",
        ),
        make.comment(
            story,
            parent=parent,
            status="pending",
            name="Spammy McSpam",
            body=f"Cheap watches {long_word}",
            created_at=start + timedelta(minutes=1),
            held_reasons="3 links",
        ),
        make.comment(
            story,
            status="pending",
            name="Grumpy",
            body="Nobody asked for buses.",
            created_at=start + timedelta(minutes=2),
        ),
    ]


def log_in(page, site):
    page.goto(site.url + reverse("admin:login") + "?next=" + QUEUE)
    page.get_by_label("Username").fill("mod")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_have_text("Moderation queue")


def test_moderator_triages_three_comments_with_the_keyboard_alone(page, site, queue, artifacts):
    problems = []
    # Script errors and CSP violations reach the console (the browser's own /favicon.ico
    # request is not ours to answer here).
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and "Failed to load resource" not in m.text
            and problems.append(m.text)
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, site)
    expect(page.locator("#queue-keys")).to_be_visible()
    expect(page.locator("#queue-keys")).to_contain_text("j next comment")
    first, second, third = queue
    expect(page.locator(f"#card-{first.pk}")).to_be_focused()
    page.screenshot(path=artifacts / "moderation-queue.png", full_page=True)

    page.keyboard.press("j")
    expect(page.locator(f"#card-{second.pk}")).to_be_focused()
    page.keyboard.press("k")
    expect(page.locator(f"#card-{first.pk}")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("a")  # approve the first
    expect(page.locator(".messagelist")).to_contain_text("Approved")
    # Back at the same place: the next card, focused and ready for the next key.
    expect(page.locator(f"#card-{second.pk}")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("s")  # the second is spam
    expect(page.locator(f"#card-{third.pk}")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("r")  # reject the third
    expect(page.locator(".queue-card")).to_have_count(0)
    expect(page.locator(".queue__summary")).to_contain_text("No comment is waiting")

    statuses = dict(
        Comment.objects.filter(pk__in=[c.pk for c in queue]).values_list("pk", "status")
    )
    assert statuses == {first.pk: "approved", second.pk: "spam", third.pk: "rejected"}
    assert ModerationLogEntry.objects.count() == 3
    assert problems == []


def test_queue_has_no_sideways_scroll_at_1280_pixels_and_wider(page, site, queue):
    log_in(page, site)
    for width in [1280, 1440, 1920]:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(site.url + QUEUE)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{width} px: {overflow} px of sideways scrolling"
        # Every card's buttons are on screen, not cut off.
        for button in page.locator(".queue-card button").all():
            box = button.bounding_box()
            assert box is not None and box["x"] + box["width"] <= width, width


# axe is injected as an inline script, which our strict CSP rightly blocks: lifted for it only.
@pytest.mark.browser_context_args(bypass_csp=True)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_on_the_queue(page, site, queue, axe_path, scheme):
    page.emulate_media(color_scheme=scheme)
    log_in(page, site)
    page.locator(".queue-card details summary").first.click()  # an open reply form too
    assert axe_violations(page, axe_path) == []


@pytest.mark.browser_context_args(java_script_enabled=False)
def test_with_javascript_off_each_card_is_a_form_that_works(page, site, queue):
    log_in(page, site)
    expect(page.locator("#queue-keys")).to_be_hidden()
    first = queue[0]
    with page.expect_navigation():
        page.locator(f"#card-{first.pk}").get_by_role("button", name="Approve").click()
    expect(page.locator(".messagelist")).to_contain_text("Approved")
    assert page.url.endswith(f"#card-{queue[1].pk}")
    assert Comment.objects.get(pk=first.pk).status == "approved"
