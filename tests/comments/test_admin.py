"""Moderators work through the queue in the admin, and can do nothing else there."""

import importlib

import pytest
from django.contrib.auth.models import Group
from django.core.management.sql import emit_post_migrate_signal
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils.html import escape

from comments import groups
from comments.models import BlockedTerm, Comment

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:comments_comment_changelist")


@pytest.fixture
def moderator(client, make):
    user = make.user(groups=["Moderators"], is_staff=True, email="mod@example.com")
    client.force_login(user)
    return user


def comment_codenames(group_name):
    return set(
        Group.objects.get(name=group_name)
        .permissions.filter(content_type__app_label="comments")
        .values_list("codename", flat=True)
    )


EXPECTED_CODENAMES = {
    "view_comment",
    "change_comment",
    "delete_comment",
    "view_blockedterm",
    "add_blockedterm",
    "change_blockedterm",
    "delete_blockedterm",
    "view_moderationlogentry",
}


@pytest.mark.parametrize("name", ["Moderators", "Editors"])
def test_moderators_and_editors_hold_the_comment_permissions_after_migrate(name):
    # Nothing in the tests grants them: the migration and the post-migrate receiver did.
    assert comment_codenames(name) == EXPECTED_CODENAMES


def test_after_a_flush_the_post_migrate_receiver_grants_them_again():
    Group.objects.filter(name__in=["Moderators", "Editors"]).delete()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")  # twice, no harm
    for name in ["Moderators", "Editors"]:
        assert comment_codenames(name) == EXPECTED_CODENAMES


def test_the_migration_keeps_the_same_permissions_as_the_app():
    migration = importlib.import_module("comments.migrations.0002_moderator_groups")
    assert migration.PERMISSIONS == groups.PERMISSIONS  # LOG_PERMISSIONS came later
    assert set(migration.GROUPS) == set(groups.GROUPS)


def test_moderator_sees_only_comments_in_the_admin(client, moderator, make):
    make.comment(status="pending")
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert "<strong>1 comment awaiting moderation</strong>" in index.text
    assert reverse("admin:comments_blockedterm_changelist") in index.text
    assert reverse("admin:articles_article_changelist") not in index.text
    assert client.get(reverse("admin:articles_article_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403


def test_queue_lists_pending_first_with_the_reason_held(client, moderator, make):
    make.comment(body="An approved one")
    make.comment(body="A held one", status="pending", held_reasons="3 links")
    make.comment(body="Older approved one")
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    rows = [c.body for c in response.context["cl"].result_list]
    assert rows[0] == "A held one"
    assert "3 links" in response.text


def test_queue_filters_and_search(client, moderator, make):
    story = make.article()
    make.comment(story, body="Lots of links", status="pending", held_reasons="3 links")
    make.comment(body="Bot text", status="spam", held_reasons="honeypot", email="bot@spam.example")
    make.comment(story, body="Nice piece", name="Findable Person")

    def bodies(**params):
        response = client.get(CHANGELIST, params)
        assert response.status_code == 200
        return {c.body for c in response.context["cl"].result_list}

    assert bodies(status__exact="pending") == {"Lots of links"}
    assert bodies(reason="links") == {"Lots of links"}
    assert bodies(reason="honeypot") == {"Bot text"}
    assert bodies(article__id__exact=story.pk) == {"Lots of links", "Nice piece"}
    assert bodies(q="Findable") == {"Nice piece"}
    assert bodies(q="bot@spam") == {"Bot text"}
    assert bodies(q="links") == {"Lots of links"}


def test_comment_text_is_shown_as_typed_and_cut_short_in_the_queue(client, moderator, make):
    body = "<script>window.__xss=1</script><b>x</b>" + "y" * 100
    make.comment(body=body, status="pending")
    listing = client.get(CHANGELIST).text
    assert "<script>window.__xss" not in listing
    # The list shows the text as typed, cut to 80 characters.
    assert escape(body[:79]) + "…" in listing


def test_approve_action_publishes_at_once(client, moderator, make):
    story = make.article()
    waiting = [make.comment(story, status="pending", body=f"Waiting {n}") for n in range(2)]
    assert "Waiting 0" not in client.get(story.get_absolute_url()).text
    response = client.post(
        CHANGELIST,
        {"action": "approve", "_selected_action": [c.pk for c in waiting]},
        follow=True,
    )
    assert "Approved 2 comment(s)" in response.text
    assert Comment.objects.approved().count() == 2
    assert all(c.approved_at for c in Comment.objects.all())
    page = client.get(story.get_absolute_url()).text
    assert "Waiting 0" in page and "Waiting 1" in page


def test_mark_spam_action_hides_comments(client, moderator, make):
    story = make.article()
    comment = make.comment(story, body="Looked fine at first")
    response = client.post(
        CHANGELIST, {"action": "mark_spam", "_selected_action": [comment.pk]}, follow=True
    )
    assert "Marked 1 comment(s) as spam" in response.text
    comment.refresh_from_db()
    assert comment.status == Comment.Status.SPAM
    assert "Looked fine at first" not in client.get(story.get_absolute_url()).text


def test_reject_action_hides_comments_without_calling_them_spam(client, moderator, make):
    story = make.article()
    comment = make.comment(story, body="Off topic, but human")
    make.comment(story, body="On topic")
    response = client.post(
        CHANGELIST, {"action": "reject", "_selected_action": [comment.pk]}, follow=True
    )
    assert "Rejected 1 comment(s)" in response.text
    comment.refresh_from_db()
    assert comment.status == Comment.Status.REJECTED and comment.approved_at is None
    page = client.get(story.get_absolute_url()).text
    assert "Off topic, but human" not in page and "On topic" in page


def test_delete_action_removes_comments(client, moderator, make):
    comments = [make.comment(status="spam") for _ in range(3)]
    response = client.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [c.pk for c in comments], "post": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert Comment.objects.count() == 0


def test_deleting_a_comment_keeps_its_replies_in_the_thread(client, moderator, make):
    story = make.article()
    top = make.comment(story, name="Troll", email="troll@example.com", body="Rude words")
    reply = make.comment(story, parent=top, body="A calm answer")
    confirm = client.post(CHANGELIST, {"action": "delete_selected", "_selected_action": [top.pk]})
    assert "its replies stay" in confirm.text and "protected" not in confirm.text
    response = client.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [top.pk], "post": "yes"},
        follow=True,
    )
    assert "Successfully deleted 1 comment" in response.text
    top.refresh_from_db()
    assert top.status == Comment.Status.REMOVED
    assert (top.name, top.email, top.body, top.ip_address) == ("", "", "", None)
    assert Comment.objects.get(pk=reply.pk).is_approved
    assert top.pk not in {c.pk for c in client.get(CHANGELIST).context["cl"].result_list}
    page = client.get(story.get_absolute_url()).text
    assert "This comment was removed" in page and "A calm answer" in page
    assert "Rude words" not in page and "Troll" not in page


def test_removed_is_not_a_status_a_moderator_can_pick(client, moderator, make):
    comment = make.comment(status="pending")
    url = reverse("admin:comments_comment_change", args=[comment.pk])
    choices = dict(client.get(url).context["adminform"].form.fields["status"].choices)
    assert set(choices) == {"pending", "approved", "spam", "rejected"}


def test_deleting_from_the_change_form_keeps_the_replies_too(client, moderator, make):
    story = make.article()
    top = make.comment(story, body="To be deleted")
    make.comment(story, parent=top, body="Stays")
    url = reverse("admin:comments_comment_delete", args=[top.pk])
    assert "its replies stay" in client.get(url).text
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert Comment.objects.get(pk=top.pk).status == Comment.Status.REMOVED
    assert Comment.objects.filter(body="Stays").exists()


def test_deleting_the_last_reply_of_a_removed_comment_deletes_both(client, moderator, make):
    story = make.article()
    top = make.comment(story)
    reply = make.comment(story, parent=top)
    Comment.objects.filter(pk=top.pk).remove()
    Comment.objects.filter(pk=reply.pk).remove()
    assert not Comment.objects.filter(article=story).exists()


def test_deleting_a_comment_with_its_replies_chosen_too_deletes_them_all(client, moderator, make):
    story = make.article()
    top = make.comment(story)
    reply = make.comment(story, parent=top)
    deepest = make.comment(story, parent=reply)
    kept = make.comment(story, parent=top, body="Not chosen")
    client.post(
        CHANGELIST,
        {
            "action": "delete_selected",
            "_selected_action": [top.pk, reply.pk, deepest.pk],
            "post": "yes",
        },
    )
    assert set(Comment.objects.filter(article=story).values_list("pk", "status")) == {
        (top.pk, Comment.Status.REMOVED),
        (kept.pk, Comment.Status.APPROVED),
    }


def test_an_article_with_comments_cannot_be_deleted_and_loses_none(client, make):
    client.force_login(make.staff(["Editors"]))
    story = make.article(headline="Discussed story")
    comment = make.comment(story, body="A reader's words")
    url = reverse("admin:articles_article_delete", args=[story.pk])
    page = client.get(url).text
    assert "Cannot delete article" in page and f"{comment.name} on Discussed story" in page
    client.post(url, {"post": "yes"})
    with pytest.raises(ProtectedError):
        story.delete()
    assert Comment.objects.filter(article=story, body="A reader's words").exists()


def test_approving_in_the_change_form_publishes_and_notifies(
    client, moderator, make, mailoutbox, django_capture_on_commit_callbacks
):
    story = make.article()
    make.confirmed_address("asker@example.com")
    parent = make.comment(story, notify_replies=True, email="asker@example.com")
    reply = make.comment(story, parent=parent, status="pending", body="An answer")
    url = reverse("admin:comments_comment_change", args=[reply.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data["status"] = "approved"
    data["notify_replies"] = ""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.status == Comment.Status.APPROVED and reply.approved_at
    assert [m.to for m in mailoutbox] == [["asker@example.com"]]


def test_moderator_edits_the_blocklist(client, moderator):
    url = reverse("admin:comments_blockedterm_add")
    response = client.post(url, {"kind": "ip_range", "value": "not-a-range", "note": ""})
    assert response.status_code == 200
    assert "Enter an IP address or range" in response.text
    response = client.post(url, {"kind": "ip_range", "value": "203.0.113.0/24", "note": "botnet"})
    assert response.status_code == 302
    assert BlockedTerm.objects.get().value == "203.0.113.0/24"


def test_moderator_cannot_preview_unpublished_articles(client, moderator, make):
    draft = make.article(status="draft", headline="Embargoed until Monday")
    response = client.get(draft.get_preview_url())
    assert response.status_code == 403
    assert "Embargoed until Monday" not in response.text


def test_article_filter_offers_only_articles_with_comments(client, moderator, make):
    discussed = make.article(headline="A discussed story")
    make.article(headline="A quiet story")
    make.article(status="draft", headline="An unpublished draft")
    make.comment(discussed, status="pending")
    text = client.get(CHANGELIST).text
    assert "A discussed story" in text
    assert "A quiet story" not in text
    assert "An unpublished draft" not in text


def test_editors_review_comments_too(client, make):
    client.force_login(make.staff(["Editors"]))
    story = make.article()
    waiting = make.comment(story, status="pending", body="An editor will see this")
    assert (
        "<strong>1 comment awaiting moderation</strong>" in client.get(reverse("admin:index")).text
    )
    response = client.post(
        CHANGELIST, {"action": "approve", "_selected_action": [waiting.pk]}, follow=True
    )
    assert "Approved 1 comment(s)" in response.text
    assert "An editor will see this" in client.get(story.get_absolute_url()).text


def test_moderator_is_refused_every_other_admin_list(client, moderator):
    from django.contrib import admin

    others = [model for model in admin.site._registry if model._meta.app_label != "comments"]
    assert others
    for model in others:
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(url).status_code == 403, url
    for app_label in {model._meta.app_label for model in others}:
        assert client.get(reverse("admin:app_list", args=[app_label])).status_code == 404
