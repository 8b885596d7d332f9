"""Names in any script are ordinary input: every tag, section and author shown has a page."""

import pytest
from django.urls import reverse

from articles.models import Article, Tag

pytestmark = pytest.mark.django_db

NAMES = ["Zürich", "São Paulo", "東京", "Ελλάδα", "القاهرة", "Москва", "!!!", "—", "🎉"]


@pytest.mark.parametrize("name", NAMES)
def test_a_tag_in_any_script_has_a_working_page_linked_from_the_article(client, make, name):
    story = make.article(tags=[name])
    tag = Tag.objects.get(name=name)
    assert tag.slug  # never empty, whatever the name holds
    page = client.get(story.get_absolute_url())
    assert page.status_code == 200
    assert f'href="{tag.get_absolute_url()}"' in page.text
    tag_page = client.get(tag.get_absolute_url())
    assert tag_page.status_code == 200
    assert story.headline in tag_page.text
    assert name in tag_page.text


@pytest.mark.parametrize("name", NAMES)
def test_sections_and_authors_in_any_script_have_working_pages(client, make, name):
    section = make.section(name=name, slug="")
    person = make.author(name=name, slug="")
    story = make.article(section=section, authors=[person])
    for url in (section.get_absolute_url(), person.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200, url
        assert story.headline in response.text
    home = client.get(reverse("articles:home"))
    assert home.status_code == 200
    assert f'href="{section.get_absolute_url()}"' in home.text  # in the menu


def test_a_headline_in_another_script_keeps_its_letters_in_the_address(client, make):
    story = make.article(headline="東京で新しい橋が開通", slug="", tags=["東京", "!!!"])
    assert story.slug == "東京で新しい橋が開通"
    assert client.get(story.get_absolute_url()).status_code == 200


def test_the_preview_of_a_draft_with_such_tags_renders(client, make):
    draft = make.article(status=Article.Status.DRAFT, tags=["Ελλάδα", "—", "São Paulo"])
    client.force_login(make.staff(["Editors"]))
    response = client.get(draft.get_preview_url())
    assert response.status_code == 200
    for tag in draft.tags.all():
        assert f'href="{tag.get_absolute_url()}"' in response.text


def test_two_tags_that_slugify_to_nothing_get_different_pages(client, make):
    make.article(tags=["!!!", "—"])
    slugs = sorted(Tag.objects.values_list("slug", flat=True))
    assert slugs == ["tag", "tag-1"]
    for tag in Tag.objects.all():
        assert client.get(tag.get_absolute_url()).status_code == 200


def test_editors_tag_stories_in_any_script_from_the_admin(client, make):
    from tests.articles.test_admin import ADD_URL, article_form

    client.force_login(make.staff(["Editors"]))
    section = make.section()
    response = client.post(
        ADD_URL, article_form(section=section.pk, tags="Zürich, 東京, Ελλάδα, !!!")
    )
    assert response.status_code == 302
    story = Article.objects.get(headline="Harbour bridge reopens")
    assert sorted(tag.name for tag in story.tags.all()) == sorted(
        ["Zürich", "東京", "Ελλάδα", "!!!"]
    )
    for tag in story.tags.all():
        assert client.get(tag.get_absolute_url()).status_code == 200
