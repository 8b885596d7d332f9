"""Every public surface asks one rule whether an article is public (``Article.public_filter``).

The test takes the rule away (no status counts as public) and visits every surface that shows an
article: a surface that decided "public" for itself (a status literal, date arithmetic) would
still show the story, and fail here. When a state is added (review, scheduled, expired), this
rule is the one place to change.
"""

import pytest
from django.urls import reverse

from articles.models import Article
from newsletter.models import Issue

pytestmark = pytest.mark.django_db

HEADLINE = "Harbour bridge reopens after two years"


@pytest.fixture
def story(make):
    section = make.section(name="City", slug="city")
    person = make.author(name="Ada Reporter", slug="ada-reporter")
    story = make.article(headline=HEADLINE, section=section, authors=[person], tags=["Harbour"])
    make.correction(story, text="An earlier version misspelt the bridge's name.")
    make.comment(story)
    return story


@pytest.fixture
def nothing_is_public(monkeypatch):
    monkeypatch.setattr(Article, "PUBLIC_STATUSES", ())


def public_pages(story):
    tag = story.tags.get()
    return [
        reverse("articles:home"),
        story.section.get_absolute_url(),
        tag.get_absolute_url(),
        story.ordered_authors[0].get_absolute_url(),
        reverse("articles:search") + "?q=harbour",
        reverse("articles:corrections"),
    ]


def test_the_story_is_on_every_surface_while_the_rule_says_public(client, story):
    for url in public_pages(story):
        assert HEADLINE in client.get(url).text, url
    assert client.get(story.get_absolute_url()).status_code == 200
    assert story.is_public


def test_no_surface_shows_the_story_once_the_rule_says_otherwise(
    client, make, story, nothing_is_public
):
    for url in public_pages(story):
        response = client.get(url)
        assert response.status_code == 200, url
        assert HEADLINE not in response.text, url
    assert client.get(story.get_absolute_url()).status_code == 404
    assert not story.is_public
    posted = client.post(reverse("comments:post", args=[story.pk]), make.comment_form_data())
    assert posted.status_code == 404
    issue = make.issue(articles=[story], status=Issue.Status.SENT)
    assert issue.ordered_articles() == []
    assert list(Issue.best_stories(30)) == []


@pytest.mark.parametrize("status", list(Article.Status))
@pytest.mark.parametrize("published", [None, -60, 60])
@pytest.mark.parametrize("expires", [None, -30, 3600])
def test_is_public_agrees_with_the_query_rule_for_every_state_and_time(
    make, status, published, expires
):
    """``is_public`` answers for one row without a query, so it spells the rule out in Python:
    this pins it to ``public_filter`` for every status and every side of each time."""
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    story = make.article()
    Article.objects.filter(pk=story.pk).update(
        status=status,
        published_at=None if published is None else now + timedelta(seconds=published),
        expires_at=None if expires is None else now + timedelta(seconds=expires),
    )
    story.refresh_from_db()
    assert story.is_public == Article.objects.published().filter(pk=story.pk).exists()
