"""The writing desk's endpoints: autosave to a per-user draft (permission-checked, never
public, offered back without JavaScript), presence, tag suggestions and the picture library."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Draft, Presence
from tests.articles.test_workflow_admin import change_url, form_for

pytestmark = pytest.mark.django_db

S = Article.Status


def autosave_url(article):
    return reverse("admin:articles_article_autosave", args=[article.pk])


def presence_url(article):
    return reverse("admin:articles_article_presence", args=[article.pk])


def autosave(client, article, version=None, **fields):
    payload = {
        "based_on_version": article.version if version is None else version,
        "fields": fields,
    }
    return client.post(autosave_url(article), json.dumps(payload), content_type="application/json")


def test_autosave_keeps_a_draft_per_editor_and_leaves_the_article_alone(staff_client, make):
    story = make.article(headline="Published words")
    fay, sam = staff_client(["Editors"]), staff_client(["Editors"])
    response = autosave(fay, story, headline="Fay's words", body="<p>Half a sentence</p>")
    assert response.status_code == 200
    assert "Draft saved at" in response.json()["message"]
    autosave(sam, story, headline="Sam's words")
    autosave(fay, story, headline="Fay's later words", unknown="dropped", body=["not text"])
    drafts = {d.user: d.content for d in Draft.objects.filter(article=story)}
    assert drafts == {
        fay.user: {"headline": "Fay's later words"},
        sam.user: {"headline": "Sam's words"},
    }
    story.refresh_from_db()
    assert story.headline == "Published words" and story.version == 0
    assert not story.revisions.exists()


def test_the_public_page_never_shows_a_draft(client, editor_client, make):
    story = make.article(headline="Published words")
    autosave(editor_client, story, headline="Secret draft headline")
    page = client.get(story.get_absolute_url()).text
    assert "Published words" in page and "Secret draft headline" not in page


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "null",
        "[]",
        '{"fields": "x", "based_on_version": 1}',
        '{"fields": {}, "based_on_version": "1"}',
        '{"fields": {}, "based_on_version": -1}',
        '{"fields": {}, "based_on_version": 99999999999}',
        '{"fields": {}, "based_on_version": true}',
        "\udcff",
    ],
)
def test_autosave_answers_bad_input_with_a_readable_400(editor_client, make, body):
    story = make.article()
    response = editor_client.post(
        autosave_url(story),
        body.encode("utf-8", "surrogateescape"),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "The draft was not saved" in response.json()["error"]


def test_autosave_is_for_those_who_may_change_the_article(client, staff_client, make):
    story = make.article(status=S.DRAFT)
    payload = json.dumps({"based_on_version": 0, "fields": {"headline": "x"}})
    anonymous = client.post(autosave_url(story), payload, content_type="application/json")
    assert anonymous.status_code == 302 and "/login/" in anonymous.url
    moderator = staff_client(["Moderators"])
    assert (
        moderator.post(autosave_url(story), payload, content_type="application/json").status_code
        == 404
    )
    author = staff_client(["Authors"])  # not their story: they cannot see it at all
    assert (
        author.post(autosave_url(story), payload, content_type="application/json").status_code
        == 404
    )
    published_own = make.article(authors=[make.author(user=author.user)])
    response = author.post(autosave_url(published_own), payload, content_type="application/json")
    assert response.status_code == 403  # an Author's published story is the editors' now
    assert editor_get_not_allowed(staff_client, story)
    assert not Draft.objects.exists()


def editor_get_not_allowed(staff_client, story):
    return staff_client(["Editors"]).get(autosave_url(story)).status_code == 405


def test_coming_back_offers_the_draft_and_restores_it_without_javascript(editor_client, make):
    story = make.article(headline="Saved headline", body="<p>Saved body.</p>")
    autosave(editor_client, story, headline="Typed headline", body="<p>Typed body.</p>")
    page = editor_client.get(change_url(story)).text
    assert "that was never saved" in page and 'href="?draft=restore"' in page
    restored = editor_client.get(change_url(story) + "?draft=restore").text
    assert 'value="Typed headline"' in restored
    assert "Typed body." in restored
    assert "is back in the form" in restored


def test_a_restored_draft_keeps_the_version_it_was_typed_from(staff_client, make):
    """Restoring text typed from version 0 after someone saved version 1 must not overwrite
    their save: the form carries version 0, and saving it shows the conflict."""
    story = make.article(headline="Original")
    me, other = staff_client(["Editors"]), staff_client(["Editors"])
    autosave(me, story, headline="My unsaved headline")
    other.post(
        change_url(story), form_for(story, headline="Their saved headline", based_on_version=0)
    )
    restored = me.get(change_url(story) + "?draft=restore").text
    assert 'name="based_on_version" value="0"' in restored
    story.refresh_from_db()
    response = me.post(
        change_url(story), form_for(story, headline="My unsaved headline", based_on_version=0)
    )
    assert response.status_code == 200 and "Not saved:" in response.text


def test_saving_the_form_deletes_the_draft_and_discarding_does_too(editor_client, make):
    story = make.article()
    autosave(editor_client, story, headline="Typed")
    editor_client.post(change_url(story), form_for(story, headline="Typed", based_on_version=0))
    assert not Draft.objects.exists()
    story.refresh_from_db()
    autosave(editor_client, story, headline="Typed again")
    discard = reverse("admin:articles_article_discard_draft", args=[story.pk])
    assert editor_client.post(discard).status_code == 302
    assert not Draft.objects.exists()


def test_a_draft_the_same_as_the_article_is_not_offered(editor_client, make):
    story = make.article(headline="Same", tags=["Harbour"])
    autosave(editor_client, story, headline="Same", tags="harbour")
    assert "that was never saved" not in editor_client.get(change_url(story)).text


def test_presence_names_who_else_has_the_article_open_in_the_last_two_minutes(staff_client, make):
    story = make.article()
    fay = staff_client(["Editors"], first_name="Fay", last_name="First")
    sam = staff_client(["Editors"], first_name="Sam", last_name="Second")
    old = staff_client(["Editors"], first_name="Old", last_name="Timer")
    old.get(change_url(story))
    Presence.objects.filter(user=old.user).update(seen_at=timezone.now() - timedelta(minutes=3))
    fay.get(change_url(story))
    page = sam.get(change_url(story)).text
    assert "Also open by Fay First" in page and "Old Timer" not in page
    answer = fay.post(presence_url(story)).json()
    assert [other["name"] for other in answer["others"]] == ["Sam Second"]
    assert fay.get(presence_url(story)).status_code == 405
    assert staff_client(["Moderators"]).post(presence_url(story)).status_code == 404


def test_tag_suggestions_match_any_case_once_each(editor_client, make):
    make.article(tags=["Harbour", "Harbour lights", "Transport"])
    url = reverse("admin:articles_article_tags")
    assert editor_client.get(url, {"q": "harb"}).json() == {"tags": ["Harbour", "Harbour lights"]}
    assert editor_client.get(url, {"q": "OUR"}).json()["tags"] == ["Harbour", "Harbour lights"]
    assert editor_client.get(url, {"q": ""}).json() == {"tags": []}
    assert editor_client.get(url, {"q": "\x00" * 500}).status_code == 200
    assert editor_client.get(url, {"q": "har\x00b"}).json()["tags"] == ["Harbour", "Harbour lights"]


def test_autosave_keeps_text_with_a_nul_on_either_database(editor_client, make):
    story = make.article()
    assert autosave(editor_client, story, headline="A\x00B").status_code == 200
    assert Draft.objects.get().content == {"headline": "AB"}


def test_a_tag_typed_in_another_case_is_the_same_tag(editor_client, make):
    make.article(tags=["Harbour"])
    story = make.article()
    editor_client.post(
        change_url(story), form_for(story, tags="HARBOUR, harbour", based_on_version=0)
    )
    assert [tag.name for tag in story.tags.all()] == ["Harbour"]


def test_the_picture_library_search_finds_by_caption_and_needs_permission(
    editor_client, staff_client, make
):
    make.image(caption="Tram at the depot", credit="City Archive")
    make.image(caption="Harbour at dawn")
    url = reverse("admin:articles_article_pictures")
    found = editor_client.get(url, {"q": "tr\x00am"}).json()["pictures"]
    assert [(p["caption"], p["credit"]) for p in found] == [("Tram at the depot", "City Archive")]
    assert found[0]["src"].startswith("/media/images/")
    assert len(editor_client.get(url).json()["pictures"]) == 2
    assert staff_client(["Moderators"]).get(url).status_code == 403


def test_the_form_carries_the_desk_and_its_script(editor_client, make):
    story = make.article()
    page = editor_client.get(change_url(story)).text
    assert 'id="writing-desk"' in page
    assert (
        'data-autosave-url="' + reverse("admin:articles_article_autosave", args=[story.pk]) in page
    )
    assert "articles/desk.js" in page
    assert "<script>" not in page.replace('<script src="', "")  # no inline script


def test_the_picture_dialog_uploads_to_the_library_with_its_rules(
    editor_client, staff_client, make
):
    url = reverse("admin:articles_article_picture_upload")
    fields = {"alt_text": "A tram", "caption": "The new tram", "credit": "City Archive"}
    response = editor_client.post(url, {**fields, "file": make.upload("tram.jpg")})
    assert response.status_code == 201
    picture = response.json()["picture"]
    assert (picture["caption"], picture["credit"], picture["alt"]) == (
        "The new tram",
        "City Archive",
        "A tram",
    )
    assert picture["src"].startswith("/media/images/")
    not_a_picture = make.upload("notes.jpg", content=b"not a picture at all")
    refused = editor_client.post(url, {**fields, "file": not_a_picture})
    assert refused.status_code == 400 and refused.json()["error"].startswith("Not uploaded:")
    no_alt = editor_client.post(url, {"file": make.upload("b.jpg")})
    assert no_alt.status_code == 400 and "alt_text" in no_alt.json()["errors"]
    assert editor_client.get(url).status_code == 405
    moderator = staff_client(["Moderators"])
    assert moderator.post(url, {**fields, "file": make.upload("c.jpg")}).status_code == 403
    from articles.models import Image

    assert Image.objects.count() == 1


def test_a_new_article_is_autosaved_too_and_offered_back_on_the_add_form(
    editor_client, staff_client, make
):
    from tests.articles.test_admin import ADD_URL, article_form

    url = reverse("admin:articles_article_autosave_new")
    payload = {"based_on_version": 0, "fields": {"headline": "A story not saved yet"}}
    response = editor_client.post(url, json.dumps(payload), content_type="application/json")
    assert response.status_code == 200
    draft = Draft.objects.get()
    assert draft.article is None and draft.content == {"headline": "A story not saved yet"}
    # Another save replaces it: one new-article draft per editor.
    payload["fields"]["headline"] = "A story, still not saved"
    editor_client.post(url, json.dumps(payload), content_type="application/json")
    assert Draft.objects.get().content["headline"] == "A story, still not saved"
    page = editor_client.get(ADD_URL).text
    assert "that was never saved (autosaved as you typed) for a new article" in page
    restored = editor_client.get(ADD_URL + "?draft=restore").text
    assert 'value="A story, still not saved"' in restored
    # Saving an unrelated story keeps it; adding the story deletes it.
    other = make.article()
    editor_client.post(change_url(other), form_for(other, headline="Else", based_on_version=0))
    assert Draft.objects.count() == 1
    section, writer = make.section(), make.author()
    added = editor_client.post(
        ADD_URL,
        article_form(
            headline="A story, saved",
            section=section.pk,
            **{"articleauthor_set-0-author": writer.pk},
        ),
    )
    assert added.status_code == 302
    assert not Draft.objects.exists()
    moderator = staff_client(["Moderators"])
    assert (
        moderator.post(url, json.dumps(payload), content_type="application/json").status_code == 403
    )
    discard = reverse("admin:articles_article_discard_new_draft")
    editor_client.post(url, json.dumps(payload), content_type="application/json")
    assert editor_client.post(discard).status_code == 302
    assert not Draft.objects.exists()
