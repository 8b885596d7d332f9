"""No dead links: a published story whose slug changes keeps every old address, each a 301 to
the current one in a single hop; an old address is never handed to another story."""

import pytest
from django.urls import reverse

from articles.models import Article, Redirect
from tests.articles.test_workflow_admin import change_url, form_for

pytestmark = pytest.mark.django_db

S = Article.Status


def rename(client, story, slug, **overrides):
    story.refresh_from_db()
    return client.post(change_url(story), form_for(story, slug=slug, **overrides), follow=True)


def test_a_new_slug_leaves_a_301_at_the_old_address_and_the_admin_says_so(editor_client, make):
    story = make.article(slug="harbour-bridge")
    response = rename(editor_client, story, "harbour-bridge-reopens")
    assert "The old address /article/harbour-bridge/ now redirects (301)" in response.text
    old = editor_client.get("/article/harbour-bridge/")
    assert old.status_code == 301
    assert old["Location"] == "/article/harbour-bridge-reopens/"
    assert editor_client.get(old["Location"]).status_code == 200


def test_renamed_again_and_again_every_old_address_is_one_hop_from_the_current(
    client, editor_client, make
):
    story = make.article(slug="first")
    for slug in ("second", "third", "fourth"):
        rename(editor_client, story, slug)
    for old in ("first", "second", "third"):
        response = client.get(f"/article/{old}/?utm_source=newsletter")
        assert response.status_code == 301
        assert response["Location"] == "/article/fourth/?utm_source=newsletter"
    assert client.get("/article/fourth/").status_code == 200


def test_going_back_to_an_old_slug_drops_its_redirect(client, editor_client, make):
    story = make.article(slug="original")
    rename(editor_client, story, "renamed")
    rename(editor_client, story, "original")
    assert client.get("/article/original/").status_code == 200
    assert client.get("/article/renamed/")["Location"] == "/article/original/"
    assert list(Redirect.objects.values_list("path", flat=True)) == ["/article/renamed/"]


def test_drafts_never_shown_to_readers_get_no_redirect(editor_client, make):
    draft = make.article(status=S.DRAFT, slug="working-title")
    response = rename(editor_client, draft, "final-title")
    assert "now redirects" not in response.text
    assert not Redirect.objects.exists()


def test_another_story_cannot_take_an_address_that_redirects(editor_client, make):
    story = make.article(slug="budget")
    rename(editor_client, story, "budget-2027")
    other = make.article(slug="something-else")
    response = rename(editor_client, other, "budget")
    assert response.status_code == 200
    assert "still redirects to another article" in response.text
    assert Article.objects.get(pk=other.pk).slug == "something-else"
    assert editor_client.get("/article/budget/")["Location"] == "/article/budget-2027/"


def test_a_slug_made_from_a_headline_skips_addresses_that_redirect(make):
    story = make.article(headline="Budget", slug="budget")
    story.slug = "budget-2027"
    story.save()
    Redirect.objects.record_move(story, "/article/budget/")
    fresh = make.article(headline="Budget", slug="")
    assert fresh.slug == "budget-2"


def test_an_unpublished_storys_old_address_is_not_found_until_it_is_back(
    client, editor_client, make
):
    story = make.article(slug="old")
    rename(editor_client, story, "new")
    story.unpublish()
    assert client.get("/article/old/").status_code == 404
    story.publish()
    assert client.get("/article/old/")["Location"] == "/article/new/"


def test_changing_the_section_keeps_the_address_working(client, editor_client, make):
    """Article addresses do not carry the section, so a move to another section changes no
    address at all: the page is still there, and nothing needs redirecting."""
    story = make.article(slug="moving-desks", section=make.section(slug="news"))
    sport = make.section(slug="sport")
    response = rename(editor_client, story, "moving-desks", section=sport.pk)
    assert response.status_code == 200
    assert Article.objects.get(pk=story.pk).section == sport
    assert client.get("/article/moving-desks/").status_code == 200
    assert not Redirect.objects.exists()


def test_only_reads_are_redirected_and_unknown_addresses_stay_404(client, editor_client, make):
    story = make.article(slug="before")
    rename(editor_client, story, "after")
    assert client.post("/article/before/").status_code in (404, 405)
    assert client.get("/article/never-existed/").status_code == 404
    assert client.get(reverse("articles:detail", kwargs={"slug": "after"})).status_code == 200


def test_editors_list_redirects_and_deleting_one_frees_the_address(editor_client, make):
    story = make.article(slug="budget")
    rename(editor_client, story, "budget-2027")
    redirect = Redirect.objects.get()
    changelist = reverse("admin:articles_redirect_changelist")
    assert "/article/budget/" in editor_client.get(changelist).text
    assert editor_client.get(reverse("admin:articles_redirect_add")).status_code == 403
    delete = reverse("admin:articles_redirect_delete", args=[redirect.pk])
    assert editor_client.post(delete, {"post": "yes"}).status_code == 302
    other = make.article(slug="other")
    rename(editor_client, other, "budget")
    assert Article.objects.get(pk=other.pk).slug == "budget"


def test_authors_and_moderators_cannot_see_redirects(staff_client):
    changelist = reverse("admin:articles_redirect_changelist")
    assert staff_client(["Authors"]).get(changelist).status_code == 403
    assert staff_client(["Moderators"]).get(changelist).status_code == 403
