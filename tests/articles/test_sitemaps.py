"""Sitemaps, the Google News sitemap and robots.txt, checked with lxml against the protocols'
rules: namespaces, required elements, W3C datetimes, absolute addresses, size limits."""

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from articles.models import Article, SiteSettings
from newsroom.cache import fragments

pytestmark = pytest.mark.django_db

SITE = "https://news.example"
SM = "http://www.sitemaps.org/schemas/sitemap/0.9"
IMAGE = "http://www.google.com/schemas/sitemap-image/1.1"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
NS = {"sm": SM, "image": IMAGE, "news": NEWS}
# W3C Datetime (https://www.w3.org/TR/NOTE-datetime): a year, a month, a day, or a time with a
# zone designator.
W3C_DATETIME = re.compile(
    r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$"
)
MAX_URLS, MAX_BYTES = 50_000, 50 * 1024 * 1024


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def local(element):
    return etree.QName(element).localname


def check_loc(text):
    assert text and len(text) <= 2048, text
    assert text.startswith(SITE + "/"), text
    assert not re.search(r"[\s<>\"]", text), text  # escaped as a URL must be


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response["Content-Type"].startswith("application/xml")
    assert len(response.content) <= MAX_BYTES
    return etree.fromstring(response.content)


def urlset(client, url):
    """A sitemap file, validated; returns {loc: <url> element}."""
    root = fetch(client, url)
    assert root.tag == f"{{{SM}}}urlset"
    found = {}
    for entry in root:
        assert entry.tag == f"{{{SM}}}url"
        children = [local(child) for child in entry]
        assert children[0] == "loc" and children.count("loc") == 1
        assert set(children) <= {"loc", "lastmod", "changefreq", "priority", "image", "news"}
        loc = entry.findtext("sm:loc", namespaces=NS)
        check_loc(loc)
        if (lastmod := entry.findtext("sm:lastmod", namespaces=NS)) is not None:
            assert W3C_DATETIME.match(lastmod), lastmod
        for image in entry.findall("image:image", NS):
            check_loc(image.findtext("image:loc", namespaces=NS))
        found[loc] = entry
    assert len(found) == len(root) <= MAX_URLS
    return found


def index(client):
    root = fetch(client, reverse("articles:sitemap_index"))
    assert root.tag == f"{{{SM}}}sitemapindex"
    locations = []
    for entry in root:
        assert entry.tag == f"{{{SM}}}sitemap"
        loc = entry.findtext("sm:loc", namespaces=NS)
        check_loc(loc)
        if (lastmod := entry.findtext("sm:lastmod", namespaces=NS)) is not None:
            assert W3C_DATETIME.match(lastmod), lastmod
        locations.append(loc)
    assert len(locations) <= MAX_URLS
    return locations


def path_and_query(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def everything(client):
    """Every address in every file the index names."""
    found = {}
    for location in index(client):
        found.update(urlset(client, path_and_query(location)))
    return found


@pytest.fixture
def site(make):
    section = make.section(name="World", slug="world")
    ada = make.author(name="Ada", slug="ada")
    recent = timezone.now() - timedelta(hours=1)  # in the news sitemap's two days
    story = make.article(
        section=section,
        authors=[ada],
        tags=["Floods"],
        lead_image=make.image(size=(2000, 1000)),
        published_at=recent,
    )
    plain = make.article(section=section, authors=[ada], published_at=recent)
    return {"section": section, "author": ada, "story": story, "plain": plain}


def test_the_index_names_every_sitemap_and_each_is_valid(client, site):
    locations = index(client)
    assert [urlsplit(loc).path for loc in locations] == [
        "/sitemap-articles.xml",
        "/sitemap-sections.xml",
        "/sitemap-tags.xml",
        "/sitemap-authors.xml",
    ]
    found = everything(client)
    story = site["story"]
    assert SITE + story.get_absolute_url() in found
    assert SITE + site["section"].get_absolute_url() in found
    assert SITE + story.tags.get().get_absolute_url() in found
    assert SITE + site["author"].get_absolute_url() in found


def test_stories_carry_lastmod_and_their_lead_picture(client, site, make):
    story, plain = site["story"], site["plain"]
    found = urlset(client, reverse("articles:sitemap", args=["articles"]))
    entry = found[SITE + story.get_absolute_url()]
    [image] = entry.findall("image:image/image:loc", NS)
    assert image.text.startswith(SITE + "/media/renditions/") and image.text.endswith("1920.jpg")
    assert not found[SITE + plain.get_absolute_url()].findall("image:image", NS)
    # lastmod: the latest of publication, edit, and published correction.
    Article.objects.filter(pk=story.pk).update(updated_at=story.published_at)
    correction = make.correction(story, published_at=timezone.now() - timedelta(minutes=5))
    make.correction(story, published_at=timezone.now() + timedelta(hours=1))  # not yet public
    found = urlset(client, reverse("articles:sitemap", args=["articles"]))
    lastmod = found[SITE + story.get_absolute_url()].findtext("sm:lastmod", namespaces=NS)
    expected = timezone.localtime(correction.published_at).replace(microsecond=0).isoformat()
    assert lastmod == expected


def hide_some(make, site):
    now = timezone.now()
    hidden = [
        make.article(status=Article.Status.DRAFT, tags=["Secret"], authors=[make.author()]),
        make.article(status=Article.Status.SCHEDULED, published_at=now + timedelta(hours=1)),
        make.article(status=Article.Status.PUBLISHED, published_at=now + timedelta(hours=2)),
        make.article(published_at=now - timedelta(hours=3), expires_at=now - timedelta(hours=1)),
    ]
    pulled = make.article()
    pulled.unpublish()
    return [*hidden, pulled]


def test_no_sitemap_names_drafts_scheduled_unpublished_or_expired_stories(client, site, make):
    hidden = hide_some(make, site)
    found = {**everything(client), **urlset(client, reverse("articles:sitemap_news"))}
    for story in hidden:
        assert SITE + story.get_absolute_url() not in found
    # Nor a tag or author that only hidden stories have.
    assert not any("/tag/secret/" in loc for loc in found)
    assert SITE + hidden[0].ordered_authors[0].get_absolute_url() not in found
    assert SITE + site["story"].get_absolute_url() in found


def index_lastmod(client, name):
    root = fetch(client, reverse("articles:sitemap_index"))
    for entry in root:
        if f"sitemap-{name}.xml" in entry.findtext("sm:loc", namespaces=NS):
            return entry.findtext("sm:lastmod", namespaces=NS)


def test_the_index_dates_the_stories_by_the_newest_public_change(client, make, site):
    def lastmod():
        cache.clear()
        fragments().clear()
        root = fetch(client, reverse("articles:sitemap_index"))
        for entry in root:
            if "sitemap-articles.xml" in entry.findtext("sm:loc", namespaces=NS):
                return datetime.fromisoformat(entry.findtext("sm:lastmod", namespaces=NS))

    old = make.article(published_at=timezone.now() - timedelta(days=9))
    before = lastmod()
    assert before >= site["story"].published_at.replace(microsecond=0)
    # An edit to a draft or to a scheduled story is not a change readers can see.
    later = timezone.now() + timedelta(hours=2)
    Article.objects.filter(pk=make.article(status=Article.Status.DRAFT).pk).update(updated_at=later)
    scheduled = make.article(status=Article.Status.SCHEDULED, published_at=later)
    Article.objects.filter(pk=scheduled.pk).update(updated_at=later)
    assert lastmod() == before
    # An edit to an old public story is.
    edited = timezone.now() + timedelta(hours=1)
    Article.objects.filter(pk=old.pk).update(updated_at=edited)
    assert lastmod() == edited.replace(microsecond=0)


def test_articles_split_every_2000_addresses(client, make, site):
    section = site["section"]
    now = timezone.now()
    Article.objects.bulk_create(
        Article(
            headline=f"Bulk {i}",
            slug=f"bulk-{i}",
            section=section,
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(days=3, minutes=i),
        )
        for i in range(1999)
    )
    # 2,001 stories in all: two files, 2,000 and 1.
    articles = [loc for loc in index(client) if "sitemap-articles" in loc]
    assert articles == [f"{SITE}/sitemap-articles.xml", f"{SITE}/sitemap-articles.xml?p=2"]
    first = urlset(client, "/sitemap-articles.xml")
    second = urlset(client, "/sitemap-articles.xml?p=2")
    assert len(first) == 2000 and len(second) == 1
    assert SITE + site["story"].get_absolute_url() in first  # newest first
    assert list(second) == [f"{SITE}/article/bulk-1998/"]
    assert client.get("/sitemap-articles.xml?p=3").status_code == 404
    assert client.get("/sitemap-articles.xml?p=x").status_code == 404


def test_sitemap_query_counts_do_not_grow(client, make, site, settings):
    settings.SITEMAP_URLS_PER_FILE = 50
    urls = [reverse("articles:sitemap_index"), reverse("articles:sitemap_news")] + [
        reverse("articles:sitemap", args=[name])
        for name in ["articles", "sections", "tags", "authors"]
    ]

    def counts():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        SiteSettings.objects.get_or_create(pk=1)  # made on first use; not what we measure
        result = {}
        for url in urls:
            cache.clear()  # cold: the menu and site settings are read too
            fragments().clear()  # (where they live)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            result[url] = len(captured)
        return result

    small = counts()
    for i in range(15):
        story = make.article(
            # Inside the news sitemap's two days, as the site fixture's are: the factory's own
            # times go back up to 50 hours, by how many stories the session made before.
            published_at=timezone.now() - timedelta(hours=1),
            section=make.section(),
            authors=[make.author(), make.author()],
            tags=[f"t{i}", "Floods"],
            lead_image=make.image(size=(300, 200)) if i % 3 == 0 else None,
        )
        make.correction(story)
    assert counts() == small
    # The index: menu and settings, the newest publication, edit and correction (an index's
    # first entry each) and one count per sitemap.
    assert max(small.values()) <= 10, small


def test_news_sitemap_has_the_last_two_days_with_publication_name_and_language(
    client, make, site, settings
):
    settings.NEWS_PUBLICATION_NAME = "The Daily Example & Co"
    settings.NEWS_PUBLICATION_LANGUAGE = "en"
    now = timezone.now()
    recent = make.article(headline="Fresh <news> & views", published_at=now - timedelta(hours=47))
    old = make.article(published_at=now - timedelta(hours=49))
    hidden = hide_some(make, site)
    found = urlset(client, reverse("articles:sitemap_news"))
    assert SITE + recent.get_absolute_url() in found
    assert SITE + old.get_absolute_url() not in found
    assert not {SITE + story.get_absolute_url() for story in hidden} & set(found)
    news = found[SITE + recent.get_absolute_url()].find("news:news", NS)
    assert [local(child) for child in news] == ["publication", "publication_date", "title"]
    assert news.findtext("news:publication/news:name", namespaces=NS) == "The Daily Example & Co"
    assert news.findtext("news:publication/news:language", namespaces=NS) == "en"
    assert news.findtext("news:title", namespaces=NS) == "Fresh <news> & views"
    date = news.findtext("news:publication_date", namespaces=NS)
    assert W3C_DATETIME.match(date) and "T" in date


def test_news_sitemap_stops_at_1000_newest_first(client, site):
    now = timezone.now()
    Article.objects.bulk_create(
        Article(
            headline=f"Bulk {i}",
            slug=f"bulk-{i}",
            section=site["section"],
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(minutes=i + 1),
        )
        for i in range(1001)
    )
    found = urlset(client, reverse("articles:sitemap_news"))
    assert len(found) == 1000
    assert list(found)[:2] == [f"{SITE}/article/bulk-0/", f"{SITE}/article/bulk-1/"]


def test_a_headline_with_control_characters_still_makes_valid_xml(client, make, site):
    story = make.article(headline="Bell\x07 and \x0bvertical tab", published_at=timezone.now())
    found = urlset(client, reverse("articles:sitemap_news"))
    title = found[SITE + story.get_absolute_url()].findtext("news:news/news:title", namespaces=NS)
    assert title == "Bell and vertical tab"
    import feedparser

    feed = feedparser.parse(client.get(reverse("articles:feed")).content)
    assert feed.bozo == 0 and "Bell and vertical tab" in {e.title for e in feed.entries}


def test_robots_txt_names_both_sitemaps_and_keeps_crawlers_out_of_private_pages(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert lines[0] == "User-agent: *"
    for path in ["/admin/", "/preview/", "/search/"]:
        assert f"Disallow: {path}" in lines
    assert f"Sitemap: {SITE}/sitemap.xml" in lines
    assert f"Sitemap: {SITE}/sitemap-news.xml" in lines
    assert "Disallow: /" not in lines  # the rest stays open


def test_search_results_and_previews_say_noindex(client, make, editor):
    make.article(headline="Floods in the valley")
    search = client.get(reverse("articles:search"), {"q": "floods"})
    assert '<meta name="robots" content="noindex">' in search.text
    draft = make.article(status=Article.Status.DRAFT)
    preview = client.get(draft.get_preview_url())
    assert preview.status_code == 200
    assert "noindex" in preview["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex">' in preview.text


def test_a_change_to_a_story_purges_the_sitemaps(site):
    from newsroom.cache import article_paths

    paths = article_paths(site["story"])
    assert {"/sitemap.xml", "/sitemap-news.xml", "/sitemap-articles.xml"} <= paths
    assert {"/sitemap-tags.xml", "/sitemap-authors.xml", "/sitemap-sections.xml"} <= paths
