"""The moderation queue: a card per waiting comment, a button per verdict, each logged; blocking
from a comment; replying as the site. A Moderator can do it all, an Author none of it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from comments.models import BlockedTerm, Comment, ModerationLogEntry

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:comments_comment_queue")
LOG = reverse("admin:comments_moderationlogentry_changelist")
Action = ModerationLogEntry.Action


def act_url(comment):
    return reverse("admin:comments_comment_queue_action", args=[comment.pk])


@pytest.fixture
def moderator(staff_client):
    return staff_client(["Moderators"], username="mod", email="mod@example.com")


@pytest.fixture
def author(staff_client):
    return staff_client(["Authors"], username="writer")


@pytest.fixture
def waiting(make):
    """Three comments waiting, oldest first, on one story."""
    story = make.article(headline="Night buses return")
    start = timezone.now() - timedelta(hours=3)
    return [
        make.comment(
            story,
            status="pending",
            body=f"Waiting comment {n}",
            created_at=start + timedelta(minutes=n),
            held_reasons="3 links" if n == 0 else "",
        )
        for n in range(3)
    ]


def test_queue_shows_each_waiting_comment_as_a_card_with_what_a_moderator_needs(moderator, make):
    story = make.article(headline="Tram line opens")
    parent = make.comment(story, name="First Reader", body="The parent comment, in full.")
    make.comment(story, email="Regular@Example.com", body="An earlier approved one")
    make.comment(story, email="regular@example.com", status="spam", body="A spam one")
    body = "Line one of a long thought.\n\nA second paragraph <b>as typed</b>."
    comment = make.comment(
        story,
        parent=parent,
        status="pending",
        name="Ada Reader",
        email="regular@example.com",
        website="https://ada.example.com",
        body=body,
        held_reasons="3 links",
    )
    make.comment(status="approved", body="Not waiting: not in the queue")

    response = moderator.get(QUEUE)
    assert response.status_code == 200
    page = response.text
    assert f'id="card-{comment.pk}"' in page
    assert page.count('class="queue-card"') == 1
    assert "Ada Reader" in page and "regular@example.com" in page
    assert "https://ada.example.com" in page
    assert "Line one of a long thought." in page
    assert escape("A second paragraph <b>as typed</b>.") in page  # shown, never run
    assert "Tram line opens" in page
    assert f'href="{story.get_absolute_url()}?comments_page=1#comment-{comment.pk}"' in page
    assert "In reply to First Reader" in page and "The parent comment, in full." in page
    assert "3 links" in page
    # The history counts addresses whatever their case.
    assert "1 approved, 1 spam, 0 rejected, 0 deleted" in page
    for label in ["Approve", "Spam", "Reject", "Delete", "Block this address"]:
        assert f">{label}" in page
    assert "Block this IP range (192.0.2.0/24)" in page
    assert "Reply as" in page
    # Every button is a POST form with a CSRF token; the keyboard script is a static file.
    assert 'name="csrfmiddlewaretoken"' in page
    assert "comments/queue.js" in page and "<script>" not in page


def test_an_author_cannot_open_the_queue_or_use_its_buttons(author, waiting):
    assert author.get(QUEUE).status_code == 403
    for action in ["approve", "spam", "reject", "delete", "block_email", "block_ip", "reply"]:
        response = author.post(act_url(waiting[0]), {"action": action, "body": "Hi"})
        assert response.status_code == 403, action
    assert Comment.objects.pending().count() == 3
    assert not ModerationLogEntry.objects.exists()
    assert not BlockedTerm.objects.exists()


EXPECTED = {
    "approve": (Comment.Status.APPROVED, Action.APPROVED),
    "spam": (Comment.Status.SPAM, Action.SPAM),
    "reject": (Comment.Status.REJECTED, Action.REJECTED),
    "delete": (None, Action.DELETED),
}


@pytest.mark.parametrize("verdict", EXPECTED)
def test_moderator_acts_from_a_card_is_logged_and_lands_on_the_next_card(
    moderator, waiting, verdict
):
    first, second, _ = waiting
    response = moderator.post(act_url(first), {"action": verdict})
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}#card-{second.pk}"

    status, action = EXPECTED[verdict]
    if status is None:
        assert not Comment.objects.filter(pk=first.pk).exists()
    else:
        assert Comment.objects.get(pk=first.pk).status == status
    entry = ModerationLogEntry.objects.get()
    assert entry.action == action
    assert entry.moderator == moderator.user and entry.moderator_name == "mod"
    assert entry.comment_number == first.pk
    assert entry.text == "Waiting comment 0"
    assert entry.commenter_email == first.email
    assert entry.article_headline == "Night buses return"
    assert Comment.objects.pending().count() == 2
    follow = moderator.get(response["Location"]).text
    assert f'id="card-{first.pk}"' not in follow and f'id="card-{second.pk}"' in follow


def test_acting_on_the_last_card_goes_back_to_the_one_before(moderator, waiting):
    response = moderator.post(act_url(waiting[2]), {"action": "approve"})
    assert response["Location"] == f"{QUEUE}#card-{waiting[1].pk}"


def test_the_next_card_on_a_later_page_is_reached_on_its_page(moderator, make, monkeypatch):
    monkeypatch.setattr("comments.admin.QUEUE_PER_PAGE", 2)
    story = make.article()
    start = timezone.now() - timedelta(hours=1)
    comments = [
        make.comment(story, status="pending", created_at=start + timedelta(minutes=n))
        for n in range(5)
    ]
    response = moderator.post(act_url(comments[2]), {"action": "approve"})
    # Four left; the third of them (comments[3]) is the first card of page 2.
    assert response["Location"] == f"{QUEUE}?page=2#card-{comments[3].pk}"
    assert f'id="card-{comments[3].pk}"' in moderator.get(QUEUE + "?page=2").text


def test_a_deleted_comment_stays_in_the_log_with_its_words(moderator, waiting):
    moderator.post(act_url(waiting[0]), {"action": "delete"})
    entry = ModerationLogEntry.objects.get()
    assert entry.comment is None  # the comment is gone; the entry is not
    assert entry.text == "Waiting comment 0"
    listing = moderator.get(LOG).text
    assert "Waiting comment 0" in listing
    assert f"{waiting[0].pk} (deleted)" in listing


def test_a_comment_another_moderator_already_judged_is_not_judged_again(
    moderator, staff_client, waiting
):
    other = staff_client(["Moderators"], username="other")
    other.post(act_url(waiting[0]), {"action": "approve"})
    response = moderator.post(act_url(waiting[0]), {"action": "spam"}, follow=True)
    assert "no longer waiting" in response.text
    assert Comment.objects.get(pk=waiting[0].pk).status == Comment.Status.APPROVED
    assert list(ModerationLogEntry.objects.values_list("moderator_name", "action")) == [
        ("other", Action.APPROVED)
    ]


def test_queue_buttons_need_a_post_and_a_csrf_token(make, waiting):
    user = make.staff(["Moderators"])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.get(act_url(waiting[0])).status_code == 405
    assert strict.post(act_url(waiting[0]), {"action": "approve"}).status_code == 403
    assert Comment.objects.get(pk=waiting[0].pk).status == Comment.Status.PENDING


def test_unknown_action_or_missing_comment_changes_nothing(moderator, waiting):
    response = moderator.post(act_url(waiting[0]), {"action": "publish-everything"}, follow=True)
    assert response.status_code == 200 and "Unknown action" in response.text
    gone = reverse("admin:comments_comment_queue_action", args=[999999])
    response = moderator.post(gone, {"action": "approve"}, follow=True)
    assert response.status_code == 200 and "no longer exists" in response.text
    assert Comment.objects.pending().count() == 3


def test_block_this_address_from_a_card_sends_the_next_comment_to_spam(moderator, waiting):
    comment = waiting[0]
    response = moderator.post(act_url(comment), {"action": "block_email"})
    # The card stays: blocking is not a verdict on this comment.
    assert response["Location"] == f"{QUEUE}#card-{comment.pk}"
    term = BlockedTerm.objects.get()
    assert (term.kind, term.value) == (BlockedTerm.Kind.EMAIL, comment.email.lower())
    assert BlockedTerm.objects.all().matching(email=comment.email.upper())
    entry = ModerationLogEntry.objects.get()
    assert entry.action == Action.BLOCKED and comment.email.lower() in entry.detail
    # Twice is fine: one entry, one log line.
    moderator.post(act_url(comment), {"action": "block_email"})
    assert BlockedTerm.objects.count() == 1 and ModerationLogEntry.objects.count() == 1


def test_block_this_ip_range_from_a_card(moderator, make):
    comment = make.comment(status="pending", ip_address="203.0.113.77")
    moderator.post(act_url(comment), {"action": "block_ip"})
    term = BlockedTerm.objects.get()
    assert (term.kind, term.value) == (BlockedTerm.Kind.IP_RANGE, "203.0.113.0/24")
    assert BlockedTerm.objects.all().matching(ip="203.0.113.5")
    assert not BlockedTerm.objects.all().matching(ip="203.0.114.5")
    v6 = make.comment(status="pending", ip_address="2001:db8:1:2::99")
    moderator.post(act_url(v6), {"action": "block_ip"})
    assert BlockedTerm.objects.filter(value="2001:db8:1:2::/64").exists()


def test_block_ip_range_of_a_comment_without_an_address_says_why(moderator, make):
    comment = make.comment(status="pending", ip_address=None)
    assert "Block this IP range" not in moderator.get(QUEUE).text
    response = moderator.post(act_url(comment), {"action": "block_ip"}, follow=True)
    assert "no longer kept" in response.text
    assert not BlockedTerm.objects.exists()


def test_reply_as_the_site_publishes_an_approved_reply_and_approves_the_comment(
    moderator, waiting, settings
):
    comment = waiting[0]
    response = moderator.post(act_url(comment), {"action": "reply", "body": "Thanks, fixed."})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == Comment.Status.APPROVED
    reply = Comment.objects.get(parent=comment)
    assert reply.status == Comment.Status.APPROVED and reply.approved_at
    assert reply.name == settings.SITE_NAME and reply.body == "Thanks, fixed."
    assert reply.email == "mod@example.com"
    assert set(ModerationLogEntry.objects.values_list("action", flat=True)) == {
        Action.APPROVED,
        Action.REPLIED,
    }
    page = moderator.get(comment.article.get_absolute_url()).text
    assert "Thanks, fixed." in page


def test_an_empty_reply_posts_nothing(moderator, waiting):
    response = moderator.post(act_url(waiting[0]), {"action": "reply", "body": "  "}, follow=True)
    assert "was empty" in response.text
    assert Comment.objects.count() == 3
    assert Comment.objects.get(pk=waiting[0].pk).status == Comment.Status.PENDING


def test_bulk_actions_stay_in_the_changelist_and_are_logged(moderator, waiting):
    changelist = reverse("admin:comments_comment_changelist")
    assert QUEUE in moderator.get(changelist).text
    moderator.post(changelist, {"action": "reject", "_selected_action": [waiting[0].pk]})
    moderator.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [waiting[1].pk], "post": "yes"},
    )
    assert sorted(ModerationLogEntry.objects.values_list("action", flat=True)) == [
        Action.DELETED,
        Action.REJECTED,
    ]
    assert not Comment.objects.filter(pk=waiting[1].pk).exists()


def test_editing_a_comment_logs_the_fields_and_the_text_before(moderator, waiting):
    comment = waiting[0]
    url = reverse("admin:comments_comment_change", args=[comment.pk])
    data = {
        "name": comment.name,
        "email": comment.email,
        "website": "",
        "body": "Edited: rude word removed",
        "status": "approved",
    }
    response = moderator.post(url, data)
    assert response.status_code == 302, response.content
    entries = {entry.action: entry for entry in ModerationLogEntry.objects.all()}
    assert set(entries) == {Action.EDITED, Action.APPROVED}
    assert entries[Action.EDITED].text == "Waiting comment 0"
    assert entries[Action.EDITED].detail == "changed: body"


def test_the_log_is_filterable_by_action_and_read_only(moderator, author, waiting):
    moderator.post(act_url(waiting[0]), {"action": "approve"}, follow=True)
    moderator.post(act_url(waiting[1]), {"action": "spam"}, follow=True)
    spam_only = moderator.get(LOG + "?action__exact=spam").text
    assert "Waiting comment 1" in spam_only and "Waiting comment 0" not in spam_only
    entry = ModerationLogEntry.objects.first()
    change = reverse("admin:comments_moderationlogentry_change", args=[entry.pk])
    assert moderator.post(change, {"detail": "rewritten"}).status_code == 403
    assert author.get(LOG).status_code == 403


def test_the_admin_index_leads_moderators_to_the_queue(moderator, waiting):
    index = moderator.get(reverse("admin:index")).text
    assert f'href="{QUEUE}"' in index


def test_each_card_links_to_the_page_its_comment_will_show_on(moderator, make, settings):
    settings.COMMENTS_PER_PAGE = 2
    story = make.article()
    start = timezone.now() - timedelta(hours=5)
    roots = [
        make.comment(story, created_at=start + timedelta(minutes=n), body=f"Root {n}")
        for n in range(3)
    ]
    reply = make.comment(
        story, parent=roots[2], status="pending", created_at=start + timedelta(hours=1)
    )
    new = make.comment(story, status="pending", created_at=start + timedelta(hours=2))
    page = moderator.get(QUEUE).text
    for comment, expected_page in [(reply, 2), (new, 2)]:
        assert comment.page_number([comment.pk]) == expected_page
        url = f"{story.get_absolute_url()}?comments_page={expected_page}#comment-{comment.pk}"
        assert f'href="{url}"' in page


def queue_of(make, count):
    for n in range(count):
        story = make.article()
        parent = make.comment(story)
        make.comment(
            story,
            parent=parent if n % 2 else None,
            status="pending",
            email=f"person{n}@example.com",
            ip_address=f"198.51.100.{n + 1}",
        )


def test_the_queue_page_makes_the_same_queries_for_2_or_12_cards(moderator, make, count_queries):
    queue_of(make, 2)
    small = count_queries(QUEUE, client=moderator)
    queue_of(make, 10)
    assert moderator.get(QUEUE).text.count('class="queue-card"') == 12
    assert count_queries(QUEUE, client=moderator) == small


def test_out_of_range_or_odd_addresses_get_a_readable_answer(moderator):
    huge = "9" * 30
    response = moderator.post(f"{QUEUE}{huge}/", {"action": "approve"}, follow=True)
    assert response.status_code == 200 and "no longer exists" in response.text
    for page in ["abc", huge, "\x00", "-1"]:
        assert moderator.get(QUEUE, {"page": page}).status_code == 200


@pytest.mark.parametrize("body", ["Nul\x00here", "x" * 5001])
def test_a_reply_that_cannot_be_stored_is_refused_with_a_reason(moderator, waiting, body):
    response = moderator.post(act_url(waiting[0]), {"action": "reply", "body": body}, follow=True)
    assert response.status_code == 200
    assert "nothing posted" in response.text or "the most is 5000" in response.text
    assert Comment.objects.count() == 3
