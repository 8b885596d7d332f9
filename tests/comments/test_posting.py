"""Readers post comments; the spam and abuse rules decide what happens, and say why."""

import re
import time
from datetime import timedelta

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import BlockedTerm, Comment, NotificationAddress
from comments.moderation import sign_timestamp
from comments.readers import PENDING_COOKIE_SALT

pytestmark = pytest.mark.django_db


def post(client, article, **data):
    return client.post(
        reverse("comments:post", args=[article.pk]), data, REMOTE_ADDR="198.51.100.7"
    )


def test_new_comment_waits_for_moderation_and_only_its_author_sees_it(client, make):
    story = make.article()
    data = make.comment_form_data(name="Ada", body="First thoughts on this.")
    response = post(client, story, **data)
    assert response.status_code == 302
    comment = Comment.objects.get()
    # Straight to the comment, where its "awaiting moderation" note is.
    assert response["Location"] == story.get_absolute_url() + f"#comment-{comment.pk}"
    assert comment.status == Comment.Status.PENDING
    assert comment.ip_address == "198.51.100.7"
    page = client.get(response["Location"]).text
    mine = page[page.index(f'id="comment-{comment.pk}"') :]
    assert "First thoughts on this." in mine
    assert "Your comment is awaiting moderation. Only you can see it." in mine
    assert heading(page) == "Your comment is awaiting moderation"
    stranger = Client().get(story.get_absolute_url())
    assert "First thoughts on this." not in stranger.text
    assert "0 comments" in stranger.text


def heading(page):
    return re.search(r'<h2 id="comments-heading"[^>]*>([^<]*)</h2>', page).group(1)


def test_the_heading_counts_published_comments_and_never_says_0_over_ones_own(client, make):
    story = make.article()
    post(client, story, **make.comment_form_data())
    post(client, story, **make.comment_form_data())
    assert heading(client.get(story.get_absolute_url()).text) == (
        "Your 2 comments are awaiting moderation"
    )
    make.comment(story)
    make.comment(story)
    assert heading(client.get(story.get_absolute_url()).text) == "2 comments"
    assert heading(Client().get(story.get_absolute_url()).text) == "2 comments"


def test_only_a_pending_cookie_the_site_signed_shows_the_pending_comment(client, make):
    story = make.article()
    pending = make.comment(story, status="pending", body="Secret pending words")
    client.cookies["comments_pending"] = str(pending.pk)  # typed by hand: not signed
    assert "Secret pending words" not in client.get(story.get_absolute_url()).text
    signed = HttpResponse()
    signed.set_signed_cookie("comments_pending", str(pending.pk), salt=PENDING_COOKIE_SALT)
    client.cookies["comments_pending"] = signed.cookies["comments_pending"].value
    assert "Secret pending words" in client.get(story.get_absolute_url()).text


def test_form_fields_and_notes_are_shown(client, make):
    story = make.article()
    text = client.get(story.get_absolute_url()).text
    for words in [
        "Leave a reply",
        "Your email address will not be published.",
        "Required fields are marked *",
        'name="name"',
        'name="email"',
        'name="website"',
        'name="body"',
        'name="notify_replies"',
        'name="honeypot"',
    ]:
        assert words in text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "n" * 101, "at most 100 characters"),
        ("email", "a" * 250 + "@example.com", "at most 254 characters"),
        ("body", "b" * 5001, "at most 5000 characters"),
        ("email", "not-an-email", "valid email address"),
        ("name", "Eve\r\nBcc: victim@example.com", "Line breaks"),
        ("email", "eve@example.com\nBcc: victim@example.com", "Line breaks"),
        ("body", "", "This field is required"),
        ("website", "javascript:alert(1)", "Enter a valid URL"),
        ("website", "ftp://example.com/file", "starting with http:// or https://"),
    ],
)
def test_bad_input_is_refused_with_400_and_the_text_kept(client, make, field, value, message):
    story = make.article()
    data = make.comment_form_data(body="My carefully typed words", name="Kept Name")
    data[field] = value
    response = post(client, story, **data)
    assert response.status_code == 400
    assert message in response.text
    assert 'role="alert"' in response.text
    assert Comment.objects.count() == 0
    kept = "My carefully typed words" if field != "body" else "Kept Name"
    assert kept in response.text
    # The field points at its own error message (after its help text, if it has one).
    assert re.search(rf'aria-describedby="[^"]*\bid_{field}_error"', response.text)


def test_a_refused_comment_comes_back_on_the_whole_article_page(client, make, settings):
    section = make.section(name="Transport")
    story = make.article(section=section, headline="Trams return", body="<p>Full story text.</p>")
    make.article(section=section, headline="Buses too")
    response = post(client, story, **make.comment_form_data(body=""))
    assert response.status_code == 400
    text = response.text
    assert "Trams return" in text and "Full story text." in text
    assert "Related stories" in text and "Buses too" in text
    canonical = f"{settings.SITE_URL}{story.get_absolute_url()}"
    assert f'<link rel="canonical" href="{canonical}">' in text
    assert f'href="{section.get_absolute_url()}" aria-current="page"' in text


def test_reply_to_a_comment_on_another_article_is_refused(client, make):
    story, other = make.article(), make.article()
    elsewhere = make.comment(other)
    response = post(client, story, **make.comment_form_data(parent=elsewhere.pk, body="Reply"))
    assert response.status_code == 400
    assert "not on this article" in response.text
    assert not Comment.objects.filter(body="Reply").exists()


def test_reply_is_threaded_and_capped_at_three_levels(client, make):
    story = make.article()
    top = make.comment(story)
    reply = make.comment(story, parent=top)
    deep = make.comment(story, parent=reply)
    assert (top.depth, reply.depth, deep.depth) == (0, 1, 2)
    post(client, story, **make.comment_form_data(parent=deep.pk, body="Fourth level?"))
    fourth = Comment.objects.get(body="Fourth level?")
    assert fourth.parent == reply
    assert fourth.depth == 2


def test_draft_and_missing_articles_are_404(client, make):
    draft = make.article(status="draft")
    assert post(client, draft, **make.comment_form_data()).status_code == 404
    url = reverse("comments:post", args=[99999])
    assert client.post(url, make.comment_form_data()).status_code == 404
    assert Comment.objects.count() == 0


def test_get_is_not_allowed(client, make):
    assert client.get(reverse("comments:post", args=[make.article().pk])).status_code == 405


def test_missing_csrf_token_is_403_with_the_text_kept_and_a_fresh_token(make):
    story = make.article()
    client = Client(enforce_csrf_checks=True)
    data = make.comment_form_data(name="Kept Name", body="Words I do not want to lose")
    response = post(client, story, **data)
    assert response.status_code == 403
    assert "We could not accept that form" in response.text
    assert "Newsletter" in response.text  # the site's own design, not Django's plain page
    assert "Kept Name" in response.text and "Words I do not want to lose" in response.text
    assert Comment.objects.count() == 0

    # The page carries a fresh token: sending it again works.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)
    again = post(client, story, **data, csrfmiddlewaretoken=token)
    assert again.status_code == 302
    assert Comment.objects.get().body == "Words I do not want to lose"


def test_missing_csrf_token_on_a_closed_or_draft_article_saves_nothing(make):
    client = Client(enforce_csrf_checks=True)
    closed = make.article(comments_open=False)
    response = post(client, closed, **make.comment_form_data())
    assert response.status_code == 403
    assert "Comments are closed on this article" in response.text
    assert post(client, make.article(status="draft"), **make.comment_form_data()).status_code == 404
    assert Comment.objects.count() == 0


def test_comments_closed_on_the_article_replace_the_form_and_refuse_posts(client, make):
    story = make.article(comments_open=False)
    page = client.get(story.get_absolute_url())
    assert "Comments are closed" in page.text
    assert 'name="body"' not in page.text
    response = post(client, story, **make.comment_form_data())
    assert response.status_code == 403
    assert "Comments are closed on this article" in response.text
    assert Comment.objects.count() == 0


def test_comments_close_automatically_after_the_configured_days(client, make, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    old = make.article(published_at=timezone.now() - timedelta(days=31))
    recent = make.article(published_at=timezone.now() - timedelta(days=29))
    assert post(client, old, **make.comment_form_data()).status_code == 403
    assert post(client, recent, **make.comment_form_data()).status_code == 302
    settings.COMMENTS_CLOSE_AFTER_DAYS = 0
    assert post(client, old, **make.comment_form_data()).status_code == 302


def test_honeypot_marks_spam_and_tells_the_bot_nothing(client, make):
    story = make.article()
    response = post(client, story, **make.comment_form_data(honeypot="http://spam.example"))
    assert response.status_code == 302
    assert response["Location"] == story.get_absolute_url() + "#comments"
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.SPAM
    assert comment.held_reasons == "honeypot"


def test_a_form_sent_too_fast_is_held_with_the_reason(client, make, settings):
    settings.COMMENTS_MIN_SECONDS = 3
    story = make.article()
    post(client, story, **make.comment_form_data(seconds_ago=0))
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert comment.held_reasons.startswith("too fast")


def test_a_form_without_a_valid_timestamp_is_held(client, make):
    story = make.article()
    post(client, story, **make.comment_form_data(timestamp="forged"))
    assert Comment.objects.get().held_reasons == "no valid form timestamp"


def test_timing_rule_can_be_switched_off(client, make, settings, known_as):
    settings.COMMENTS_MIN_SECONDS = 0
    story = make.article()
    make.comment(story, email="regular@example.com")
    known_as(client, "regular@example.com")
    data = make.comment_form_data(email="regular@example.com")
    del data["timestamp"]
    assert post(client, story, **data).status_code == 302
    assert Comment.objects.latest("pk").status == Comment.Status.APPROVED


def test_a_form_older_than_a_day_is_refused_and_reissued(client, make):
    story = make.article()
    stale = sign_timestamp(time.time() - 25 * 3600)
    response = post(client, story, **make.comment_form_data(timestamp=stale, body="Late words"))
    assert response.status_code == 400
    assert "opened too long ago" in response.text
    assert "Late words" in response.text
    fresh = re.search(r'name="timestamp" value="([^"]+)"', response.text).group(1)
    assert fresh != stale
    assert Comment.objects.count() == 0


def test_rate_limit_per_email_answers_429_and_keeps_the_text(client, make, settings):
    settings.COMMENTS_RATE_LIMIT = 5
    story = make.article()
    for n in range(5):
        data = make.comment_form_data(email="busy@example.com", body=f"Comment {n}")
        assert post(client, story, **data).status_code == 302
    data = make.comment_form_data(email="busy@example.com", body="One too many")
    response = post(client, story, **data)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= settings.COMMENTS_RATE_WINDOW
    assert "Please wait a few minutes" in response.text
    assert "One too many" in response.text
    assert Comment.objects.count() == 5


def test_rate_limit_per_ip(client, make, settings):
    settings.COMMENTS_RATE_LIMIT = 2
    story = make.article()
    assert post(client, story, **make.comment_form_data()).status_code == 302
    assert post(client, story, **make.comment_form_data()).status_code == 302
    assert post(client, story, **make.comment_form_data()).status_code == 429
    other_ip = client.post(
        reverse("comments:post", args=[story.pk]),
        make.comment_form_data(),
        REMOTE_ADDR="203.0.113.9",
    )
    assert other_ip.status_code == 302


def test_more_than_two_links_are_held_even_from_a_known_regular(client, make, known_as):
    story = make.article()
    make.comment(story, email="trusted@example.com")
    known_as(client, "trusted@example.com")
    body = "See https://a.example and https://b.example and www.c.example"
    post(client, story, **make.comment_form_data(email="trusted@example.com", body=body))
    held = Comment.objects.get(body=body)
    assert held.status == Comment.Status.PENDING
    assert held.held_reasons == "3 links"


@pytest.mark.parametrize(
    ("kind", "value", "data"),
    [
        ("word", "casino", {"body": "Best CASINO deals here"}),
        ("email", "bad@example.com", {"email": "Bad@Example.com"}),
        ("email", "@spam.example", {"email": "anyone@spam.example"}),
        ("ip_range", "198.51.100.0/24", {}),
    ],
)
def test_blocklist_flags_spam_with_the_reason(client, make, kind, value, data):
    BlockedTerm.objects.create(kind=kind, value=value)
    story = make.article()
    post(client, story, **make.comment_form_data(**data))
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.SPAM
    assert comment.held_reasons.startswith(
        f"blocklist: {'IP range' if kind == 'ip_range' else kind}"
    )


def test_blocklist_word_matches_whole_words_only(client, make):
    BlockedTerm.objects.create(kind="word", value="ass")
    story = make.article()
    post(client, story, **make.comment_form_data(body="A classic assessment."))
    post(client, story, **make.comment_form_data(body="What an ass."))
    assert list(Comment.objects.values_list("status", flat=True)) == [
        Comment.Status.PENDING,
        Comment.Status.SPAM,
    ]


def test_exact_duplicate_is_refused(client, make):
    story = make.article()
    data = make.comment_form_data(body="Same words twice")
    assert post(client, story, **data).status_code == 302
    again = post(client, story, **data)
    assert again.status_code == 400
    assert "already posted this comment" in again.text
    assert Comment.objects.count() == 1


def test_a_regular_is_approved_at_once_from_the_browser_they_commented_from(client, make):
    story = make.article()
    first = post(client, story, **make.comment_form_data(email="Regular@example.com"))
    assert first.status_code == 302
    assert Comment.objects.get().status == Comment.Status.PENDING
    Comment.objects.all().approve()  # later, by a moderator
    response = post(client, story, **make.comment_form_data(email="regular@example.com"))
    newest = Comment.objects.latest("pk")
    assert newest.status == Comment.Status.APPROVED
    assert newest.approved_at is not None
    assert "published" in client.get(response["Location"]).text


def test_typing_a_regulars_email_in_another_browser_is_not_enough(client, make, known_as):
    story = make.article()
    make.comment(story, email="regular@example.com")
    post(Client(), story, **make.comment_form_data(email="regular@example.com"))
    # Known, but by another address: that is not the regular either.
    post(
        known_as(Client(), "me@example.com"),
        story,
        **make.comment_form_data(email="regular@example.com"),
    )
    assert list(
        Comment.objects.filter(email="regular@example.com").values_list("status", flat=True)
    ) == [
        Comment.Status.APPROVED,
        Comment.Status.PENDING,
        Comment.Status.PENDING,
    ]


def test_a_browser_that_confirmed_the_address_is_known_by_it(client, make):
    story = make.article()
    make.comment(story, email="regular@example.com")
    address = NotificationAddress.objects.create(email="regular@example.com")
    path = reverse(
        "comments:confirm", args=[address.confirmation_url().rstrip("/").rsplit("/", 1)[1]]
    )
    assert client.post(path).status_code == 200
    post(client, story, **make.comment_form_data(email="regular@example.com"))
    assert Comment.objects.latest("pk").status == Comment.Status.APPROVED


def test_trust_can_be_switched_off(client, make, settings, known_as):
    story = make.article()
    make.comment(story, email="regular@example.com")
    known_as(client, "regular@example.com")
    settings.COMMENTS_TRUST_APPROVED_EMAILS = False
    post(client, story, **make.comment_form_data(email="regular@example.com"))
    assert Comment.objects.latest("pk").status == Comment.Status.PENDING
    settings.COMMENTS_TRUST_APPROVED_EMAILS = True
    post(client, story, **make.comment_form_data(email="regular@example.com"))
    assert Comment.objects.latest("pk").status == Comment.Status.APPROVED


def test_only_a_pending_email_does_not_earn_trust(client, make, known_as):
    story = make.article()
    make.comment(story, email="new@example.com", status="pending")
    known_as(client, "new@example.com")
    post(client, story, **make.comment_form_data(email="new@example.com"))
    assert Comment.objects.latest("pk").status == Comment.Status.PENDING
    Comment.objects.filter(email="new@example.com").approve()
    post(client, story, **make.comment_form_data(email="new@example.com"))
    assert Comment.objects.latest("pk").status == Comment.Status.APPROVED


@pytest.mark.parametrize("status", ["pending", "spam"])
def test_a_reply_to_an_unpublished_comment_is_refused_and_the_text_kept(client, make, status):
    story = make.article()
    unpublished = make.comment(story, status=status)
    data = make.comment_form_data(parent=unpublished.pk, body="Replying to the unseen")
    response = post(client, story, **data)
    assert response.status_code == 400
    assert "not published, or no longer exists" in response.text
    assert "Replying to the unseen" in response.text
    assert not Comment.objects.filter(body="Replying to the unseen").exists()


def test_a_forged_client_address_header_is_not_stored(client, make, settings):
    # On PostgreSQL the inet column would refuse the row and the reader would get an error page.
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.CLIENT_IP_PROXY_COUNT = 2
    story = make.article()
    for header, stored in [
        ("not-an-address, 192.0.2.1", None),
        ("203.0.113.5, 10.0.0.1", "203.0.113.5"),
    ]:
        response = client.post(
            reverse("comments:post", args=[story.pk]),
            make.comment_form_data(),
            HTTP_X_FORWARDED_FOR=header,
        )
        assert response.status_code == 302
        assert Comment.objects.latest("pk").ip_address == stored


def test_a_malformed_ip_range_in_the_blocklist_does_not_stop_comments(client, make):
    # The admin refuses such a value; one saved around it (shell, fixture) must not break posting.
    BlockedTerm.objects.create(kind="ip_range", value="0.0.0.0/99")  # checked first
    BlockedTerm.objects.create(kind="ip_range", value="198.51.100.0/24")
    post(client, make.article(), **make.comment_form_data())
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.SPAM
    assert comment.held_reasons == "blocklist: IP range 198.51.100.0/24"


def test_on_a_busy_article_the_reader_is_sent_to_the_page_that_shows_their_comment(
    client, make, settings
):
    settings.COMMENTS_PER_PAGE = 50
    story = make.article()
    threads = [make.comment(story, body=f"Thread {n:02d} here") for n in range(50)]
    response = post(client, story, **make.comment_form_data(body="The newest thread"))
    newest = Comment.objects.latest("pk")
    assert response["Location"] == (
        story.get_absolute_url() + f"?comments_page=2#comment-{newest.pk}"
    )
    page = client.get(response["Location"]).text
    assert "The newest thread" in page and "Only you can see it" in page
    assert "awaiting moderation" in page

    # A reply lands on its thread's page: the first thread is on page 1.
    data = make.comment_form_data(parent=threads[0].pk, body="A reply to the first thread")
    response = post(client, story, **data)
    reply = Comment.objects.latest("pk")
    assert response["Location"] == story.get_absolute_url() + f"#comment-{reply.pk}"
    assert "A reply to the first thread" in client.get(response["Location"]).text


@pytest.mark.parametrize("parent", ["²", "٣", "9" * 5000, "9" * 25, "-1", "0", "x"])
def test_an_unreadable_parent_is_refused_with_the_text_kept(client, make, parent):
    story = make.article()
    make.comment(story)  # pk 1 or 3 might exist: "٣" must not reach it
    data = make.comment_form_data(parent=parent, body="Words to keep")
    response = post(client, story, **data)
    assert response.status_code == 400
    assert "not published, or no longer exists" in response.text
    assert "Words to keep" in response.text
    assert not Comment.objects.filter(body="Words to keep").exists()


def test_posting_to_an_article_number_too_large_for_the_database_is_404(client, make):
    url = reverse("comments:post", args=["9" * 25])
    assert client.post(url, make.comment_form_data()).status_code == 404


def test_a_thread_kept_for_its_replies_counts_towards_the_page_to_land_on(client, make, settings):
    settings.COMMENTS_PER_PAGE = 1
    story = make.article()
    top = make.comment(story)
    make.comment(story, parent=top, body="Shown under a placeholder")
    Comment.objects.filter(pk=top.pk).mark_spam()
    response = post(client, story, **make.comment_form_data(body="A new thread"))
    assert "?comments_page=2" in response["Location"]
    assert "A new thread" in client.get(response["Location"]).text
