"""Every public page: what it shows, what it hides, and a query count that does not grow."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from newsroom.cache import fragments

pytestmark = pytest.mark.django_db


def grow(make, section, n=6):
    """More of everything a page shows: stories with pictures, several authors, tags."""
    for i in range(n):
        make.article(
            section=section,
            lead_image=make.image(size=(400, 250)),
            authors=[make.author(photo=make.image(size=(200, 200))) for _ in range(3)],
            tags=[f"tag-{i}", "shared", f"other-{i}"],
            is_featured=i % 2 == 0,
        )


def test_home_query_count_does_not_grow(client, make, count_queries, django_assert_num_queries):
    sections = [make.section(), make.section()]
    for section in sections:
        make.article(section=section, lead_image=make.image(size=(400, 250)), is_featured=True)
        make.article(section=section)
    small = count_queries("/")
    for section in sections:
        grow(make, section)
    large = count_queries("/")
    assert small == large
    cache.clear()
    fragments().clear()  # the menu and site settings
    with django_assert_num_queries(small):
        assert client.get("/").status_code == 200


@pytest.mark.parametrize("page", ["section", "tag", "author"])
def test_list_pages_query_count_does_not_grow(make, count_queries, page):
    section = make.section()
    person = make.author(photo=make.image(size=(200, 200)))
    make.article(section=section, authors=[person], tags=["shared"], lead_image=make.image())
    url = {
        "section": reverse("articles:section", args=[section.slug]),
        "tag": reverse("articles:tag", args=["shared"]),
        "author": reverse("articles:author", args=[person.slug]),
    }[page]
    small = count_queries(url)
    for i in range(8):
        make.article(
            section=section,
            authors=[person, make.author(), make.author(photo=make.image(size=(200, 200)))],
            tags=["shared", f"t{i}", f"u{i}"],
            lead_image=make.image(size=(400, 250)),
        )
    assert count_queries(url) == small


def test_article_page_query_count_does_not_grow(make, count_queries):
    section = make.section()
    story = make.article(section=section, tags=["one"], lead_image=make.image())
    make.article(section=section, tags=["one"])
    small = count_queries(story.get_absolute_url())
    bigger = make.article(
        section=section,
        tags=["one", "two", "three", "four", "five"],
        lead_image=make.image(),
        authors=[make.author(photo=make.image(size=(200, 200))) for _ in range(4)],
    )
    picture = make.image()
    bigger.body = (
        f'<figure><img src="{picture.file.url}" alt="a"></figure>'
        f'<p>x</p><figure><img src="{make.image().file.url}" alt="b"></figure>'
    )
    bigger.save()
    grow(make, section)
    assert count_queries(bigger.get_absolute_url()) == small


def test_preview_query_count_does_not_grow(client, make, count_queries):
    client.force_login(make.staff(["Editors"]))
    draft = make.article(status=Article.Status.DRAFT, tags=["a"])
    make.article(section=draft.section, tags=["a"])
    small = count_queries(draft.get_preview_url())
    bigger = make.article(
        status=Article.Status.DRAFT,
        tags=["a", "b", "c", "d"],
        authors=[make.author(photo=make.image(size=(200, 200))) for _ in range(3)],
        lead_image=make.image(),
    )
    grow(make, bigger.section)
    assert count_queries(bigger.get_preview_url()) == small


# What each page shows -------------------------------------------------------------------------


def test_home_has_lead_featured_and_latest_per_section(client, make):
    news, sport = make.section(name="News", slug="news"), make.section(name="Sport", slug="sport")
    lead = make.article(section=news, headline="The lead story", is_featured=True)
    lead.published_at = timezone.now()
    lead.save()
    featured = make.article(section=sport, headline="A featured story", is_featured=True)
    latest = [make.article(section=news, headline=f"News item {i}") for i in range(5)]
    make.article(section=sport, headline="Sport item")
    html = client.get("/").text
    assert headlines(part(html, 'class="lead-story"')) == [lead.headline]
    assert headlines(part(html, 'class="featured"')) == [featured.headline]
    assert headlines(part(html, 'aria-labelledby="section-sport"')) == ["Sport item"]
    news_block = headlines(part(html, 'aria-labelledby="section-news"'))
    assert len(news_block) == 4  # the latest four per section
    assert set(news_block) <= {a.headline for a in latest}


def part(html, marker):
    """The ``<section>`` of a page that carries ``marker``."""
    start = html.index(marker)
    return html[start : html.index("</section>", start)]


def headlines(html):
    return re.findall(r'class="teaser__headline"><a href="[^"]*">([^<]*)</a>', html)


def test_article_page_shows_byline_dates_tags_share_links_and_authors(client, make):
    writer = make.author(name="Jane Writer", bio="Jane covers transport.")
    story = make.article(authors=[writer], tags=["Rail"], lead_image=make.image(credit="Agency"))
    response = client.get(story.get_absolute_url())
    text = response.text
    assert story.headline in text and story.standfirst in text
    assert f'href="{writer.get_absolute_url()}"' in text
    assert "Jane covers transport." in text
    assert reverse("articles:tag", args=["rail"]) in text
    for network in ["Bluesky", "Mastodon", "Facebook", "LinkedIn", "Email", "Copy link"]:
        assert network in text
    assert "Image source: Agency" in text
    assert 'id="comments"' in text


def test_drafts_and_future_articles_are_404_to_readers(client, make):
    draft = make.article(status=Article.Status.DRAFT)
    future = make.article(published_at=timezone.now() + timedelta(hours=1))
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(future.get_absolute_url()).status_code == 404


def test_list_pages_never_show_drafts_or_future_stories(client, make):
    section = make.section()
    author = make.author()
    make.article(section=section, authors=[author], tags=["x"], headline="Visible story")
    make.article(
        section=section, authors=[author], tags=["x"], headline="Hidden draft", status="draft"
    )
    make.article(
        section=section,
        authors=[author],
        tags=["x"],
        headline="Hidden future",
        published_at=timezone.now() + timedelta(days=1),
    )
    for url in [
        "/",
        section.get_absolute_url(),
        reverse("articles:tag", args=["x"]),
        author.get_absolute_url(),
    ]:
        text = client.get(url).text
        assert "Visible story" in text, url
        assert "Hidden draft" not in text and "Hidden future" not in text, url


@pytest.mark.parametrize("page", ["abc", "0", "-1", "3", "999999999999999999999"])
@pytest.mark.parametrize("kind", ["section", "tag", "author"])
def test_bad_or_past_the_end_page_numbers_are_404(client, make, settings, kind, page):
    settings.ARTICLES_PER_PAGE = 2
    section, person = make.section(), make.author()
    for _ in range(3):  # two pages
        make.article(section=section, authors=[person], tags=["t"])
    url = {
        "section": section.get_absolute_url(),
        "tag": reverse("articles:tag", args=["t"]),
        "author": person.get_absolute_url(),
    }[kind]
    assert client.get(url, {"page": "2"}).status_code == 200
    assert client.get(url, {"page": page}).status_code == 404


def test_unknown_section_tag_and_author_are_404(client):
    for name in ["articles:section", "articles:tag", "articles:author", "articles:detail"]:
        assert client.get(reverse(name, args=["nope"])).status_code == 404


# Preview -----------------------------------------------------------------------------------


def test_staff_preview_shows_a_draft_marked_as_preview(client, make):
    draft = make.article(status=Article.Status.DRAFT, headline="Unfinished story")
    client.force_login(make.staff(["Editors"]))
    response = client.get(draft.get_preview_url())
    assert response.status_code == 200
    assert "Unfinished story" in response.text
    assert "Preview" in response.text
    assert '<meta name="robots" content="noindex">' in response.text


def test_author_previews_their_own_draft_but_not_someone_elses(client, make):
    writer = make.staff(["Authors"])
    own = make.article(status=Article.Status.DRAFT, authors=[make.author(user=writer)])
    other = make.article(status=Article.Status.DRAFT, headline="A colleague's scoop")
    client.force_login(writer)
    assert client.get(own.get_preview_url()).status_code == 200
    response = client.get(other.get_preview_url())
    assert response.status_code == 404
    assert "colleague" not in response.text


def test_staff_without_article_permissions_cannot_preview(client, make):
    # Refused outright (403), as the admin refuses them; an Author asking for someone else's
    # draft gets a 404 instead, as if it did not exist.
    client.force_login(make.staff(["Moderators"]))
    draft = make.article(status=Article.Status.DRAFT, headline="Embargoed")
    response = client.get(draft.get_preview_url())
    assert response.status_code == 403
    assert "Embargoed" not in response.text


def test_anonymous_preview_is_sent_to_login(client, make):
    draft = make.article(status=Article.Status.DRAFT)
    response = client.get(draft.get_preview_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_non_staff_preview_is_sent_to_login(client, make):
    client.force_login(make.user())
    draft = make.article(status=Article.Status.DRAFT)
    response = client.get(draft.get_preview_url())
    assert response.status_code == 302


# Error pages ----------------------------------------------------------------------------------


def test_404_page_uses_the_site_design(client, make):
    make.section(name="World", slug="world")
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We can&#x27;t find that page" in response.text or "can't find" in response.text
    assert 'class="site-header"' in response.text
    assert 'href="/section/world/"' in response.text  # the menu is there


def test_500_page_renders_without_any_context():
    html = render_to_string("500.html")
    assert "Something went wrong" in html
    assert 'class="site-header"' in html
