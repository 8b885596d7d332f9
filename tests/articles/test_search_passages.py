"""Search, finished: the matching passage with its words highlighted (SearchHeadline on
PostgreSQL, FTS5 snippet() on SQLite) and nothing else as markup, a section filter, noindex."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import html

from articles import search as fulltext
from articles.models import Article
from articles.search import MARK_END, MARK_START, marked, passages

pytestmark = pytest.mark.django_db

SEARCH = reverse("articles:search")


def results(client, **params):
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    tree = html.fromstring(response.content)
    return response, tree.find_class("teaser")


def test_a_hit_shows_its_passage_with_the_words_marked(client, make):
    make.article(
        headline="Council news",
        body="<p>After weeks of rain the <strong>river</strong> burst its banks near the old "
        "mill, and the town's bridges closed.</p>",
    )
    _, [teaser] = results(client, q="river bridges")
    [passage] = teaser.find_class("teaser__passage")
    assert [m.text.lower() for m in passage.iter("mark")][:1] == ["river"]
    assert "bridges" in {m.text.lower() for m in passage.iter("mark")}
    assert "burst its banks" in passage.text_content()
    assert not passage.findall(".//strong")  # the body's own markup is text, not tags


HOSTILE_BODY = (
    "<p>The flood &lt;script&gt;alert(1)&lt;/script&gt; &amp; "
    "<em>more</em> &lt;img src=x onerror=alert(2)&gt; flood water rose.</p>"
)


def test_nothing_in_an_article_or_a_query_becomes_markup(client, make):
    make.article(headline="Flood report", body=HOSTILE_BODY)
    for q in ["flood", "flood <script>", '"flood" <img src=x onerror=alert(3)>', "<mark>flood"]:
        response, teasers = results(client, q=q)
        for teaser in teasers:
            for passage in teaser.find_class("teaser__passage"):
                tags = {element.tag for element in passage.iter()} - {"p"}
                assert tags <= {"mark"}, (q, tags)
                assert "alert(1)" in passage.text_content() or "flood" in passage.text_content()
        assert "<script>alert" not in response.text
        assert "<img src=x" not in response.text


def test_marked_escapes_first_and_only_then_marks():
    text = f"a <b>&amp; {MARK_START}flood{MARK_END} {MARK_END}<i>{MARK_START}x"
    result = str(marked(text, html_source=False))
    assert result == "a &lt;b&gt;&amp;amp; <mark>flood</mark> &lt;i&gt;<mark>x</mark>"
    # An entity that spells a mark character is text, not a mark.
    sneaky = str(marked("&#xe000;rain&#xe001; &lt;b&gt;", html_source=True))
    assert sneaky == "rain &lt;b&gt;"


def test_passages_for_a_page_cost_one_query_however_many_hits(make):
    stories = [make.article(body=f"<p>The harbour story number {i}.</p>") for i in range(3)]
    with CaptureQueriesContext(connection) as few:
        assert len(passages(stories, "harbour")) == 3
    stories += [make.article(body=f"<p>More harbour news {i}.</p>") for i in range(9)]
    with CaptureQueriesContext(connection) as many:
        assert len(passages(stories, "harbour")) == 12
    assert len(few) == len(many) == 1


def test_passages_walk_only_the_pages_range_of_matches_not_the_whole_archive(make):
    """FTS5 is handed the page's range of keys, not its list: with the list it sought its index
    once a key (0.13 ms each for a common word at 100,000 stories), and a page's keys lie
    within the newest few hundred matches anyway. Only the page's stories come back."""
    older = [make.article(body=f"<p>Harbour story {i}.</p>") for i in range(3)]
    page = [make.article(body=f"<p>Harbour news {i}.</p>") for i in range(3)]
    newer = make.article(body="<p>A harbour story newer than the page.</p>")
    with CaptureQueriesContext(connection) as captured:
        found = passages([page[2], page[0]], "harbour")
    assert set(found) == {page[2].pk, page[0].pk}
    assert older[0].pk not in found and newer.pk not in found
    if connection.vendor == "sqlite":
        [query] = captured
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
            [step] = [str(row[-1]) for row in cursor.fetchall()]
        # FTS5's plan names what it was handed: M a MATCH, > and < a rowid range, = a key.
        constraints = step.rsplit(":", 1)[-1]
        assert "M" in constraints and ">" in constraints and "<" in constraints, step
        assert "=" not in constraints, step


def test_a_standfirst_only_match_shows_the_standfirst(client, make):
    make.article(standfirst="Lighthouse keepers strike.", body="<p>Nothing relevant here.</p>")
    _, [teaser] = results(client, q="lighthouse")
    [passage] = teaser.find_class("teaser__passage")
    assert "Lighthouse" in passage.text_content()
    assert [m.text for m in passage.iter("mark")] == ["Lighthouse"]


def test_the_section_filter_narrows_results_and_ignores_what_is_no_section(client, make):
    world = make.section(name="World", slug="world")
    sport = make.section(name="Sport", slug="sport")
    abroad = make.article(section=world, headline="Marathon abroad")
    home = make.article(section=sport, headline="Marathon at home")
    make.article(section=world, headline="Marathon plans", status=Article.Status.DRAFT)
    headlines = {
        params: {
            t.find_class("teaser__headline")[0].text_content()
            for t in results(client, q="marathon", **dict(params))[1]
        }
        for params in [(), (("section", "world"),), (("section", "nope"),), (("section", ""),)]
    }
    assert headlines[()] == {abroad.headline, home.headline}
    assert headlines[(("section", "world"),)] == {abroad.headline}
    assert headlines[(("section", "nope"),)] == {abroad.headline, home.headline}
    response, _ = results(client, q="marathon", section="world")
    assert "Results for “marathon” in World" in response.text
    assert '<option value="world" selected>' in response.text


def test_a_section_search_ranks_the_newest_matches_in_that_section(client, make, monkeypatch):
    """The section narrows the matches before the newest are taken for ranking: otherwise a
    section whose stories are older than the rest would seem to have none."""
    monkeypatch.setattr(fulltext, "RANKED", 1)
    world = make.section(name="World", slug="world")
    sport = make.section(name="Sport", slug="sport")
    abroad = make.article(section=world, headline="Marathon abroad")
    for i in range(3):
        make.article(section=sport, headline=f"Marathon at home {i}")
    _, teasers = results(client, q="marathon", section="world")
    assert [t.find_class("teaser__headline")[0].text_content() for t in teasers] == [
        abroad.headline
    ]


def test_paging_keeps_the_section_and_every_results_page_is_noindex(client, make, settings):
    settings.ARTICLES_PER_PAGE = 2
    world = make.section(name="World", slug="world")
    for i in range(5):
        make.article(section=world, headline=f"Storm {i}")
    make.article(headline="Storm elsewhere")
    first, _ = results(client, q="storm", section="world")
    assert "q=storm&amp;section=world&amp;page=2" in first.text
    second, teasers = results(client, q="storm", section="world", page=2)
    assert len(teasers) == 2
    for page in (first, second):
        tree = html.fromstring(page.content)
        robots = [m.get("content") for m in tree.iter("meta") if m.get("name") == "robots"]
        assert robots == ["noindex"]
    canonical = [
        link.get("href")
        for link in html.fromstring(second.content).iter("link")
        if link.get("rel") == "canonical"
    ]
    assert canonical == [f"{settings.SITE_URL}/search/?q=storm&section=world&page=2"]


def test_related_stories_cost_at_most_two_queries(make):
    story = make.article(tags=["rail", "budget"])
    for i in range(6):
        make.article(section=story.section, tags=["rail"] if i % 2 else [])
    story = Article.objects.for_detail().get(pk=story.pk)
    with CaptureQueriesContext(connection) as captured:
        related = Article.objects.related_to(story)
        [author.name for item in related for author in item.ordered_authors]
    assert related and len(captured) <= 2
