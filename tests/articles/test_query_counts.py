"""Query budgets of the public pages with every cache cold (issue 11): article ≤ 8, home ≤ 8,
lists ≤ 6, the same however many comments, tags, authors, pictures and related stories there
are; and list pages that never count a whole archive."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.models import FollowLink, SiteSettings

pytestmark = pytest.mark.django_db

ARTICLE, HOME, LIST = 8, 8, 6


@pytest.fixture(autouse=True)
def follow_link():
    """The site as it runs: its settings row with a "follow us" link."""
    settings_row, _ = SiteSettings.objects.get_or_create(pk=1)
    FollowLink.objects.create(settings=settings_row, label="RSS", url="https://news.example/feed/")


def crowd(make, section, n):
    """``n`` stories in ``section``, each with pictures, three authors, tags and comments."""
    stories = []
    for i in range(n):
        story = make.article(
            section=section,
            lead_image=make.image(size=(400, 250)),
            authors=[make.author(photo=make.image(size=(200, 200))) for _ in range(3)],
            tags=["shared", f"tag-{i}", f"other-{i}"],
            is_featured=i % 2 == 0,
        )
        for _ in range(3):
            make.comment(story)
        stories.append(story)
    return stories


def test_article_page_stays_within_budget_however_much_it_shows(make, count_queries):
    section = make.section()
    story = make.article(section=section, tags=["shared"])
    small = count_queries(story.get_absolute_url())
    crowd(make, section, 6)
    big = make.article(
        section=section,
        tags=["shared", "a", "b", "c", "d", "e"],
        lead_image=make.image(),
        authors=[make.author(photo=make.image(size=(200, 200))) for _ in range(4)],
    )
    top = [make.comment(big) for _ in range(30)]
    for comment in top[:10]:
        make.comment(big, parent=comment)
    make.correction(big)
    assert small <= ARTICLE
    assert count_queries(big.get_absolute_url()) == small


def test_home_page_stays_within_budget(make, count_queries):
    sections = [make.section(), make.section()]
    for section in sections:
        make.article(section=section, is_featured=True)
        make.article(section=section)
    small = count_queries("/")
    for section in sections:
        crowd(make, section, 5)
    assert small <= HOME
    assert count_queries("/") == small


@pytest.mark.parametrize("page", ["section", "tag", "author"])
def test_list_pages_stay_within_budget(make, count_queries, page):
    section = make.section()
    person = make.author(photo=make.image(size=(200, 200)))
    make.article(section=section, authors=[person], tags=["shared"])
    url = {
        "section": reverse("articles:section", args=[section.slug]),
        "tag": reverse("articles:tag", args=["shared"]),
        "author": reverse("articles:author", args=[person.slug]),
    }[page]
    small = count_queries(url)
    for story in crowd(make, section, 8):
        story.authors.add(person)
    assert small <= LIST
    assert count_queries(url) == small


def test_list_pages_count_only_a_few_pages_past_the_one_asked_for(client, make, settings):
    settings.ARTICLES_PER_PAGE = 2
    section = make.section()
    for _ in range(30):
        make.article(section=section)
    url = section.get_absolute_url()
    with CaptureQueriesContext(connection) as captured:
        first = client.get(url).text
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT" in sql.upper() for sql in counts), counts  # never the archive
    assert re.search(r"Page 1</span>", first)  # 30 stories, more than the pages counted
    assert 'rel="next" href="?page=2"' in first
    # A deep page is reachable, and the last one knows it is the last.
    last = client.get(url + "?page=15").text
    assert "Page 15 of 15" in last and 'rel="next"' not in last
    assert client.get(url + "?page=16").status_code == 404


def test_a_list_counts_four_pages_past_the_one_asked_for(client, make, settings):
    """Enough to say "of N" near the end of a list and to link to older stories; each page
    counted is a walk through the archive on a tag or author page."""
    settings.ARTICLES_PER_PAGE = 2
    section = make.section()
    for _ in range(20):  # ten pages
        make.article(section=section)
    url = section.get_absolute_url()
    assert re.search(r"Page 1</span>", client.get(url).text)  # pages 1 to 5 counted: more
    assert re.search(r"Page 5</span>", client.get(url + "?page=5").text)  # up to 9, and more
    assert "Page 6 of 10" in client.get(url + "?page=6").text  # up to 10: the end


def test_a_short_list_says_how_many_pages_it_has(client, make, settings):
    settings.ARTICLES_PER_PAGE = 2
    section = make.section()
    for _ in range(5):
        make.article(section=section)
    assert "Page 1 of 3" in client.get(section.get_absolute_url()).text
