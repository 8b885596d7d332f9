"""Nothing typed is lost: a save from a form opened before someone else's save is refused, with
who and when, their version, a diff, and the typed text kept; the same for actions and code."""

import threading

import pytest
from django.db import connection

from articles.models import Article, EditConflict
from tests.articles.test_admin import CHANGELIST_URL
from tests.articles.test_workflow_admin import change_url, form_for

pytestmark = pytest.mark.django_db

S = Article.Status


def opened_form(client, article, **changes):
    """What a browser posts from the change form as it was when opened now."""
    article = Article.objects.get(pk=article.pk)
    page = client.get(change_url(article)).text
    assert f'name="based_on_version" value="{article.version}"' in page
    return form_for(article, based_on_version=article.version, **changes)


def test_two_editors_save_the_same_story_and_the_second_is_refused(staff_client, make):
    first = staff_client(["Editors"], first_name="Fay", last_name="First")
    second = staff_client(["Editors"], username="second")
    story = make.article(body="<p>The old paragraph.</p>")
    mine = opened_form(first, story, body="<p>The old paragraph.</p><p>Fay's new one.</p>")
    theirs = opened_form(second, story, body="<p>The old paragraph, Sam's way.</p>")

    assert first.post(change_url(story), mine).status_code == 302
    response = second.post(change_url(story), theirs)

    assert response.status_code == 200  # the form again, not saved
    page = response.text
    assert "Not saved: Fay First saved this article at" in page
    assert "(version 1) after you opened it" in page
    assert "Fay&#x27;s new one." in page  # their version, shown
    assert "Sam&#x27;s way." in page  # what was typed, still in the form
    assert "<del>Fay&#x27;s new one.</del>" in page or "<del>" in page
    # The hidden version moved on: saving again after merging by hand goes through.
    assert 'name="based_on_version" value="1"' in page
    story.refresh_from_db()
    assert "Fay's new one." in story.body and story.version == 1
    merged = {**theirs, "based_on_version": "1", "body": "<p>Both.</p>"}
    assert second.post(change_url(story), merged).status_code == 302
    story.refresh_from_db()
    assert story.body == "<p>Both.</p>" and story.version == 2
    bodies = [r.content["body"] for r in story.revisions.order_by("number")]
    assert bodies[1] == "<p>The old paragraph.</p><p>Fay's new one.</p>"  # kept in the history


def test_a_move_made_meanwhile_does_not_refuse_the_save_nor_get_undone(editor_client, make):
    story = make.article(status=S.DRAFT)
    typed = opened_form(editor_client, story, headline="Typed while it was published")
    response = editor_client.post(
        CHANGELIST_URL, {"action": "publish_selected", "_selected_action": [story.pk]}
    )
    assert response.status_code == 302
    assert editor_client.post(change_url(story), typed).status_code == 302
    story.refresh_from_db()
    assert story.headline == "Typed while it was published"
    assert story.status == S.PUBLISHED  # the form's save did not put it back to draft
    assert story.version == 2


def test_an_action_on_a_story_edited_meanwhile_keeps_the_edit(editor_client, staff_client, make):
    story = make.article(status=S.DRAFT)
    other = staff_client(["Editors"])
    other.post(change_url(story), opened_form(other, story, headline="Edited first"))
    editor_client.post(
        CHANGELIST_URL, {"action": "publish_selected", "_selected_action": [story.pk]}
    )
    story.refresh_from_db()
    assert (story.headline, story.status, story.version) == ("Edited first", S.PUBLISHED, 2)
    assert story.revisions.get(number=2).content["headline"] == "Edited first"


def test_code_that_saves_a_stale_copy_is_refused(make):
    story = make.article(headline="Original")
    stale = Article.objects.get(pk=story.pk)
    story.headline = "Saved first"
    story.save()
    stale.headline = "Saved from a stale copy"
    with pytest.raises(EditConflict):
        stale.save()
    story.refresh_from_db()
    assert story.headline == "Saved first"


def test_a_save_the_form_check_missed_is_refused_by_the_database_and_shown(
    staff_client, make, monkeypatch
):
    """Someone saved between this form's check and its own save (simulated: the check misses
    it once). The conditional UPDATE finds the version moved, everything is rolled back, and
    the form comes back with the conflict instead of a 500 or a lost edit."""
    story = make.article()
    first, second = staff_client(["Editors"]), staff_client(["Editors"], username="late")
    mine = opened_form(second, story, headline="Mine")
    first.post(change_url(story), opened_form(first, story, headline="Theirs"))
    from articles.forms import ArticleAdminForm

    check = ArticleAdminForm.check_edit_conflict
    missed = []

    def check_that_misses_it_once(form):
        if missed:
            return check(form)
        missed.append(True)
        form.based_on = form.cleaned_data["based_on_version"]  # as the check ran too early

    monkeypatch.setattr(ArticleAdminForm, "check_edit_conflict", check_that_misses_it_once)
    response = second.post(change_url(story), mine)
    assert response.status_code == 200
    assert "Not saved:" in response.text
    story.refresh_from_db()
    assert story.headline == "Theirs" and story.version == 1


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_once_from_the_same_version_never_both_land(make):
    """Threads with connections of their own: on PostgreSQL the row lock makes the second wait
    and then find the version moved; on SQLite the writers take turns, and the conditional
    update refuses the second. One lands, the other gets EditConflict (or, on SQLite, the
    database's own "locked" refusal); neither overwrites the other."""
    story = make.article(headline="Original")
    barrier = threading.Barrier(2)
    results = []

    def save(text):
        copy = Article.objects.get(pk=story.pk)
        barrier.wait()
        try:
            with copy.editing():
                copy.headline = text
                copy.save()
            results.append("saved")
        except EditConflict:
            results.append("refused")
        except Exception as error:  # SQLite: "database is locked"
            results.append(f"refused by the database: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(t,)) for t in ("One", "Two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results)[0] == "refused" or results.count("saved") == 1, results
    assert results.count("saved") == 1, results
    story.refresh_from_db()
    assert story.version == 1
    assert story.revisions.get(number=1).content["headline"] == story.headline
