"""The newsletter desk: "Send…" sends only from its confirmation page, the issue's buttons on its
page and its preview, a draft's "View on site", test mails whose every link works for the editor,
progress as JSON with Pause and Resume, and the stories' order by position."""

import email
import email.policy
import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from newsletter.models import Delivery, Issue, Subscriber
from tests.newsletter.test_admin import issue_form, run_action

pytestmark = pytest.mark.django_db


def send_url(issue):
    return reverse("admin:newsletter_issue_send", args=[issue.pk])


def change_url(issue):
    return reverse("admin:newsletter_issue_change", args=[issue.pk])


def preview_url(issue):
    return reverse("admin:newsletter_issue_preview", args=[issue.pk])


@pytest.fixture
def sendable(make):
    make.subscribers(3)
    make.subscriber(status=Subscriber.Status.PENDING)  # not confirmed: not counted, not sent to
    return make.issue(
        subject="The week in transport",
        articles=[make.article(headline="Night buses return"), make.article(headline="Tram")],
    )


def test_the_send_action_only_opens_the_confirmation_page(editor_client, sendable, mailoutbox):
    response = run_action(editor_client, "issue", "send_now", [sendable.pk])
    assert response.status_code == 302 and response["Location"] == send_url(sendable)
    sendable.refresh_from_db()
    assert sendable.status == Issue.Status.DRAFT
    assert not sendable.deliveries.exists() and not mailoutbox


def test_the_send_action_refuses_several_issues_at_once(editor_client, make, sendable):
    other = make.issue()
    response = run_action(editor_client, "issue", "send_now", [sendable.pk, other.pk], follow=True)
    assert "Choose one issue" in response.text
    assert not Delivery.objects.exists()


def test_confirmation_page_shows_subject_stories_count_and_when(editor_client, sendable):
    response = editor_client.get(send_url(sendable))
    assert response.status_code == 200
    page = response.text
    assert "The week in transport" in page
    assert page.index("Night buses return") < page.index("Tram<")
    assert "3 confirmed subscribers" in page
    assert "Now, as soon as you press the button" in page
    assert 'value="Send to 3 subscribers now"' in page
    assert change_url(sendable) in page  # a way back
    assert not Delivery.objects.exists()


def test_only_confirming_on_that_page_sends(
    editor_client, sendable, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        # A post without the page's confirmation (a forged or stray form) sends nothing.
        response = editor_client.post(send_url(sendable), {})
        assert response.status_code == 409
        assert "Nothing was sent" in response.text
        assert not mailoutbox and not Delivery.objects.exists()
        key = editor_client.get(send_url(sendable)).context["confirmation_key"]
        response = editor_client.post(send_url(sendable), {"confirm": key})
    assert response["Location"] == change_url(sendable)
    sendable.refresh_from_db()
    assert sendable.status == Issue.Status.SENT
    assert sorted(m.to[0] for m in mailoutbox) == [f"bulk{i}@example.com" for i in range(3)]


def test_a_confirmation_of_an_issue_changed_since_sends_nothing(editor_client, sendable):
    key = editor_client.get(send_url(sendable)).context["confirmation_key"]
    Issue.objects.filter(pk=sendable.pk).update(subject="Edited in another tab")
    response = editor_client.post(send_url(sendable), {"confirm": key})
    assert response.status_code == 409
    assert "Edited in another tab" in response.text  # shown again, as it is now
    assert not Delivery.objects.exists()


def test_an_issue_that_cannot_go_says_why_on_the_send_page(editor_client, make):
    empty = make.issue(articles=[])
    page = editor_client.get(send_url(empty)).text
    assert "has no stories" in page and 'name="confirm"' not in page
    sent = make.issue(status=Issue.Status.SENT)
    assert "was already sent" in editor_client.get(send_url(sent)).text


def test_sending_needs_the_change_permission(staff_client, sendable):
    moderator = staff_client(["Moderators"])
    assert moderator.get(send_url(sendable)).status_code == 403
    assert (
        moderator.post(send_url(sendable), {"confirm": sendable.confirmation_key()}).status_code
        == 403
    )
    assert not Delivery.objects.exists()


def test_the_issue_page_and_its_preview_have_the_test_and_send_buttons(editor_client, sendable):
    test_action = reverse("admin:newsletter_issue_test", args=[sendable.pk])
    for url in [change_url(sendable), preview_url(sendable)]:
        page = editor_client.get(url).text
        assert f'action="{test_action}"' in page, url
        assert ">Send a test to me</button>" in page, url
        assert f'href="{send_url(sendable)}"' in page, url


def test_the_preview_page_has_the_admin_header_and_a_way_back(editor_client, sendable):
    page = editor_client.get(preview_url(sendable)).text
    assert 'id="site-name"' in page  # the admin's own header
    assert f'href="{change_url(sendable)}"' in page and "Back to the issue" in page
    frame = reverse("admin:newsletter_issue_preview_email", args=[sendable.pk])
    assert f'src="{frame}"' in page
    email_page = editor_client.get(frame)
    assert email_page["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in email_page["Content-Security-Policy"]


def test_send_a_test_button_mails_the_editor_and_comes_back(editor_client, sendable, mailoutbox):
    url = reverse("admin:newsletter_issue_test", args=[sendable.pk])
    assert editor_client.get(url).status_code == 405
    response = editor_client.post(url, {"next": preview_url(sendable)})
    assert response["Location"] == preview_url(sendable)
    assert [m.to for m in mailoutbox] == [["editor@example.com"]]
    # Somewhere else than this site is not a place to come back to.
    response = editor_client.post(url, {"next": "https://evil.example/"})
    assert response["Location"] == change_url(sendable)


def test_view_on_site_of_a_draft_opens_the_staff_preview(editor_client, make, sendable):
    page = editor_client.get(change_url(sendable)).text
    assert f'href="{preview_url(sendable)}" class="viewsitelink"' in page
    assert editor_client.get(preview_url(sendable)).status_code == 200
    sent = make.issue(status=Issue.Status.SENT)
    page = editor_client.get(change_url(sent)).text
    assert f'href="{sent.get_absolute_url()}" class="viewsitelink"' in page


def links_in(raw):
    message = email.message_from_bytes(raw, policy=email.policy.default)
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    return message, set(re.findall(r'href="([^"]+)"', html)) | set(
        re.findall(r"https?://\S+", text)
    )


def test_every_link_in_a_test_mail_works_for_the_editor(
    editor_client, sendable, smtp_server, settings
):
    editor_client.post(reverse("admin:newsletter_issue_test", args=[sendable.pk]))
    assert smtp_server.count == 1
    recipients, raw = smtp_server.messages[0]
    assert recipients == ["editor@example.com"]
    message, links = links_in(raw)
    # No personal links for a subscriber the editor may not be: no unsubscribe header either.
    assert message["List-Unsubscribe"] is None
    assert "test copy" in message.get_body(("plain",)).get_content()
    site = urlsplit(settings.SITE_URL).netloc
    ours = [link for link in links if urlsplit(link).netloc == site]
    assert any("preview" in link for link in ours)  # "read in your browser"
    for link in ours:
        response = editor_client.get(urlsplit(link).path, follow=True)
        assert response.status_code == 200, link


def test_a_subscribers_copy_still_has_its_personal_links(make, sendable):
    from newsletter.emails import RenderedIssue, raw_bytes

    reader = Subscriber.objects.confirmed().first()
    message, links = links_in(raw_bytes(RenderedIssue(sendable).message_for(reader)))
    assert message["List-Unsubscribe"]
    assert reader.get_unsubscribe_url() in links and reader.get_manage_url() in links


def test_progress_is_json_for_the_issue_page_to_poll(editor_client, make):
    make.subscribers(4)
    issue = make.issue().start_sending()
    ids = list(issue.deliveries.values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=ids[:2]).update(status="sent")
    Delivery.objects.filter(pk=ids[2]).update(status="failed")
    response = editor_client.get(reverse("admin:newsletter_issue_progress", args=[issue.pk]))
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert (data["status"], data["sent"], data["remaining"], data["failed"]) == (
        "sending",
        2,
        1,
        1,
    )
    assert data["eta_seconds"] is not None
    page = editor_client.get(change_url(issue)).text
    assert 'id="issue-progress"' in page and 'data-status="sending"' in page
    assert "newsletter/progress.js" in page
    assert ">Pause sending</button>" in page


def test_pause_then_resume_from_the_issue_page(
    editor_client, make, mailoutbox, django_capture_on_commit_callbacks
):
    make.subscribers(2)
    issue = make.issue().start_sending()
    pause = reverse("admin:newsletter_issue_pause", args=[issue.pk])
    assert editor_client.get(pause).status_code == 405
    response = editor_client.post(pause, follow=True)
    assert "Paused: nothing more goes out" in response.text
    issue.refresh_from_db()
    assert issue.status == Issue.Status.PAUSED
    assert "Paused by" in issue.pause_reason
    assert ">Resume sending</button>" in response.text
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(reverse("admin:newsletter_issue_resume", args=[issue.pk]))
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT and len(mailoutbox) == 2


def test_stories_reorder_with_the_position_fields(editor_client, make):
    first, second, third = (make.article(headline=f"Story {n}") for n in range(3))
    issue = make.issue(articles=[first, second, third])
    data = issue_form(issue)
    # Without the drag script, the Position fields are the order: third first, first last.
    data |= {"items-0-position": "2", "items-1-position": "1", "items-2-position": "0"}
    response = editor_client.post(change_url(issue), data)
    assert response.status_code == 302, response.content
    assert [a.headline for a in issue.ordered_articles()] == ["Story 2", "Story 1", "Story 0"]
    assert "newsletter/reorder.js" in editor_client.get(change_url(issue)).text


@pytest.mark.parametrize("name", ["send", "test", "pause", "progress", "preview", "preview_email"])
def test_an_issue_that_does_not_exist_is_a_404_not_a_500(editor_client, name):
    url = reverse(f"admin:newsletter_issue_{name}", args=[1]).replace("/1/", f"/{'9' * 30}/")
    assert editor_client.post(url).status_code == 404


def test_every_desk_page_leads_back_through_the_issues(editor_client, sendable):
    from lxml import html

    best = reverse("admin:newsletter_issue_create_from_best")
    pages = {
        best: ["Home", "Newsletter", "Issues", "Create an issue from the best recent stories"],
        preview_url(sendable): ["Home", "Newsletter", "Issues", sendable.subject, "Preview"],
        send_url(sendable): ["Home", "Newsletter", "Issues", sendable.subject, "Send"],
    }
    for url, expected in pages.items():
        tree = html.fromstring(editor_client.get(url).content)
        crumbs = [li.text_content().strip() for li in tree.xpath('//ol[@class="breadcrumbs"]/li')]
        assert crumbs == expected, url
        assert tree.xpath('//link[contains(@href, "newsletter/admin")]'), url
