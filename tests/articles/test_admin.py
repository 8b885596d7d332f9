"""Editors publish, Authors write their own drafts, anonymous users are sent to log in."""

import html
import json
import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Image

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:articles_article_add")
CHANGELIST_URL = reverse("admin:articles_article_changelist")


def article_form(**overrides):
    """The admin add/change form as a browser posts it, with the byline inline formset."""
    data = {
        "headline": "Harbour bridge reopens",
        "slug": "harbour-bridge-reopens",
        "standfirst": "The crossing is open again after two years.",
        "body": "<h2>What changed</h2><p>Engineers finished early.</p><script>x()</script>",
        "lead_image": "",
        "section": "",
        "tags": "Transport, Harbour",
        "expires_at_0": "",
        "expires_at_1": "",
        "lead_until_0": "",
        "lead_until_1": "",
        "comments_open": "on",
        "seo_title": "",
        "seo_description": "",
        "articleauthor_set-TOTAL_FORMS": "1",
        "articleauthor_set-INITIAL_FORMS": "0",
        "articleauthor_set-MIN_NUM_FORMS": "0",
        "articleauthor_set-MAX_NUM_FORMS": "1000",
        "articleauthor_set-0-author": "",
        "articleauthor_set-0-position": "0",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
        "corrections-MIN_NUM_FORMS": "0",
        "corrections-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


@pytest.fixture
def author_user(client, make):
    user = make.staff(["Authors"])
    make.author(name="Ada Author", user=user)
    client.force_login(user)
    return user


# Groups ------------------------------------------------------------------------------------


def test_groups_exist_with_the_right_permissions():
    editors = Group.objects.get(name="Editors")
    authors = Group.objects.get(name="Authors")
    moderators = Group.objects.get(name="Moderators")
    editor_perms = set(editors.permissions.values_list("codename", flat=True))
    author_perms = set(authors.permissions.values_list("codename", flat=True))
    assert {"publish_article", "add_article", "change_article", "delete_article"} <= editor_perms
    assert {"add_image", "change_image", "add_section", "add_author", "change_tag"} <= editor_perms
    assert {"add_article", "change_article", "add_image"} <= author_perms
    assert "publish_article" not in author_perms
    assert "delete_article" not in author_perms
    assert not moderators.permissions.filter(content_type__app_label="articles").exists()


# Editors -----------------------------------------------------------------------------------


def test_editor_adds_and_publishes_an_article_with_a_lead_image(client, editor, make):
    section, writer, picture = make.section(), make.author(), make.image()
    response = client.post(
        ADD_URL,
        article_form(
            section=section.pk,
            lead_image=picture.pk,
            transition="publish",
            **{"articleauthor_set-0-author": writer.pk},
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    story = Article.objects.get()
    assert story.status == Article.Status.PUBLISHED
    assert story.published_at is not None
    assert story.lead_image == picture
    assert list(story.authors.all()) == [writer]
    assert sorted(story.tags.names()) == ["Harbour", "Transport"]
    assert "<script>" not in story.body_html and "<h2>What changed</h2>" in story.body_html
    page = client.get(story.get_absolute_url())
    assert page.status_code == 200 and "Harbour bridge reopens" in page.text


def test_a_post_without_the_inline_rows_saves_the_article_and_keeps_its_byline(
    client, editor, make
):
    story = make.article(headline="Old headline")
    byline = list(story.authors.all())
    make.correction(article=story, text="An earlier figure was wrong.")
    data = {
        key: value
        for key, value in article_form(headline="Retitled", section=story.section_id).items()
        if not key.startswith(("articleauthor_set-", "corrections-"))
    }
    url = reverse("admin:articles_article_change", args=[story.pk])
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    story.refresh_from_db()
    assert story.headline == "Retitled"
    assert list(story.authors.all()) == byline
    assert story.corrections.count() == 1


def test_editor_changes_an_article(client, editor, make):
    story = make.article(headline="Old headline")
    url = reverse("admin:articles_article_change", args=[story.pk])
    assert client.get(url).status_code == 200
    link = story.articleauthor_set.get()
    response = client.post(
        url,
        article_form(
            headline="New headline",
            slug=story.slug,
            section=story.section_id,
            published_at_0=timezone.localtime(story.published_at).strftime("%Y-%m-%d"),
            published_at_1=timezone.localtime(story.published_at).strftime("%H:%M:%S"),
            **{
                "articleauthor_set-INITIAL_FORMS": "1",
                "articleauthor_set-0-id": link.pk,
                "articleauthor_set-0-article": story.pk,
                "articleauthor_set-0-author": link.author_id,
            },
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    story.refresh_from_db()
    assert story.headline == "New headline"


def test_invalid_article_form_keeps_what_was_typed(client, editor):
    response = client.post(ADD_URL, article_form(section=""))
    assert response.status_code == 200
    assert "This field is required" in response.text
    assert "Harbour bridge reopens" in response.text
    assert not Article.objects.exists()


def test_add_form_prefills_slug_and_offers_the_image_preview(client, editor):
    response = client.get(ADD_URL)
    assert response.status_code == 200
    # Django always renders the data attribute; what matters is that it ties slug to headline.
    prepopulated = re.search(r'data-prepopulated-fields="([^"]*)"', response.text)
    fields = json.loads(html.unescape(prepopulated[1]))
    slug = next(field for field in fields if field["id"] == "#id_slug")
    assert slug["dependency_ids"] == ["#id_headline"]
    assert slug["allowUnicode"] is True  # headlines in any script keep their letters
    assert 'class="lead-image-preview"' in response.text
    assert "articles/lead_image.js" in response.text
    assert "articles/prose_editor_csp.js" in response.text
    assert "django_prose_editor/configurable.js" in response.text
    # The add link ("+") next to the lead image opens the image library's upload form.
    assert reverse("admin:articles_image_add") in response.text


def test_an_empty_slug_is_made_from_the_headline_and_kept_unique(client, editor, make):
    section = make.section()
    make.article(headline="Harbour bridge reopens", slug="harbour-bridge-reopens")
    response = client.post(ADD_URL, article_form(section=section.pk, slug="", transition="publish"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    story = Article.objects.get(headline="Harbour bridge reopens", slug__endswith="-2")
    assert story.slug == "harbour-bridge-reopens-2"
    assert client.get(story.get_absolute_url()).status_code == 200


def test_a_typed_slug_that_is_taken_is_refused_and_the_form_kept(client, editor, make):
    make.article(slug="harbour-bridge-reopens")
    response = client.post(ADD_URL, article_form(section=make.section().pk))
    assert response.status_code == 200
    assert "Article with this Slug already exists." in response.text
    assert "The crossing is open again after two years." in response.text
    assert Article.objects.count() == 1


def test_editing_a_colleagues_story_leaves_its_byline_alone(client, make):
    editor = make.staff(["Editors"])
    make.author(name="Eddie Editor", user=editor)
    client.force_login(editor)
    story = make.article(headline="Old headline")
    byline = list(story.authors.all())
    url = reverse("admin:articles_article_change", args=[story.pk])
    response = client.post(url, article_form(headline="New headline", section=story.section_id))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(story.authors.all()) == byline


def test_editors_new_story_without_a_byline_carries_their_name(client, make):
    editor = make.staff(["Editors"])
    make.author(name="Eddie Editor", user=editor)
    client.force_login(editor)
    response = client.post(ADD_URL, article_form(section=make.section().pk))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert [a.name for a in Article.objects.get().authors.all()] == ["Eddie Editor"]


def test_editor_uploads_a_lead_image_from_the_article_form(client, editor, make):
    """The "+" beside the lead image opens the library's upload form in a popup; the new picture
    comes back to the article form, which then saves with it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    popup = reverse("admin:articles_image_add") + "?_to_field=id&_popup=1"
    upload = SimpleUploadedFile("quay.jpg", make.jpeg_bytes(1200, 800), "image/jpeg")
    response = client.post(
        popup,
        {"file": upload, "alt_text": "The quay at dawn", "_popup": "1", "_to_field": "id"},
    )
    assert response.status_code == 200
    picture = Image.objects.get(alt_text="The quay at dawn")
    assert "popup_response" in response.text and f"&quot;{picture.pk}&quot;" in response.text
    response = client.post(
        ADD_URL,
        article_form(section=make.section().pk, lead_image=picture.pk, transition="publish"),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    story = Article.objects.get()
    assert story.lead_image == picture
    page = client.get(story.get_absolute_url()).text
    assert picture.webp_srcset in page and 'alt="The quay at dawn"' in page


def test_editor_bulk_publishes_and_unpublishes(client, editor, make):
    drafts = [make.article(status=Article.Status.DRAFT) for _ in range(3)]
    response = client.post(
        CHANGELIST_URL,
        {"action": "publish_selected", "_selected_action": [a.pk for a in drafts[:2]]},
        follow=True,
    )
    assert "Published 2 articles." in response.text
    assert Article.objects.published().count() == 2
    response = client.post(
        CHANGELIST_URL,
        {"action": "unpublish_selected", "_selected_action": [drafts[0].pk]},
        follow=True,
    )
    assert "Unpublished 1 article." in response.text
    assert Article.objects.published().count() == 1


def test_changelist_has_filters_search_dates_and_preview_links(client, editor, make):
    make.article(headline="Budget passes")
    draft = make.article(headline="Budget draft", status=Article.Status.DRAFT)
    make.article(headline="Football final")
    response = client.get(CHANGELIST_URL, {"q": "budget"})
    assert "Budget passes" in response.text and "Football final" not in response.text
    assert draft.get_preview_url() in response.text
    for name in ["status", "section", "authors", "is_featured"]:
        assert f"{name}" in str(response.context["cl"].list_filter)
    assert response.context["cl"].date_hierarchy == "published_at"
    assert client.get(CHANGELIST_URL, {"status__exact": "draft"}).context["cl"].result_count == 1


def test_changelist_filters_and_date_hierarchy_narrow_the_list(client, editor, make):
    sport, news = make.section(name="Sport"), make.section(name="News")
    writer = make.author()
    old = make.article(section=sport, published_at=datetime(2024, 3, 15, 12, tzinfo=UTC))
    recent = make.article(section=news, authors=[writer], is_featured=True)
    make.article(section=news, status=Article.Status.DRAFT)

    def listed(**params):
        response = client.get(CHANGELIST_URL, params)
        assert response.status_code == 200
        return {article.pk for article in response.context["cl"].result_list}

    assert listed(published_at__year="2024") == {old.pk}
    assert listed(published_at__year="2024", published_at__month="3") == {old.pk}
    assert listed(section__id__exact=sport.pk) == {old.pk}
    assert listed(authors__id__exact=writer.pk) == {recent.pk}
    assert listed(is_featured__exact="1") == {recent.pk}
    assert listed(status__exact="published", section__id__exact=news.pk) == {recent.pk}


def test_changelist_search_finds_stories_by_their_authors_once_each(client, editor, make):
    okafor, okafor_junior = make.author(name="Amara Okafor"), make.author(name="Ben Okafor")
    make.article(headline="Tram line opens", authors=[okafor, okafor_junior])
    make.article(headline="Budget passes")
    response = client.get(CHANGELIST_URL, {"q": "okafor"})
    assert response.context["cl"].result_count == 1
    assert [a.headline for a in response.context["cl"].result_list] == ["Tram line opens"]


def test_view_on_site_goes_to_the_page_or_the_preview(client, editor, make):
    story, draft = make.article(), make.article(status=Article.Status.DRAFT)
    page = client.get(reverse("admin:articles_article_change", args=[story.pk]))
    assert f'href="{story.get_absolute_url()}"' in page.text
    page = client.get(reverse("admin:articles_article_change", args=[draft.pk]))
    assert f'href="{draft.get_preview_url()}"' in page.text


# Authors -----------------------------------------------------------------------------------


def test_author_cannot_publish_through_the_form(client, author_user, make):
    section = make.section()
    refused = client.post(ADD_URL, article_form(section=section.pk, transition="publish"))
    assert refused.status_code == 200
    assert "Editors do that" in refused.text
    assert not Article.objects.exists()  # nothing half-saved
    response = client.post(ADD_URL, article_form(section=section.pk, status="published"))
    assert response.status_code == 302
    story = Article.objects.get()
    assert story.status == Article.Status.DRAFT
    assert not Article.objects.published().exists()
    # ... and the article carries their name, so they can find it again.
    assert [a.name for a in story.authors.all()] == ["Ada Author"]


def test_author_without_a_profile_gets_one_and_finds_their_draft_again(client, make):
    writer = make.staff(["Authors"], first_name="Noor", last_name="Haddad")
    client.force_login(writer)
    response = client.post(ADD_URL, article_form(section=make.section().pk))
    assert response.status_code == 302
    story = Article.objects.get()
    assert story.status == Article.Status.DRAFT
    assert [a.name for a in story.authors.all()] == ["Noor Haddad"]
    assert writer.author_profile.slug == "noor-haddad"
    assert story.headline in client.get(CHANGELIST_URL).text
    assert client.get(reverse("admin:articles_article_change", args=[story.pk])).status_code == 200


def test_author_who_drops_their_name_from_the_byline_keeps_the_draft(client, author_user, make):
    own = make.article(status=Article.Status.DRAFT, authors=[author_user.author_profile])
    link = own.articleauthor_set.get()
    url = reverse("admin:articles_article_change", args=[own.pk])
    response = client.post(
        url,
        article_form(
            headline="Still mine",
            slug=own.slug,
            section=own.section_id,
            **{
                "articleauthor_set-INITIAL_FORMS": "1",
                "articleauthor_set-0-id": link.pk,
                "articleauthor_set-0-article": own.pk,
                "articleauthor_set-0-author": link.author_id,
                "articleauthor_set-0-DELETE": "on",
            },
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(own.authors.all()) == [author_user.author_profile]
    assert client.get(url).status_code == 200


def test_author_form_has_no_status_choice(client, author_user):
    response = client.get(ADD_URL)
    assert 'name="status"' not in response.text
    assert 'name="is_featured"' not in response.text


def test_author_cannot_publish_with_the_bulk_action(client, author_user, make):
    own = make.article(status=Article.Status.DRAFT, authors=[author_user.author_profile])
    response = client.get(CHANGELIST_URL)
    assert "publish_selected" not in response.text
    client.post(CHANGELIST_URL, {"action": "publish_selected", "_selected_action": [own.pk]})
    own.refresh_from_db()
    assert own.status == Article.Status.DRAFT


def test_author_sees_and_changes_only_their_own_drafts(client, author_user, make):
    own = make.article(status=Article.Status.DRAFT, authors=[author_user.author_profile])
    other = make.article(status=Article.Status.DRAFT, headline="Someone else's draft")
    response = client.get(CHANGELIST_URL)
    assert own.headline in response.text
    assert "Someone else&#x27;s draft" not in response.text
    assert (
        client.get(reverse("admin:articles_article_change", args=[other.pk])).status_code == 302
    )  # not found: the admin sends them back to the index with a message


def test_author_cannot_change_their_published_article(client, author_user, make):
    story = make.article(authors=[author_user.author_profile], headline="Out already")
    url = reverse("admin:articles_article_change", args=[story.pk])
    response = client.post(url, article_form(headline="Sneaky edit", section=story.section_id))
    assert response.status_code == 403
    story.refresh_from_db()
    assert story.headline == "Out already"


# Anonymous ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:index"),
        CHANGELIST_URL,
        ADD_URL,
        reverse("admin:articles_image_add"),
    ],
)
def test_anonymous_users_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
