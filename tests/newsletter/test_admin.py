import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from newsletter.models import Delivery, Issue, Subscriber

pytestmark = pytest.mark.django_db


def run_action(client, model, action, ids, *, follow=False, **extra):
    url = reverse(f"admin:newsletter_{model}_changelist")
    return client.post(url, {"action": action, "_selected_action": ids, **extra}, follow=follow)


def test_export_one_subscribers_data_as_json(editor_client, make):
    reader = make.subscriber(email="data@example.com", name="Dee", consent_ip="203.0.113.0")
    issue = make.issue(subject="Sent one")
    sent_at = timezone.now() - timedelta(days=2)
    Delivery.objects.create(issue=issue, subscriber=reader, status="sent", sent_at=sent_at)
    response = run_action(editor_client, "subscriber", "export_data", [reader.pk])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["email"] == "data@example.com"
    assert data["name"] == "Dee"
    assert data["consent"]["ip"] == "203.0.113.0"
    assert data["consent"]["source"] == "/"
    assert data["deliveries"] == [
        {"issue": "Sent one", "status": "sent", "sent_at": sent_at.isoformat()}
    ]


def test_erase_removes_the_subscriber_and_their_delivery_records(editor_client, make):
    reader = make.subscriber(email="forget@example.com")
    keep = make.subscriber()
    issue = make.issue()
    Delivery.objects.create(issue=issue, subscriber=reader)
    response = run_action(editor_client, "subscriber", "erase", [reader.pk], follow=True)
    assert "Erased 1 subscriber(s) and their delivery records." in response.text
    assert not Subscriber.objects.filter(email="forget@example.com").exists()
    assert not Delivery.objects.filter(subscriber_id=reader.pk).exists()
    assert Subscriber.objects.filter(pk=keep.pk).exists()


def test_create_issue_from_the_best_of_the_last_n_days(editor_client, make):
    now = timezone.now()
    old = make.article(headline="Too old", published_at=now - timedelta(days=10))
    recent = make.article(headline="Recent", published_at=now - timedelta(hours=1))
    older = make.article(headline="Older", published_at=now - timedelta(days=2))
    featured = make.article(
        headline="Featured", is_featured=True, published_at=now - timedelta(days=3)
    )
    make.article(headline="Draft", status="draft")
    url = reverse("admin:newsletter_issue_create_from_best")
    assert editor_client.get(url).status_code == 200
    assert url in editor_client.get(reverse("admin:newsletter_issue_changelist")).text
    response = editor_client.post(url, {"days": 7, "limit": 8, "subject": ""})
    issue = Issue.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:newsletter_issue_change", args=[issue.pk])
    assert issue.status == Issue.Status.DRAFT
    assert issue.ordered_articles() == [featured, recent, older]
    assert old not in issue.ordered_articles()
    assert editor_client.get(response["Location"]).status_code == 200


def test_create_from_best_refuses_a_bad_number_of_days(editor_client):
    response = editor_client.post(reverse("admin:newsletter_issue_create_from_best"), {"days": "0"})
    assert response.status_code == 400
    assert not Issue.objects.exists()


def test_preview_shows_the_rendered_html_email(editor_client, make):
    issue = make.issue(articles=[make.article(headline="Previewed story")])
    # The preview page frames the email itself, which comes under its own sandboxing policy.
    response = editor_client.get(reverse("admin:newsletter_issue_preview_email", args=[issue.pk]))
    assert response.status_code == 200
    assert "Previewed story" in response.text
    assert 'style="' in response.text
    assert "sandbox" in response["Content-Security-Policy"]
    change = editor_client.get(reverse("admin:newsletter_issue_change", args=[issue.pk]))
    assert reverse("admin:newsletter_issue_preview", args=[issue.pk]) in change.text


def test_send_a_test_to_me(editor_client, make, mailoutbox):
    make.subscribers(3)
    issue = make.issue(subject="Test me")
    run_action(editor_client, "issue", "send_test_to_me", [issue.pk])
    assert [m.to for m in mailoutbox] == [["editor@example.com"]]
    assert mailoutbox[0].subject == "[Test] Test me"
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT
    assert not issue.deliveries.exists()


def test_send_action_sends_to_confirmed_subscribers_through_the_task(
    editor_client, make, mailoutbox, django_capture_on_commit_callbacks
):
    make.subscribers(3)
    make.subscriber(status=Subscriber.Status.PENDING)
    issue = make.issue()
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(editor_client, "issue", "send_now", [issue.pk])
        # The action only leads to the confirmation page (tests/newsletter/test_desk.py)...
        send_page = reverse("admin:newsletter_issue_send", args=[issue.pk])
        assert response["Location"] == send_page
        assert not mailoutbox
        # ...where confirming sends.
        key = editor_client.get(send_page).context["confirmation_key"]
        editor_client.post(send_page, {"confirm": key})
    assert len(mailoutbox) == 3
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT


def test_progress_with_eta_is_shown_in_the_admin(editor_client, make):
    make.subscribers(4)
    issue = make.issue().start_sending()
    ids = list(issue.deliveries.values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=ids[:2]).update(status="sent")
    Delivery.objects.filter(pk=ids[2]).update(status="failed")
    listing = editor_client.get(reverse("admin:newsletter_issue_changelist")).text
    assert "2 sent / 1 remaining / 1 failed" in listing
    assert "ETA" in listing
    change = editor_client.get(reverse("admin:newsletter_issue_change", args=[issue.pk])).text
    assert "2 sent / 1 remaining / 1 failed" in change


def issue_form(issue, **changes):
    """The change form as the admin posts it, with the issue's stories as they are."""
    items = list(issue.items.all())
    data = {
        "subject": issue.subject,
        "intro": issue.intro,
        "status": issue.status,
        "scheduled_at_0": "",
        "scheduled_at_1": "",
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for n, item in enumerate(items):
        data |= {
            f"items-{n}-id": item.pk,
            f"items-{n}-issue": issue.pk,
            f"items-{n}-position": item.position,
            f"items-{n}-article": item.article_id,
        }
    data.update(changes)
    return data


def test_scheduled_issue_is_sent_when_due(
    editor_client, make, mailoutbox, django_capture_on_commit_callbacks
):
    make.subscribers(2)
    issue = make.issue()
    past = timezone.localtime() - timedelta(minutes=1)
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            url,
            issue_form(
                issue,
                status="scheduled",
                scheduled_at_0=past.strftime("%Y-%m-%d"),
                scheduled_at_1=past.strftime("%H:%M:%S"),
            ),
        )
    assert response.status_code == 302
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert len(mailoutbox) == 2


def test_scheduling_needs_a_time_and_editors_cannot_mark_an_issue_sent(editor_client, make):
    issue = make.issue()
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    response = editor_client.post(url, issue_form(issue, status="scheduled"))
    assert response.status_code == 200
    assert "Give the time a scheduled issue goes out." in response.text
    response = editor_client.post(url, issue_form(issue, status="sent"))
    assert "use the “Send” action" in response.text
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT


def test_deliveries_are_listed_read_only_with_their_errors(editor_client, make):
    reader = make.subscriber(email="bounce@example.com")
    Delivery.objects.create(
        issue=make.issue(), subscriber=reader, status="failed", last_error="550 No such user"
    )
    listing = editor_client.get(
        reverse("admin:newsletter_delivery_changelist"), {"status": "failed"}
    )
    assert listing.status_code == 200
    assert "550 No such user" in listing.text
    assert editor_client.get(reverse("admin:newsletter_delivery_add")).status_code == 403


def test_editors_group_runs_the_newsletter_but_cannot_add_readers_by_hand(editor_client, make):
    issue = make.issue()
    reader = make.subscriber(consent_ip="203.0.113.0")
    for url in [
        reverse("admin:newsletter_issue_changelist"),
        reverse("admin:newsletter_issue_add"),
        reverse("admin:newsletter_issue_change", args=[issue.pk]),
        reverse("admin:newsletter_issue_create_from_best"),
        reverse("admin:newsletter_issue_preview", args=[issue.pk]),
        reverse("admin:newsletter_subscriber_changelist"),
        reverse("admin:newsletter_subscriber_change", args=[reader.pk]),
        reverse("admin:newsletter_delivery_changelist"),
    ]:
        assert editor_client.get(url).status_code == 200, url
    change = editor_client.get(reverse("admin:newsletter_subscriber_change", args=[reader.pk])).text
    assert "203.0.113.0" in change  # the consent record is shown, read-only
    assert 'name="consent_ip"' not in change
    # Readers join through the double opt-in only.
    assert editor_client.get(reverse("admin:newsletter_subscriber_add")).status_code == 403


def test_erasing_a_subscriber_needs_the_delete_permission(client, make):
    from django.contrib.auth.models import Permission

    viewer = make.staff()
    viewer.user_permissions.add(Permission.objects.get(codename="view_subscriber"))
    client.force_login(viewer)
    reader = make.subscriber(email="stay@example.com")
    listing = client.get(reverse("admin:newsletter_subscriber_changelist"))
    assert 'value="export_data"' in listing.text
    assert 'value="erase"' not in listing.text
    run_action(client, "subscriber", "erase", [reader.pk])
    assert Subscriber.objects.filter(pk=reader.pk).exists()


def test_editors_cannot_change_a_subscribers_address(editor_client, make):
    reader = make.subscriber(email="mine@example.com", name="Mine")
    url = reverse("admin:newsletter_subscriber_change", args=[reader.pk])
    page = editor_client.get(url).text
    assert "mine@example.com" in page
    assert 'name="email"' not in page  # a new address needs its own sign-up and consent
    response = editor_client.post(
        url, {"email": "other@example.com", "name": "Mine", "status": "confirmed"}
    )
    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.email == "mine@example.com"


def test_create_from_best_with_no_recent_story_says_so_and_creates_nothing(editor_client, make):
    make.article(published_at=timezone.now() - timedelta(days=30))
    url = reverse("admin:newsletter_issue_create_from_best")
    response = editor_client.post(url, {"days": 7, "limit": 8, "subject": "Quiet week"})
    assert response.status_code == 400
    assert "No story was published in the last 7 days" in response.text
    assert 'value="Quiet week"' in response.text
    assert not Issue.objects.exists()


def test_an_issue_without_stories_cannot_be_scheduled(editor_client, make, mailoutbox):
    make.subscribers(2)
    issue = make.issue(articles=[])
    soon = timezone.localtime() - timedelta(minutes=1)
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    response = editor_client.post(
        url,
        issue_form(
            issue,
            status="scheduled",
            subject="Kept subject",
            scheduled_at_0=soon.strftime("%Y-%m-%d"),
            scheduled_at_1=soon.strftime("%H:%M:%S"),
        ),
    )
    assert response.status_code == 200
    assert "Add at least one story before scheduling the issue." in response.text
    assert 'value="Kept subject"' in response.text
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT
    assert not mailoutbox


def test_removing_the_last_story_of_a_scheduled_issue_is_refused(editor_client, make):
    issue = make.issue(status="scheduled", scheduled_at=timezone.now() + timedelta(days=1))
    data = issue_form(issue, **{"items-0-DELETE": "on"})
    data["scheduled_at_0"], data["scheduled_at_1"] = (
        timezone.localtime(issue.scheduled_at).strftime("%Y-%m-%d %H:%M:%S").split()
    )
    response = editor_client.post(reverse("admin:newsletter_issue_change", args=[issue.pk]), data)
    assert response.status_code == 200
    assert "Add at least one story before scheduling the issue." in response.text
    assert issue.items.count() == 1


def test_editors_can_unsubscribe_a_reader_but_never_confirm_one(editor_client, make):
    pending = make.subscriber(email="pending@example.com", status=Subscriber.Status.PENDING)
    url = reverse("admin:newsletter_subscriber_change", args=[pending.pk])
    form = {"name": "Pat", "status": "confirmed"}
    response = editor_client.post(url, form)
    assert response.status_code == 200
    assert "Readers confirm their subscription themselves" in response.text
    assert 'value="Pat"' in response.text
    pending.refresh_from_db()
    assert (pending.status, pending.name) == (Subscriber.Status.PENDING, "")

    reader = make.subscriber(email="leaving@example.com")
    url = reverse("admin:newsletter_subscriber_change", args=[reader.pk])
    form = {"name": "", "status": "unsubscribed"}
    assert editor_client.post(url, form).status_code == 302
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.UNSUBSCRIBED
    assert reader.unsubscribed_at is not None


def test_stories_of_a_sent_issue_cannot_be_changed(editor_client, make):
    kept = make.article(headline="What readers got")
    issue = make.issue(articles=[kept], status="sent", sent_at=timezone.now())
    url = reverse("admin:newsletter_issue_change", args=[issue.pk])
    page = editor_client.get(url)
    assert page.status_code == 200
    assert "What readers got" in page.text
    assert 'name="items-0-article"' not in page.text
    other = make.article()
    data = issue_form(issue, **{"items-0-article": other.pk, "items-0-DELETE": "on"})
    editor_client.post(url, data)
    assert issue.ordered_articles() == [kept]


def test_a_test_send_to_an_unreachable_mail_server_says_so(editor_client, make, settings):
    from tests.smtp import free_port

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    issue = make.issue(subject="Nowhere")
    response = run_action(editor_client, "issue", "send_test_to_me", [issue.pk])
    assert response.status_code == 302
    response = editor_client.get(response["Location"])
    assert "Could not send the test of “Nowhere”" in response.text
    assert "Sent 1 test email" not in response.text


def paused_issue(make, reason="The mail server answered to the message (DATA): 554 Rejected"):
    make.subscribers(3)
    issue = make.issue(subject="Stopped issue").start_sending()
    issue.pause(reason)
    return issue


def test_a_paused_issue_shows_the_servers_answer_in_the_list_and_its_page(editor_client, make):
    issue = paused_issue(make)
    listing = editor_client.get(reverse("admin:newsletter_issue_changelist")).text
    assert "Paused: The mail server answered to the message (DATA): 554 Rejected" in listing
    page = editor_client.get(reverse("admin:newsletter_issue_change", args=[issue.pk])).text
    assert "554 Rejected" in page
    assert f'action="{reverse("admin:newsletter_issue_resume", args=[issue.pk])}"' in page
    assert ">Resume sending</button>" in page
    assert 'name="subject"' not in page  # what readers may already have got stays as it was


def test_the_resume_button_sends_the_rest(
    editor_client, make, mailoutbox, django_capture_on_commit_callbacks
):
    issue = paused_issue(make)
    url = reverse("admin:newsletter_issue_resume", args=[issue.pk])
    assert editor_client.get(url).status_code == 405  # only a POST acts
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url, follow=True)
    assert "Resumed 1 issue(s) where they stopped" in response.text
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert issue.pause_reason == ""
    assert len(mailoutbox) == 3


def test_the_resume_action_resumes_paused_issues_only(
    editor_client, make, mailoutbox, django_capture_on_commit_callbacks
):
    issue = paused_issue(make)
    draft = make.issue(subject="Not started")
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(
            editor_client, "issue", "resume_sending", [issue.pk, draft.pk], follow=True
        )
    assert "“Not started” is not paused." in response.text
    issue.refresh_from_db()
    draft.refresh_from_db()
    assert (issue.status, draft.status) == (Issue.Status.SENT, Issue.Status.DRAFT)
    assert len(mailoutbox) == 3


def test_resuming_a_paused_issue_whose_stories_are_gone_says_why_instead_of_failing(
    editor_client, make, mailoutbox, django_capture_on_commit_callbacks
):
    issue = paused_issue(make)
    issue.items.all().delete()  # e.g. its only story was deleted while it was paused
    url = reverse("admin:newsletter_issue_resume", args=[issue.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url, follow=True)
    assert response.status_code == 200
    assert "has no stories; add some before sending. Not resumed." in response.text
    issue.refresh_from_db()
    assert issue.is_paused
    assert mailoutbox == []


def test_a_paused_issue_has_no_resume_button_for_someone_who_cannot_change_it(client, make):
    from django.contrib.auth.models import Permission

    viewer = make.staff()
    viewer.user_permissions.add(Permission.objects.get(codename="view_issue"))
    client.force_login(viewer)
    issue = paused_issue(make)
    page = client.get(reverse("admin:newsletter_issue_change", args=[issue.pk])).text
    assert "554 Rejected" in page
    assert "Resume sending" not in page
    client.post(reverse("admin:newsletter_issue_resume", args=[issue.pk]))
    issue.refresh_from_db()
    assert issue.status == Issue.Status.PAUSED
