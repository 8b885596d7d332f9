import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    Correction,
    FollowLink,
    Image,
    Section,
    Tag,
    TaggedArticle,
)

pytestmark = pytest.mark.django_db


def seed(*args):
    call_command("seed_demo", "--images", "3", *args)


def test_seed_demo_builds_a_realistic_site(client):
    seed("--articles", "30")
    assert Section.objects.count() == 8
    assert Author.objects.count() == 10
    assert all(author.bio and author.photo_id for author in Author.objects.all())
    assert Article.objects.count() == 30
    assert Article.objects.filter(status=Article.Status.DRAFT).exists()
    assert Article.objects.published().count() >= 25
    assert Article.objects.filter(is_featured=True).exists()
    assert not Article.objects.filter(lead_image=None).exists()
    assert FollowLink.objects.count() == 2
    assert TaggedArticle.objects.count() >= 30
    assert ArticleAuthor.objects.count() >= 30
    story = Article.objects.published().first()
    assert "<h2>" in story.body_html
    assert "srcset=" in story.body_html and "Image source:" in story.body_html
    assert story.standfirst
    assert Image.objects.filter(credit="Newsroom demo desk").exclude(renditions=[]).count() >= 3
    # And the site shows it.
    assert client.get("/").status_code == 200
    assert client.get(story.get_absolute_url()).status_code == 200


def test_seed_demo_shows_a_progress_bar_on_its_error_stream():
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_demo", "--images", "2", "--articles", "4", stdout=out, stderr=err)
    assert "Articles: 100%" in err.getvalue() and "4/4" in err.getvalue()
    assert "4 new articles" in out.getvalue()


def test_seed_demo_refuses_a_negative_count_with_a_message():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--articles must be 0 or more"):
        seed("--articles", "-1")
    assert not Article.objects.exists()


SEEDED = (
    Article,
    ArticleAuthor,
    Author,
    Correction,
    FollowLink,
    Image,
    Section,
    Tag,
    TaggedArticle,
)


def test_seed_demo_twice_adds_nothing_new():
    seed()
    counts = {model.__name__: model.objects.count() for model in SEEDED}
    assert counts["Article"] == 60  # the default
    assert counts["Correction"] == 2
    seed()
    assert {model.__name__: model.objects.count() for model in SEEDED} == counts


def test_seed_demo_tops_up_to_a_larger_number():
    seed("--articles", "5")
    seed("--articles", "9")
    assert Article.objects.count() == 9


def test_if_empty_leaves_an_existing_site_alone(make):
    make.article()
    seed("--if-empty", "--articles", "5")
    assert Article.objects.count() == 1


def test_seed_demo_fills_the_editorial_calendar():
    seed("--articles", "45")
    now = timezone.now()
    draft = Article.objects.get(status=Article.Status.DRAFT)
    review = Article.objects.get(status=Article.Status.IN_REVIEW)
    scheduled = Article.objects.get(status=Article.Status.SCHEDULED)
    assert draft.planned_on and review.planned_on
    assert now < scheduled.published_at < now + timedelta(days=7)
    assert not Article.objects.published().filter(pk=scheduled.pk).exists()
