"""The newsletter desk in a real browser: the "Send…" confirmation (axe-clean, in both themes),
the preview with the admin's header, and the stories reordered by dragging."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from newsletter.models import Issue
from tests.browser.test_standards import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def issue(make):
    make.staff(["Editors"], username="editor", password=PASSWORD, email="editor@example.com")
    make.subscribers(12)
    return make.issue(
        subject="The week in transport",
        articles=[make.article(headline=f"Story {n}") for n in range(3)],
    )


def log_in(page, site, next_url):
    page.goto(site.url + reverse("admin:login") + "?next=" + next_url)
    page.get_by_label("Username").fill("editor")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


@pytest.mark.browser_context_args(bypass_csp=True)  # axe is injected inline: lifted for it only
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_send_confirmation_page_is_clear_and_axe_clean(
    page, site, issue, axe_path, artifacts, scheme
):
    page.emulate_media(color_scheme=scheme)
    log_in(page, site, reverse("admin:newsletter_issue_change", args=[issue.pk]))
    page.get_by_role("link", name="Send…").click()
    expect(page.locator("h1")).to_have_text("Send “The week in transport”?")
    expect(page.locator(".issue-send__facts")).to_contain_text("12 confirmed subscribers")
    expect(page.locator(".issue-send__stories li")).to_have_count(3)
    page.screenshot(path=artifacts / f"newsletter-send-confirm-{scheme}.png", full_page=True)
    assert axe_violations(page, axe_path) == []
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.DRAFT


def test_preview_has_the_admin_header_and_the_email_under_the_strict_policy(
    page, site, issue, artifacts
):
    problems = []
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and "Failed to load resource" not in m.text
            and problems.append(m.text)
        ),
    )
    log_in(page, site, reverse("admin:newsletter_issue_change", args=[issue.pk]))
    page.get_by_role("link", name="View on site").click()
    expect(page.locator("#site-name")).to_be_visible()
    frame = page.frame_locator(".issue-preview__frame")
    expect(frame.locator("h2").first).to_contain_text("Story 0")
    page.screenshot(path=artifacts / "newsletter-preview.png", full_page=True)
    page.get_by_role("link", name="Back to the issue").click()
    expect(page).to_have_url(site.url + reverse("admin:newsletter_issue_change", args=[issue.pk]))
    assert problems == []


def test_stories_reorder_by_dragging_and_the_order_is_saved(page, site, issue):
    log_in(page, site, reverse("admin:newsletter_issue_change", args=[issue.pk]))
    rows = page.locator("#items-group tbody tr.story-row.has_original")
    expect(rows).to_have_count(3)
    # Drag the last story above the first, by its row (its handle, not a field in it).
    rows.nth(2).locator(".story-drag-handle").drag_to(rows.nth(0).locator(".story-drag-handle"))
    positions = page.locator('#items-group input[name$="-position"]')
    expect(positions.nth(0)).to_have_value("0")
    # Then the keyboard way: move the (now) second row down.
    rows.nth(1).get_by_role("button", name="Move down").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("changed successfully")
    order = [a.headline for a in Issue.objects.get(pk=issue.pk).ordered_articles()]
    assert order == ["Story 2", "Story 1", "Story 0"]


def test_progress_refreshes_without_reloading_and_pause_then_resume(page, site, issue):
    from newsletter.models import Delivery

    issue.start_sending()  # twelve recipients queued; no worker runs in this test
    log_in(page, site, reverse("admin:newsletter_issue_change", args=[issue.pk]))
    panel = page.locator("#issue-progress")
    expect(panel.locator('[data-field="remaining"]')).to_have_text("12")
    page.evaluate("window.notReloaded = true")  # gone if the page reloads
    ids = list(issue.deliveries.values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=ids[:5]).update(status="sent")
    Delivery.objects.filter(pk=ids[5]).update(status="failed")
    expect(panel.locator('[data-field="sent"]')).to_have_text("5")
    expect(panel.locator('[data-field="remaining"]')).to_have_text("6")
    expect(panel.locator('[data-field="failed"]')).to_have_text("1")
    expect(panel.locator('[data-field="eta"]')).not_to_have_text("–")
    assert page.evaluate("window.notReloaded") is True

    with page.expect_navigation():
        page.get_by_role("button", name="Pause sending").click()
    expect(page.locator(".messagelist")).to_contain_text("Paused")
    expect(panel).to_contain_text("Paused by editor")
    assert Issue.objects.get(pk=issue.pk).status == Issue.Status.PAUSED
    expect(page.get_by_role("button", name="Resume sending")).to_be_visible()


@pytest.mark.browser_context_args(bypass_csp=True)  # axe is injected inline: lifted for it only
def test_axe_finds_no_violations_on_the_preview_page(page, site, issue, axe_path):
    log_in(page, site, reverse("admin:newsletter_issue_preview", args=[issue.pk]))
    expect(page.locator(".issue-preview__frame")).to_be_visible()
    assert axe_violations(page, axe_path) == []
