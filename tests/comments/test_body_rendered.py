"""A comment's text is rendered (paragraphs, links) once, on save, not on every page view."""

import pytest

from comments.models import Comment

pytestmark = pytest.mark.django_db


def test_the_rendered_body_is_stored_and_follows_edits(make):
    comment = make.comment(body="See https://example.org/a\n\nSecond paragraph")
    stored = Comment.objects.values_list("body_rendered", flat=True).get(pk=comment.pk)
    assert stored.startswith("<p>See <a href=") and "<p>Second paragraph</p>" in stored
    comment.body = "Edited <b>text</b>"
    comment.save(update_fields=["body"])
    comment.refresh_from_db()
    assert comment.body_html == "<p>Edited &lt;b&gt;text&lt;/b&gt;</p>"


def test_a_removed_comment_keeps_no_rendered_text(make):
    story = make.article()
    top = make.comment(story, body="Words to take down")
    make.comment(story, parent=top)
    Comment.objects.filter(pk=top.pk).remove()
    top.refresh_from_db()
    assert top.body == "" and top.body_rendered == ""


def test_a_row_saved_before_the_column_existed_is_rendered_when_shown(make):
    comment = make.comment(body="Old row")
    Comment.objects.filter(pk=comment.pk).update(body_rendered="")
    assert Comment.objects.get(pk=comment.pk).body_html == "<p>Old row</p>"
