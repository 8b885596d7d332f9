"""RSS and Atom feeds, read by the parsers their consumers use: feedparser and lxml."""

import html
from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from articles.models import Article

pytestmark = pytest.mark.django_db

SITE = "https://news.example"
RSS_NAMES = ["articles:feed", "articles:section_feed", "articles:tag_feed", "articles:author_feed"]
ALL_NAMES = RSS_NAMES + [name + "_atom" for name in RSS_NAMES]


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def world(make):
    """A story with everything a feed item can carry, in section "world", tag "zürich", by Ada."""
    section = make.section(name="World", slug="world")
    ada = make.author(name="Ada Reporter", slug="ada")
    bo = make.author(name="Bo Writer", slug="bo")
    story = make.article(
        headline="Floods & storms: <what> happened",
        standfirst="Rivers rose <fast> & wide.",
        body="<p>The <strong>whole</strong> story.</p><script>alert(1)</script>",
        section=section,
        authors=[ada, bo],
        tags=["Zürich", "Weather"],
        lead_image=make.image(size=(1600, 900)),
    )
    return {"section": section, "author": ada, "story": story}


def feed_url(name, world):
    args = {
        "section": [world["section"].slug],
        "tag": [world["story"].tags.get(name="Zürich").slug],
        "author": [world["author"].slug],
    }
    kind = name.split(":")[1].split("_")[0]
    return reverse(name, args=args.get(kind))


def parse(response):
    assert response.status_code == 200
    etree.fromstring(response.content)  # well-formed XML, or this raises
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


@pytest.mark.parametrize("name", ALL_NAMES)
def test_every_feed_is_valid_and_carries_the_whole_story(client, world, name):
    story = world["story"]
    response = client.get(feed_url(name, world))
    expected = "application/atom+xml" if name.endswith("_atom") else "application/rss+xml"
    assert response["Content-Type"].startswith(expected)
    feed = parse(response)
    assert feed.feed.link.startswith(SITE + "/")
    [entry] = feed.entries
    # feedparser gives titles as HTML: one unescape gives back the headline, no more, no less.
    assert html.unescape(entry.title) == "Floods & storms: <what> happened"
    assert entry.link == SITE + story.get_absolute_url()
    assert html.unescape(entry.summary) == "Rivers rose <fast> & wide."
    # The sanitized body, not the submitted one.
    content = entry.content[0].value
    assert "<strong>whole</strong>" in content and "alert" not in content
    assert [a.name for a in entry.authors] == ["Ada Reporter", "Bo Writer"]
    assert {t.term for t in entry.tags} == {"World", "Zürich", "Weather"}
    [media] = entry.media_content
    assert media["url"].startswith(SITE + "/") and media["url"].endswith(".jpg")
    assert (int(media["width"]), int(media["height"])) == (1280, 720)
    [enclosure] = entry.enclosures
    assert enclosure.href == media["url"] and enclosure.type == "image/jpeg"
    assert int(enclosure.length) > 0
    assert entry.published_parsed and entry.updated_parsed


def test_atom_authors_link_to_their_pages(client, world):
    root = etree.fromstring(client.get(reverse("articles:feed_atom")).content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    uris = root.xpath("//a:entry/a:author/a:uri/text()", namespaces=ns)
    assert SITE + world["author"].get_absolute_url() in uris


def test_a_correction_moves_the_updated_date(client, world, make):
    story = world["story"]
    Article.objects.filter(pk=story.pk).update(updated_at=story.published_at)

    def updated():
        entry = parse(client.get(reverse("articles:feed_atom"))).entries[0]
        return datetime(*entry.updated_parsed[:6], tzinfo=UTC)

    assert updated() == story.published_at.replace(microsecond=0)
    # A correction dated later is not public yet, so it changes nothing yet.
    make.correction(story, published_at=timezone.now() + timedelta(hours=1))
    assert updated() == story.published_at.replace(microsecond=0)
    corrected = make.correction(story, published_at=timezone.now() - timedelta(minutes=1))
    assert updated() == corrected.published_at.replace(microsecond=0)


@pytest.mark.parametrize("name", ALL_NAMES)
def test_no_feed_holds_drafts_scheduled_unpublished_or_expired_stories(client, world, make, name):
    now = timezone.now()
    hidden = [
        make.article(status=Article.Status.DRAFT),
        make.article(status=Article.Status.IN_REVIEW),
        make.article(status=Article.Status.SCHEDULED, published_at=now + timedelta(hours=1)),
        make.article(status=Article.Status.PUBLISHED, published_at=now + timedelta(hours=1)),
        make.article(
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(days=1),
            expires_at=now - timedelta(minutes=1),
        ),
    ]
    published_then_pulled = make.article()
    published_then_pulled.unpublish()
    hidden.append(published_then_pulled)
    for story in hidden:
        story.authors.add(world["author"])
        story.section = world["section"]
        story.save()
        story.tags.add("Zürich")
    feed = parse(client.get(feed_url(name, world)))
    links = {entry.link for entry in feed.entries}
    assert links == {SITE + world["story"].get_absolute_url()}


def test_feeds_hold_the_latest_30_newest_first(client, world, make):
    now = timezone.now()
    for i in range(32):
        make.article(section=world["section"], published_at=now - timedelta(minutes=i + 1))
    feed = parse(client.get(reverse("articles:section_feed", args=["world"])))
    assert len(feed.entries) == 30
    dates = [entry.published_parsed for entry in feed.entries]
    assert dates == sorted(dates, reverse=True)


def test_a_feed_names_only_its_own_stories(client, world, make):
    other = make.article(section=make.section(), tags=["Elsewhere"], authors=[make.author()])
    for name in RSS_NAMES[1:]:
        links = {e.link for e in parse(client.get(feed_url(name, world))).entries}
        assert SITE + other.get_absolute_url() not in links, name
    site = {e.link for e in parse(client.get(reverse("articles:feed"))).entries}
    assert SITE + other.get_absolute_url() in site


@pytest.mark.parametrize("name", RSS_NAMES[1:])
def test_a_feed_of_nothing_is_a_404(client, name):
    assert client.get(reverse(name, args=["no-such-thing"])).status_code == 404


@pytest.mark.parametrize("name", ["articles:feed", "articles:section_feed_atom"])
def test_feeds_answer_conditional_gets_with_304(client, world, make, name):
    url = feed_url(name, world)
    first = client.get(url)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert etag and modified
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    not_modified = client.get(url, headers={"If-None-Match": etag})
    assert not_modified.content == b""
    make.article(section=world["section"])  # something new: the digest moves
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again["ETag"] != etag


@pytest.mark.parametrize("name", ALL_NAMES)
def test_feed_query_count_does_not_grow(count_queries, world, make, name):
    url = feed_url(name, world)
    small = count_queries(url)
    for _ in range(12):
        make.article(
            section=world["section"],
            authors=[world["author"], make.author()],
            tags=["Zürich", "Weather", "More"],
            lead_image=make.image(size=(1300, 800)),
        )
        make.correction(Article.objects.latest("pk"))
    assert count_queries(url) == small
    assert small <= 6, small


def test_every_page_names_the_site_feed_and_list_pages_their_own(client, world):
    home = client.get("/").text
    rss = '<link rel="alternate" type="application/rss+xml"'
    assert f'{rss} title="Newsroom" href="{SITE}/feed/">' in home
    assert f'type="application/atom+xml" title="Newsroom" href="{SITE}/feed/atom/"' in home
    story = client.get(world["story"].get_absolute_url()).text
    assert f'href="{SITE}/feed/"' in story
    section = client.get(world["section"].get_absolute_url()).text
    assert f'{rss} title="World · Newsroom" href="{SITE}/section/world/feed/">' in section
    author = client.get(world["author"].get_absolute_url()).text
    assert f'href="{SITE}/author/ada/feed/"' in author


def test_follow_us_links_the_site_feed(client, world):
    page = client.get(world["section"].get_absolute_url()).text
    box = page[page.index('class="box follow-us"') :]
    box = box[: box.index("</section>")]
    assert 'href="/feed/"' in box


def test_a_change_to_a_story_purges_the_feeds_showing_it(world):
    from newsroom.cache import article_paths

    story, tag = world["story"], world["story"].tags.get(name="Zürich")
    paths = article_paths(story)
    for name, args in [
        ("articles:feed", []),
        ("articles:feed_atom", []),
        ("articles:section_feed", ["world"]),
        ("articles:section_feed_atom", ["world"]),
        ("articles:tag_feed", [tag.slug]),
        ("articles:tag_feed_atom", [tag.slug]),
        ("articles:author_feed", ["ada"]),
        ("articles:author_feed_atom", ["ada"]),
    ]:
        assert reverse(name, args=args) in paths, name
