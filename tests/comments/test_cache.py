"""Whenever a comment appears on or leaves an article page, that page is purged from caches."""

import pytest
from django.urls import reverse

from comments.models import Comment
from comments.notifications import approve_and_notify

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:comments_comment_changelist")


@pytest.fixture
def moderator(client, make):
    client.force_login(make.user(groups=["Moderators"], is_staff=True))


def test_approving_purges_the_article_page_once_committed(
    make, purged, django_capture_on_commit_callbacks
):
    story, other = make.article(), make.article()
    waiting = make.comment(story, status="pending")
    make.comment(other, status="pending")
    with django_capture_on_commit_callbacks() as callbacks:
        approve_and_notify(Comment.objects.filter(pk=waiting.pk))
        assert purged == []  # not before the commit
    for callback in callbacks:
        callback()
    assert purged == [story.get_absolute_url()]


@pytest.mark.parametrize("method", ["mark_spam", "reject"])
def test_hiding_a_published_comment_purges_its_page_and_hiding_a_pending_one_does_not(
    make, purged, django_capture_on_commit_callbacks, method
):
    story, quiet = make.article(), make.article()
    shown = make.comment(story)
    waiting = make.comment(quiet, status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        getattr(Comment.objects.filter(pk__in=[shown.pk, waiting.pk]), method)()
    assert purged == [story.get_absolute_url()]


def test_the_admin_delete_action_purges_the_pages_it_changes(
    client, moderator, make, purged, django_capture_on_commit_callbacks
):
    story = make.article()
    comment = make.comment(story)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            CHANGELIST,
            {"action": "delete_selected", "_selected_action": [comment.pk], "post": "yes"},
        )
    assert not Comment.objects.filter(pk=comment.pk).exists()
    assert purged == [story.get_absolute_url()]


def test_editing_a_published_comment_in_the_admin_purges_its_page(
    client, moderator, make, purged, django_capture_on_commit_callbacks
):
    story = make.article()
    comment = make.comment(story, body="Tpyo in here")
    url = reverse("admin:comments_comment_change", args=[comment.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["body"] = "Typo fixed"
    data["notify_replies"] = ""
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    assert purged == [story.get_absolute_url()]


def test_a_comment_published_as_it_is_posted_purges_the_page_and_a_held_one_does_not(
    client, make, purged, django_capture_on_commit_callbacks, known_as
):
    story = make.article()
    make.comment(story, email="regular@example.com")
    url = reverse("comments:post", args=[story.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, make.comment_form_data(email="someone.new@example.com"))
    assert purged == []
    known_as(client, "regular@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, make.comment_form_data(email="regular@example.com"))
    assert Comment.objects.latest("pk").is_approved
    assert purged == [story.get_absolute_url()]
