"""The thread under an article: what readers see, and what they never see."""

from datetime import timedelta

import pytest
from django.http import HttpResponse
from django.utils import timezone

from articles.templatetags.articles_tags import time_tag
from comments.models import Comment
from comments.moderation import comments_closed
from comments.readers import PENDING_COOKIE_SALT as PENDING_SALT
from comments.readers import parse_number

pytestmark = pytest.mark.django_db


def test_article_page_queries_stay_constant_with_200_approved_comments(
    client, make, count_queries, django_assert_num_queries
):
    quiet = make.article()
    busy = make.article()
    make.comment(quiet)
    tops = [make.comment(busy) for _ in range(100)]
    for top in tops:
        make.comment(busy, parent=top)
    assert busy.comments.approved().count() == 200
    client.get(quiet.get_absolute_url())  # warm the menu and site-settings caches
    baseline = count_queries(quiet.get_absolute_url(), warm=True)
    with django_assert_num_queries(baseline):
        response = client.get(busy.get_absolute_url())
    assert "200 comments" in response.text


def test_comments_show_oldest_first_with_count_and_hide_the_rest(client, make):
    story = make.article()
    make.comment(story, body="The first word")
    make.comment(story, body="The second word")
    make.comment(story, body="Waiting in the queue", status="pending")
    make.comment(story, body="Buy pills", status="spam")
    make.comment(story, body="Rejected words", status="rejected")
    make.comment(make.article(), body="On another story")
    text = client.get(story.get_absolute_url()).text
    assert "2 comments" in text
    assert text.index("The first word") < text.index("The second word")
    for hidden in ["Waiting in the queue", "Buy pills", "Rejected words", "On another story"]:
        assert hidden not in text


def test_replies_are_nested_under_their_parent(client, make):
    story = make.article()
    top = make.comment(story, body="Top level")
    reply = make.comment(story, parent=top, body="A reply")
    make.comment(story, parent=reply, body="A reply to the reply")
    text = client.get(story.get_absolute_url()).text
    assert text.count('class="comment-list comment-list--replies"') == 2
    assert f'href="?replyto={top.pk}#leave-a-reply"' in text
    assert f'href="?replyto={reply.pk}#leave-a-reply"' in text
    deepest = Comment.objects.get(body="A reply to the reply")
    assert f"replyto={deepest.pk}" not in text  # three levels is the deepest


def test_reply_link_prepares_the_form(client, make):
    story = make.article()
    top = make.comment(story, name="Grace")
    text = client.get(story.get_absolute_url(), {"replyto": top.pk}).text
    assert "Reply to Grace" in text
    assert f'name="parent" value="{top.pk}"' in text


def test_more_than_50_threads_are_paginated(client, make, settings):
    settings.COMMENTS_PER_PAGE = 50
    story = make.article()
    for n in range(55):
        make.comment(story, body=f"Thread {n:02d} here")
    first = client.get(story.get_absolute_url()).text
    assert "55 comments" in first
    assert "Thread 49 here" in first and "Thread 50 here" not in first
    assert "Page 1 of 2" in first
    assert '<a rel="next" href="?comments_page=2#comments">Newer comments</a>' in first
    assert 'rel="prev"' not in first
    second = client.get(story.get_absolute_url(), {"comments_page": 2}).text
    assert "Thread 54 here" in second and "Thread 00 here" not in second
    assert '<a rel="prev" href="?comments_page=1#comments">Older comments</a>' in second
    assert client.get(story.get_absolute_url(), {"comments_page": "zzz"}).status_code == 200


def test_comment_dates_are_the_sites_time_element(client, make):
    story = make.article()
    comment = make.comment(story, created_at=timezone.now() - timedelta(days=2))
    text = client.get(story.get_absolute_url()).text
    assert time_tag(comment.created_at, "j F Y, H:i") in text


def test_comment_text_is_plain_text_with_paragraphs_and_nofollow_links(client, make):
    story = make.article()
    make.comment(
        story,
        body="<b>bold?</b> & <script>alert(1)</script>\n\nRead https://example.com/report now",
    )
    text = client.get(story.get_absolute_url()).text
    assert "&lt;b&gt;bold?&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>alert(1)" not in text
    assert (
        '<p>Read <a href="https://example.com/report" rel="nofollow ugc noopener">'
        "https://example.com/report</a> now</p>"
    ) in text


def test_typed_entities_are_shown_as_typed(client, make):
    story = make.article()
    make.comment(story, name="&amp; Co", body="Write &lt;b&gt; for bold")
    text = client.get(story.get_absolute_url()).text
    assert "Write &amp;lt;b&amp;gt; for bold" in text
    assert "&amp;amp; Co" in text


def test_name_links_to_a_web_website_only(client, make):
    story = make.article()
    make.comment(story, name="Web", website="https://web.example.com/")
    make.comment(story, name="Sneaky", website="javascript:alert(1)")
    text = client.get(story.get_absolute_url()).text
    assert '<a href="https://web.example.com/" rel="nofollow ugc noopener">Web</a>' in text
    assert "javascript:" not in text


def test_email_and_ip_never_appear_on_the_page(client, make):
    story = make.article()
    make.comment(
        story, email="private.person@example.org", ip_address="203.0.113.77", body="Shown words"
    )
    text = client.get(story.get_absolute_url()).text
    assert "Shown words" in text
    assert "private.person" not in text
    assert "203.0.113.77" not in text


def test_spam_marking_takes_a_comment_off_the_page_at_once(client, make):
    story = make.article()
    comment = make.comment(story, body="Visible until flagged")
    assert "Visible until flagged" in client.get(story.get_absolute_url()).text
    Comment.objects.filter(pk=comment.pk).mark_spam()
    assert "Visible until flagged" not in client.get(story.get_absolute_url()).text


@pytest.mark.parametrize("method", ["mark_spam", "reject", "remove"])
def test_a_removed_comment_keeps_its_replies_under_a_placeholder(client, make, method):
    story = make.article()
    top = make.comment(story, body="Turned out to be spam", name="Spammer")
    reply = make.comment(story, parent=top, body="An innocent reply to it")
    getattr(Comment.objects.filter(pk=top.pk), method)()
    text = client.get(story.get_absolute_url()).text
    assert "Turned out to be spam" not in text and "Spammer" not in text
    placeholder = text[text.index(f'id="comment-{top.pk}"') :]
    assert placeholder.index("This comment was removed") < placeholder.index(
        "An innocent reply to it"
    )
    assert f'id="comment-{reply.pk}"' in placeholder
    assert "1 comment<" in text
    assert f"replyto={top.pk}" not in text and f"replyto={reply.pk}" in text


def test_placeholders_hold_up_replies_two_levels_down(client, make):
    story = make.article()
    top = make.comment(story, body="Top, later spam")
    middle = make.comment(story, parent=top, body="Middle, later rejected")
    make.comment(story, parent=middle, body="The deepest reply")
    Comment.objects.filter(pk=top.pk).mark_spam()
    Comment.objects.filter(pk=middle.pk).reject()
    text = client.get(story.get_absolute_url()).text
    assert text.count("This comment was removed") == 2
    assert "The deepest reply" in text and "later" not in text
    assert "1 comment<" in text


def test_a_removed_comment_with_no_shown_reply_leaves_no_placeholder(client, make):
    story = make.article()
    top = make.comment(story, body="Spam with a pending reply")
    make.comment(story, parent=top, status="pending", body="Someone else's pending reply")
    Comment.objects.filter(pk=top.pk).mark_spam()
    text = client.get(story.get_absolute_url()).text
    assert "This comment was removed" not in text
    assert "No comments yet." in text


def test_article_page_queries_stay_constant_with_many_removed_comments(
    client, make, django_assert_num_queries, count_queries
):
    small, large = make.article(), make.article()
    for story, threads in [(small, 1), (large, 40)]:
        for _ in range(threads):
            top = make.comment(story)
            make.comment(story, parent=make.comment(story, parent=top))
        Comment.objects.filter(article=story, depth__lt=2).mark_spam()
    client.get(small.get_absolute_url())  # warm the menu and site-settings caches
    baseline = count_queries(small.get_absolute_url(), warm=True)
    with django_assert_num_queries(baseline):
        response = client.get(large.get_absolute_url())
    assert response.text.count("This comment was removed") == 80


def test_plain_page_parameter_also_pages_the_comments(client, make, settings):
    settings.COMMENTS_PER_PAGE = 50
    story = make.article()
    for n in range(51):
        make.comment(story, body=f"Thread {n:02d} here")
    second = client.get(story.get_absolute_url(), {"page": 2}).text
    assert "51 comments" in second
    assert "Thread 50 here" in second and "Thread 00 here" not in second
    assert "Page 2 of 2" in second


def test_an_article_past_the_closing_age_shows_the_closed_note_instead_of_the_form(
    client, make, settings
):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    old = make.article(published_at=timezone.now() - timedelta(days=31))
    make.comment(old, body="Said while it was open")
    text = client.get(old.get_absolute_url()).text
    assert "Comments are closed" in text
    assert "Said while it was open" in text
    assert 'name="body"' not in text and "Leave a reply" not in text
    assert "?replyto=" not in text


@pytest.mark.parametrize(
    "kwargs",
    [
        {"status": "draft"},
        {"status": "published", "published_at": timezone.now() + timedelta(hours=2)},
    ],
)
def test_an_article_that_is_not_public_takes_no_comments(make, kwargs):
    article = make.article(**kwargs)
    assert not article.is_public
    assert comments_closed(article)


def test_a_staff_preview_shows_the_thread_without_a_form(client, make):
    client.force_login(make.staff(["Editors"]))
    draft = make.article(status="draft")
    make.comment(draft, body="Said before it was unpublished")
    text = client.get(draft.get_preview_url()).text
    assert "Said before it was unpublished" in text
    assert 'name="body"' not in text and "Comments are closed" in text


@pytest.fixture
def thread(make):
    """An article open for comments with one of every kind of comment a ``replyto`` may name."""
    story = make.article()
    top = make.comment(story, name="Grace")
    reply = make.comment(story, parent=top, name="Hopper")
    return {
        "story": story,
        "top": top,
        "third_level": make.comment(story, parent=reply, name="Deepest"),
        "pending": make.comment(story, status="pending", name="Waiting"),
        "spam": make.comment(story, status="spam", name="Spammer"),
        "elsewhere": make.comment(make.article(), name="Elsewhere"),
    }


@pytest.mark.parametrize(
    "value",
    [
        "²",
        "٣",
        "１",
        "9" * 5000,
        "9" * 30,
        "-1",
        "0",
        "1e3",
        " 1",
        "",
        "\x00",
        "elsewhere",
        "pending",
        "spam",
        "third_level",
    ],
)
def test_any_replyto_value_renders_the_plain_form(client, thread, value):
    replyto = str(thread[value].pk) if value in thread else value
    response = client.get(thread["story"].get_absolute_url(), {"replyto": replyto})
    assert response.status_code == 200
    assert "Leave a reply" in response.text
    assert "Reply to " not in response.text.replace("Reply<span", "")
    assert 'name="parent"' not in response.text


def test_replyto_given_twice_renders_the_page(client, thread):
    url = thread["story"].get_absolute_url()
    response = client.get(url, {"replyto": ["²", str(thread["top"].pk)]})
    assert response.status_code == 200
    assert "Reply to Grace" in response.text


def test_page_numbers_in_other_scripts_show_the_first_page(client, make, settings):
    settings.COMMENTS_PER_PAGE = 1
    story = make.article()
    make.comment(story, body="On page one")
    make.comment(story, body="On page two")
    for value in ["٢", "²", "9" * 5000, "-2"]:
        response = client.get(story.get_absolute_url(), {"comments_page": value})
        assert response.status_code == 200
        assert "On page one" in response.text and "On page two" not in response.text
    page_two = client.get(story.get_absolute_url(), {"comments_page": "2"}).text
    assert "On page two" in page_two


def test_odd_ids_in_the_pending_cookie_are_skipped(client, make):
    story = make.article()
    mine = make.comment(story, status="pending", body="Mine, awaiting moderation")
    signed = HttpResponse()
    signed.set_signed_cookie("comments_pending", f"{'9' * 30},-1,,x,{mine.pk}", salt=PENDING_SALT)
    client.cookies["comments_pending"] = signed.cookies["comments_pending"].value
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    assert "Mine, awaiting moderation" in response.text


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("42", 42),
        ("007", 7),
        ("²", None),
        ("٣", None),
        ("１", None),
        ("9" * 19, None),
        ("9" * 5000, None),
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1\n", None),
        ("", None),
        (None, None),
        (["1"], None),
    ],
)
def test_only_plain_ascii_numbers_of_database_size_are_read(value, number):
    assert parse_number(value) == number
