"""Revisions: one per save from every path (the admin form, an action, a workflow move, the
sweep's tasks, code), every editable field kept, compared word by word, restored as a new
version; and the pages for them behind the article's own permissions."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import tasks
from articles.diff import compare, word_diff
from articles.models import Article, Redirect, Revision
from tests.articles.test_admin import CHANGELIST_URL
from tests.articles.test_workflow_admin import change_url, form_for

pytestmark = pytest.mark.django_db

S = Article.Status


def revisions_url(article):
    return reverse("admin:articles_article_revisions", args=[article.pk])


def compare_url(article, a, b):
    return (
        reverse("admin:articles_article_revision_compare", args=[article.pk]) + f"?from={a}&to={b}"
    )


def restore_url(article, number):
    return reverse("admin:articles_article_revision_restore", args=[article.pk, number])


def save_through_admin(client, article, **changes):
    article.refresh_from_db()
    data = form_for(article, based_on_version=article.version, **changes)
    return client.post(change_url(article), data)


def assert_one_revision_per_version(article):
    """The pin on ``Article.editing``: the article's version is its newest revision's number,
    and every version since the first kept has exactly one revision."""
    article.refresh_from_db()
    numbers = list(article.revisions.order_by("number").values_list("number", flat=True))
    assert numbers[-1] == article.version
    assert numbers == list(range(numbers[0], article.version + 1))


def test_an_admin_save_keeps_every_editable_field(editor_client, make):
    picture = make.image(caption="Harbour at dawn")
    section = make.section(name="City")
    writer = make.author(name="Ada Writer")
    story = make.article(authors=[writer], tags=["Old tag"])
    response = save_through_admin(
        editor_client,
        story,
        headline="Harbour bridge reopens",
        standfirst="Open again.",
        body="<p>Engineers finished early.</p>",
        lead_image=picture.pk,
        section=section.pk,
        tags="Transport, Harbour",
        seo_title="Bridge open",
        seo_description="The bridge is open again.",
    )
    assert response.status_code == 302, response.text
    revision = story.revisions.first()
    assert revision.by == editor_client.user
    assert revision.number == 1  # version 0 was the story as code made it: kept as revision 0
    assert story.revisions.get(number=0).content["headline"] != "Harbour bridge reopens"
    content = revision.content
    assert content["headline"] == "Harbour bridge reopens"
    assert content["standfirst"] == "Open again."
    assert content["body"] == "<p>Engineers finished early.</p>"
    assert content["lead_image"] == {"id": picture.pk, "label": "Harbour at dawn"}
    assert content["section"] == {"id": section.pk, "name": "City"}
    assert content["tags"] == ["Harbour", "Transport"]
    assert content["authors"] == [{"id": writer.pk, "name": "Ada Writer"}]
    assert content["seo_title"] == "Bridge open"
    assert content["seo_description"] == "The bridge is open again."
    assert content["status"] == S.PUBLISHED
    assert_one_revision_per_version(story)


def test_adding_an_article_makes_revision_one(editor_client, make):
    from tests.articles.test_admin import ADD_URL, article_form

    section = make.section()
    writer = make.author()
    response = editor_client.post(
        ADD_URL, article_form(section=section.pk, **{"articleauthor_set-0-author": writer.pk})
    )
    assert response.status_code == 302, response.text
    story = Article.objects.get(slug="harbour-bridge-reopens")
    assert [(r.number, r.by) for r in story.revisions.all()] == [(1, editor_client.user)]
    assert story.revisions.get().content["authors"] == [{"id": writer.pk, "name": writer.name}]


def test_every_path_that_changes_an_article_records_one_revision(editor_client, make):
    """Admin form, a workflow button, a bulk action, the sweep's go-live and expiry, a pin, a
    restore and plain code: each one version and one revision, by whoever did it."""
    story = make.article(status=S.DRAFT)
    save_through_admin(editor_client, story, headline="First words")
    save_through_admin(editor_client, story, transition="submit")
    story.refresh_from_db()
    assert story.status == S.IN_REVIEW
    story.approve(by=editor_client.user, when=timezone.now() + timedelta(minutes=5))
    Article.objects.filter(pk=story.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    assert tasks.publish_due_articles() == 1
    editor_client.post(
        CHANGELIST_URL, {"action": "unpublish_selected", "_selected_action": [story.pk]}
    )
    story.refresh_from_db()
    story.headline = "Changed in code"
    story.save()
    story.restore(story.revisions.get(number=1), by=editor_client.user, based_on=story.version)
    notes = list(story.revisions.order_by("number").values_list("number", "by", "note"))
    me = editor_client.user.pk
    assert notes == [
        (0, None, "As it was before revisions were kept"),
        (1, me, ""),
        (2, me, "Submit for review"),
        (3, me, "Approve"),
        (4, None, "Went live on schedule"),
        (5, me, "Unpublish"),
        (6, None, "Saved by code"),
        (7, me, "Restored revision 1"),
    ]
    assert_one_revision_per_version(story)
    assert story.revisions.get(number=4).content["status"] == S.PUBLISHED
    assert story.revisions.get(number=7).content["headline"] == "First words"


def test_a_move_records_what_is_in_the_database_not_a_stale_copy(make):
    story = make.article(status=S.DRAFT, headline="Old")
    stale = Article.objects.get(pk=story.pk)
    story.headline = "New"
    story.save()
    stale.publish()
    assert stale.revisions.first().content["headline"] == "New"
    assert_one_revision_per_version(story)


def test_the_diff_is_word_level_and_escaped():
    html = str(word_diff("The <b>old</b> bridge opens", "The new <script>x</script> bridge opens"))
    assert "<del>&lt;b&gt;old&lt;/b&gt;</del>" in html
    assert "<ins>new &lt;script&gt;x&lt;/script&gt;</ins>" in html
    assert html.startswith("The ")
    assert "<script>" not in html


def test_compare_names_the_fields_that_changed():
    before = {"headline": "A", "body": "<p>One two three</p>", "tags": ["x"], "is_featured": False}
    after = {"headline": "A", "body": "<p>One 2 three</p>", "tags": ["x", "y"], "is_featured": True}
    changes = {change.name: change for change in compare(before, after)}
    assert set(changes) == {"body", "tags", "is_featured"}
    assert str(changes["body"].diff) == "One <del>two</del><ins>2</ins> three"
    assert (changes["tags"].before, changes["tags"].after) == ("x", "x, y")
    assert (changes["is_featured"].before, changes["is_featured"].after) == ("No", "Yes")


def test_the_compare_page_shows_a_readable_diff(editor_client, make):
    story = make.article(headline="Bridge opens", body="<p>Engineers finished early.</p>")
    save_through_admin(
        editor_client,
        story,
        headline="Bridge <em>reopens</em>",
        body="<p>Engineers finished late.</p>",
    )
    page = editor_client.get(compare_url(story, 0, 1))
    assert page.status_code == 200
    text = page.text
    assert (
        "Fields changed: <strong>Headline</strong>, <strong>Standfirst</strong>, "
        "<strong>Body</strong>, <strong>Tags</strong>." in text
    )
    # A run of changed words reads as one change, not word against word.
    assert (
        "<del>What happened, in a sentence.</del><ins>The crossing is open again after two "
        "years.</ins>" in text
    )
    assert "<del>opens</del><ins>&lt;em&gt;reopens&lt;/em&gt;</ins>" in text
    assert "<del>early.</del><ins>late.</ins>" in text


@pytest.mark.parametrize("query", ["?from=1&to=1", "?from=x&to=1", "?from=²&to=0", "?to=1", ""])
def test_compare_with_a_bad_choice_says_so(editor_client, make, query):
    story = make.article()
    save_through_admin(editor_client, story, headline="Again")
    url = reverse("admin:articles_article_revision_compare", args=[story.pk]) + query
    response = editor_client.get(url, follow=True)
    assert response.status_code == 200
    assert "Choose two different revisions to compare." in response.text


def test_compare_with_a_missing_revision_is_a_404(editor_client, make):
    story = make.article()
    save_through_admin(editor_client, story, headline="Again")
    assert editor_client.get(compare_url(story, 1, 99)).status_code == 404


def test_the_change_form_lists_the_latest_revisions_and_links_to_all(editor_client, make):
    story = make.article()
    for n in range(12):
        save_through_admin(editor_client, story, headline=f"Take {n}")
    page = editor_client.get(change_url(story)).text
    assert "Revisions (13)" in page
    assert page.count('<tr class="revision') == 10
    assert f'href="{revisions_url(story)}"' in page
    listing = editor_client.get(revisions_url(story)).text
    assert listing.count('<tr class="revision') == 13


def test_the_revisions_page_is_paginated(editor_client, make):
    story = make.article()
    Revision.objects.bulk_create(
        Revision(article=story, number=n, content={"headline": f"v{n}"}) for n in range(30)
    )
    Article.objects.filter(pk=story.pk).update(version=29)
    first = editor_client.get(revisions_url(story)).text
    assert first.count('<tr class="revision') == 25 and "Page 1 of 2" in first
    second = editor_client.get(revisions_url(story) + "?page=2").text
    assert second.count('<tr class="revision') == 5
    assert editor_client.get(revisions_url(story) + "?page=zz").status_code == 200


def test_the_change_form_costs_the_same_with_many_revisions(editor_client, make, count_queries):
    few, many = make.article(), make.article()
    for story, n in ((few, 1), (many, 200)):
        Revision.objects.bulk_create(
            Revision(article=story, number=i, content={"body": "x " * 500}) for i in range(n)
        )
        Article.objects.filter(pk=story.pk).update(version=n - 1)
    assert count_queries(change_url(few), client=editor_client) == count_queries(
        change_url(many), client=editor_client
    )


def test_restore_makes_a_new_revision_and_keeps_history(editor_client, make):
    story = make.article(headline="Original", tags=["One"])
    save_through_admin(editor_client, story, headline="Rewritten", tags="Two")
    page = editor_client.get(restore_url(story, 0))
    assert "<del>Rewritten</del><ins>Original</ins>" in page.text
    response = editor_client.post(restore_url(story, 0), {"based_on": "1"}, follow=True)
    assert "Revision 0 restored as version 2" in response.text
    story.refresh_from_db()
    assert story.headline == "Original"
    assert [tag.name for tag in story.tags.all()] == ["One"]
    assert list(story.revisions.values_list("number", flat=True)) == [2, 1, 0]
    assert story.revisions.get(number=1).content["headline"] == "Rewritten"


def test_restoring_an_older_slug_of_a_published_story_keeps_its_address_working(
    editor_client, make
):
    story = make.article(slug="first-name")
    save_through_admin(editor_client, story, slug="second-name")
    editor_client.post(restore_url(story, 0), {"based_on": "1"})
    story.refresh_from_db()
    assert story.slug == "first-name"
    assert Redirect.objects.filter(path="/article/second-name/", article=story).exists()
    assert not Redirect.objects.filter(path="/article/first-name/").exists()


def test_a_restore_from_a_stale_page_is_refused(editor_client, make):
    story = make.article(headline="Original")
    save_through_admin(editor_client, story, headline="Second")
    save_through_admin(editor_client, story, headline="Third")  # after the page was shown
    response = editor_client.post(restore_url(story, 0), {"based_on": "1"}, follow=True)
    assert "Not restored:" in response.text
    story.refresh_from_db()
    assert story.headline == "Third" and story.version == 2


def test_restore_needs_post_or_get_and_the_change_permission(staff_client, editor_client, make):
    story = make.article()
    save_through_admin(editor_client, story, headline="Again")
    assert editor_client.put(restore_url(story, 0)).status_code == 405
    moderator = staff_client(["Moderators"])
    for url in (revisions_url(story), compare_url(story, 0, 1), restore_url(story, 0)):
        assert moderator.get(url).status_code in (403, 404), url


def test_authors_see_revisions_of_their_own_stories_only(staff_client, editor_client, make):
    author = staff_client(["Authors"])
    own = make.article(status=S.DRAFT, authors=[make.author(user=author.user)])
    other = make.article(status=S.DRAFT)
    for story in (own, other):
        save_through_admin(editor_client, story, headline="Edited")
    assert author.get(revisions_url(own)).status_code == 200
    assert author.get(compare_url(own, 0, 1)).status_code == 200
    assert author.get(revisions_url(other)).status_code == 404
    assert author.get(restore_url(other, 0)).status_code == 404


def test_anonymous_people_go_to_the_login_page(client, make):
    story = make.article()
    response = client.get(revisions_url(story))
    assert response.status_code == 302 and "/login/" in response.url


def test_a_revision_keeps_the_byline_in_its_order(make):
    zoe, adam = make.author(name="Zoe Last"), make.author(name="Adam First")
    story = make.article(authors=[zoe, adam])
    story.headline = "Changed"
    story.save()
    names = [person["name"] for person in story.revisions.first().content["authors"]]
    assert names == ["Zoe Last", "Adam First"]


def test_the_article_list_never_reads_revisions(editor_client, make):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    stories = [make.article() for _ in range(5)]

    def list_queries():
        with CaptureQueriesContext(connection) as captured:
            assert editor_client.get(CHANGELIST_URL).status_code == 200
        return [query["sql"] for query in captured]

    list_queries()  # the first request of a session makes a few of its own
    without = list_queries()
    Revision.objects.bulk_create(
        Revision(article=story, number=n, content={"body": "x " * 500})
        for story in stories
        for n in range(10)
    )
    with_revisions = list_queries()
    assert len(with_revisions) == len(without)
    assert not [sql for sql in with_revisions if "articles_revision" in sql]
