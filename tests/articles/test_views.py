import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_shows_published_story_and_hides_drafts(client, make):
    story = make.article(headline="Council approves budget", lead_image=make.image())
    make.article(headline="Secret draft", status="draft")
    response = client.get("/")
    assert response.status_code == 200
    assert "Council approves budget" in response.text
    assert "Secret draft" not in response.text
    assert story.get_absolute_url() in response.text


def test_article_page_carries_every_slot(client, make):
    story = make.article(lead_image=make.image(credit="Jane Doe / Agency"), tags=["Budget"])
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    for words in [
        "Advertisement",
        "Newsletter",
        "Written by",
        "Share this story",
        "Image source: Jane Doe / Agency",
    ]:
        assert words in response.text


@pytest.mark.parametrize("page", ["abc", "999"])
def test_bad_page_numbers_are_404_not_500(client, make, page):
    section = make.section()
    make.article(section=section)
    response = client.get(reverse("articles:section", args=[section.slug]), {"page": page})
    assert response.status_code == 404
