"""Corrections: a marked box on the article, a public list, nothing from unpublished articles."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Correction

pytestmark = pytest.mark.django_db

CORRECTIONS_URL = reverse("articles:corrections")


def test_article_page_shows_corrections_in_a_marked_box_above_the_body(client, make):
    story = make.article(body="<p>The vote was on Monday.</p>")
    make.correction(story, text="The vote was on Tuesday, not Monday.")
    html = client.get(story.get_absolute_url()).text
    assert 'class="correction"' in html and ">Correction</strong>" in html
    assert "The vote was on Tuesday, not Monday." in html
    assert html.index("The vote was on Tuesday") < html.index("The vote was on Monday.")
    assert "<time datetime=" in html[html.index('class="correction"') :]


def test_correction_text_is_plain_text(client, make):
    story = make.article()
    make.correction(story, text='<b>bold</b> & <script>alert("x")</script>')
    html = client.get(story.get_absolute_url()).text
    assert "<script>alert" not in html and "&lt;b&gt;bold&lt;/b&gt; &amp;" in html


def test_future_dated_correction_waits(client, make):
    story = make.article()
    make.correction(story, text="Not yet", published_at=timezone.now() + timedelta(hours=1))
    assert "Not yet" not in client.get(story.get_absolute_url()).text
    assert "Not yet" not in client.get(CORRECTIONS_URL).text


def test_article_without_corrections_has_no_box(client, make):
    story = make.article()
    assert 'class="correction"' not in client.get(story.get_absolute_url()).text


def test_corrections_page_lists_newest_first_with_links(client, make):
    older = make.correction(text="Older fix", published_at=timezone.now() - timedelta(days=2))
    make.correction(text="Newer fix", published_at=timezone.now() - timedelta(hours=1))
    response = client.get(CORRECTIONS_URL)
    assert response.status_code == 200
    html = response.text
    assert html.count('class="correction-list__item"') == 2
    assert html.index("Newer fix") < html.index("Older fix")
    assert f'href="{older.article.get_absolute_url()}#correction-{older.pk}"' in html
    assert older.article.headline in html


def test_corrections_on_unpublished_articles_are_never_shown(client, make):
    draft = make.article(headline="Draft story", status=Article.Status.DRAFT)
    future = make.article(headline="Embargoed", published_at=timezone.now() + timedelta(days=1))
    pulled = make.article(headline="Pulled story")
    for story in (draft, future, pulled):
        make.correction(story, text=f"Fix for {story.headline}")
    pulled.unpublish()
    shown = make.correction(text="Fix for a public story")
    assert list(Correction.objects.published()) == [shown]
    html = client.get(CORRECTIONS_URL).text
    assert "Fix for a public story" in html
    assert "Fix for Draft story" not in html and "Draft story" not in html
    assert "Embargoed" not in html and "Pulled story" not in html


def test_empty_corrections_page_says_so(client):
    response = client.get(CORRECTIONS_URL)
    assert response.status_code == 200
    assert "No corrections have been published." in response.text


def test_corrections_page_is_paginated(client, make):
    story = make.article()
    for n in range(25):
        make.correction(story, text=f"Fix {n}")
    items = 'class="correction-list__item"'
    assert client.get(CORRECTIONS_URL).text.count(items) == 20
    assert client.get(CORRECTIONS_URL, {"page": 2}).text.count(items) == 5
    assert client.get(CORRECTIONS_URL, {"page": 3}).status_code == 404
    assert client.get(CORRECTIONS_URL, {"page": "x"}).status_code == 404


def test_corrections_page_query_count_does_not_grow(client, make, django_assert_num_queries):
    make.correction()
    client.get("/")  # warm the menu cache
    with django_assert_num_queries(2) as small:
        client.get(CORRECTIONS_URL)
    for _ in range(6):
        make.correction()
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(CORRECTIONS_URL).text.count('class="correction-list__item"') == 7


def test_article_page_query_count_does_not_grow_with_corrections(
    client, make, django_assert_num_queries
):
    story = make.article()
    make.correction(story)
    client.get(story.get_absolute_url())
    with CaptureQueriesContext(connection) as one:
        client.get(story.get_absolute_url())
    for _ in range(5):
        make.correction(story)
    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get(story.get_absolute_url()).text
    assert html.count('class="correction"') == 6


def test_footer_links_to_corrections(client):
    assert f'href="{CORRECTIONS_URL}"' in client.get("/").text


def test_editor_adds_a_correction_inline_in_the_admin(client, make):
    from tests.articles.test_admin import article_form

    client.force_login(make.staff(["Editors"]))
    story = make.article(headline="Old headline")
    link = story.articleauthor_set.get()
    url = reverse("admin:articles_article_change", args=[story.pk])
    assert "Corrections" in client.get(url).text
    published = timezone.localtime(story.published_at)
    response = client.post(
        url,
        article_form(
            headline="Old headline",
            slug=story.slug,
            section=story.section_id,
            published_at_0=published.strftime("%Y-%m-%d"),
            published_at_1=published.strftime("%H:%M:%S"),
            **{
                "articleauthor_set-INITIAL_FORMS": "1",
                "articleauthor_set-0-id": link.pk,
                "articleauthor_set-0-article": story.pk,
                "articleauthor_set-0-author": link.author_id,
                "corrections-TOTAL_FORMS": "1",
                "corrections-0-text": "We gave the wrong headline.",
                "corrections-0-published_at_0": published.strftime("%Y-%m-%d"),
                "corrections-0-published_at_1": published.strftime("%H:%M:%S"),
            },
        ),
    )
    assert response.status_code == 302, response.context["inline_admin_formsets"]
    assert story.corrections.get().text == "We gave the wrong headline."
    assert "We gave the wrong headline." in client.get(story.get_absolute_url()).text


def test_seed_demo_adds_corrections_once():
    from django.core.management import call_command

    call_command("seed_demo", "--articles", "10", "--images", "2")
    assert Correction.objects.published().count() == 2
    call_command("seed_demo", "--articles", "10", "--images", "2")
    assert Correction.objects.count() == 2
