"""Search: published stories only, best match first, any input safe, on SQLite and PostgreSQL."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles import search as fulltext
from articles.models import Article
from articles.search import MAX_QUERY_LENGTH, fts5_query

pytestmark = pytest.mark.django_db

SEARCH_URL = reverse("articles:search")


def found(q):
    return list(Article.objects.published().search(q))


def test_finds_words_in_headline_standfirst_and_body(make):
    by_headline = make.article(headline="Lighthouse keeper retires")
    by_standfirst = make.article(standfirst="A lighthouse on the cape goes dark.")
    by_body = make.article(body="<p>The old lighthouse still stands.</p>")
    make.article(headline="Nothing to see")
    assert set(found("lighthouse")) == {by_headline, by_standfirst, by_body}


def test_headline_hit_ranks_above_standfirst_and_body_hits(make):
    by_body = make.article(
        body="<p>Talk of the harbour everywhere.</p>", published_at=timezone.now()
    )
    by_standfirst = make.article(standfirst="The harbour reopens.")
    by_headline = make.article(
        headline="Harbour works finish", published_at=timezone.now() - timedelta(days=30)
    )
    assert found("harbour") == [by_headline, by_standfirst, by_body]


def test_every_word_in_the_headline_ranks_above_words_spread_over_headline_and_standfirst(make):
    now = timezone.now()
    spread = make.article(headline="Tram depot", standfirst="The night shift.", published_at=now)
    elsewhere = make.article(body="<p>A tram depot night.</p>", published_at=now)
    headline = make.article(headline="Night at the tram depot", published_at=now - timedelta(1))
    assert found("tram night") == [headline, spread, elsewhere]


def test_within_a_rank_the_newest_story_comes_first_however_often_it_says_it(make):
    now = timezone.now()
    canal = "<p>" + "Canal. " * 20 + "</p>"
    often = make.article(headline="Lock keepers", body=canal, published_at=now - timedelta(2))
    once = make.article(headline="Lock keepers", body="<p>A canal.</p>", published_at=now)
    assert found("canal") == [once, often]


def test_a_phrase_in_the_headline_ranks_above_its_words_there_apart(make):
    now = timezone.now()
    apart = make.article(
        headline="Ferry to the night market", standfirst="A night ferry.", published_at=now
    )
    phrase = make.article(headline="Night ferry returns", published_at=now - timedelta(3))
    assert found('"night ferry"') == [phrase, apart]


def test_matches_word_forms(make):
    story = make.article(headline="Bridges reopen across the river")
    assert found("bridge") == [story]


def test_all_words_must_match(make):
    both = make.article(headline="Cycle lanes on the harbour bridge")
    make.article(headline="Cycle lanes in the park")
    assert found("cycle bridge") == [both]


def test_drafts_and_future_articles_are_never_found(make):
    make.article(headline="Secret zeppelin plans", status=Article.Status.DRAFT)
    make.article(headline="Zeppelin embargoed", published_at=timezone.now() + timedelta(hours=2))
    public = make.article(headline="Zeppelin flies again")
    assert found("zeppelin") == [public]


def test_unpublished_article_drops_out_of_results(make):
    story = make.article(headline="Tramway extension approved")
    story.unpublish()
    assert found("tramway") == []


def test_edits_are_searchable_and_old_words_gone(make):
    story = make.article(headline="Orchard festival")
    story.headline = "Vineyard festival"
    story.save()
    assert found("vineyard") == [story]
    assert found("orchard") == []


def test_deleted_articles_leave_the_index(make):
    from django.db import connection

    story = make.article(headline="Glacier melts early")
    pk = story.pk
    story.delete()
    assert found("glacier") == []
    if connection.vendor == "sqlite":  # their words too, not only their rows (migration 0018)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM articles_article_search WHERE rowid = %s", [pk])
            assert cursor.fetchone() == (0,)


def test_update_search_index_covers_bulk_inserts(make):
    section = make.section()
    Article.objects.bulk_create(
        [
            Article(
                headline="Bulk inserted kingfisher story",
                slug="bulk-kingfisher",
                section=section,
                status=Article.Status.PUBLISHED,
                published_at=timezone.now() - timedelta(hours=1),
            )
        ]
    )
    assert found("kingfisher") == []  # bulk_create skips save(): nothing indexed yet
    assert Article.objects.filter(slug="bulk-kingfisher").update_search_index() == 1
    assert [a.slug for a in found("kingfisher")] == ["bulk-kingfisher"]


def test_seed_demo_articles_are_searchable():
    call_command("seed_demo", "--articles", "20", "--images", "2")
    story = Article.objects.published().order_by("pk").first()
    word = next(w for w in story.headline.split() if len(w) > 5)
    assert story in found(word)
    # Demo bodies are drawn from a pool of sentences: a body word finds published stories only.
    hits = found("officials")
    assert hits and all(article.is_public for article in hits)
    draft = Article.objects.filter(status=Article.Status.DRAFT).first()
    word = max(draft.headline.split(), key=len)
    assert draft in Article.objects.search(word)  # indexed for the admin's sake...
    assert draft not in found(word)  # ...yet never shown to readers


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced quote',
        'say "hello" world',
        "*",
        "bridge*",
        "NEAR(bridge river)",
        "bridge NEAR river",
        "-bridge",
        "bridge -river",
        "((bridge",
        "bridge)) OR (",
        "AND OR NOT",
        "headline:bridge",
        "^bridge",
        "{bridge}",
        "bridge + river & ! | <-> :*",
        "'; DROP TABLE articles_article; --",
        "🌉 bridge 🚲",
        "🌉",
        "\x00bridge",
        "x" * 1000,
        " ".join(["bridge"] * 300),
        "",
        "   ",
    ],
)
def test_odd_input_never_fails(client, make, q):
    make.article(headline="Harbour bridge reopens")
    response = client.get(SEARCH_URL, {"q": q})
    assert response.status_code == 200
    found(q)  # and the QuerySet method itself does not raise


def test_fts5_query_quotes_every_term():
    assert fts5_query('bridge NEAR "river bank" -x*') == '"bridge" "NEAR" "river bank" "x"'
    assert fts5_query("🌉 () * -") == ""


# The page --------------------------------------------------------------------------------------


def test_search_page_lists_hits_with_count_and_keeps_the_query(client, make):
    make.article(headline="Harbour bridge reopens")
    make.article(headline="Bridge tolls scrapped")
    make.article(headline="Library opens late")
    response = client.get(SEARCH_URL, {"q": "bridge"})
    assert response.status_code == 200
    assert "2 stories found" in response.text
    assert "Harbour bridge reopens" in response.text and "Library opens late" not in response.text
    assert 'name="q" value="bridge"' in response.text
    assert '<meta name="robots" content="noindex">' in response.text


def test_search_page_without_hits_suggests_what_to_try(client, make):
    make.article(headline="Harbour bridge reopens")
    response = client.get(SEARCH_URL, {"q": "xylophone"})
    assert response.status_code == 200
    assert "No stories found" in response.text
    assert "Check the spelling" in response.text
    assert 'value="xylophone"' in response.text


def test_empty_query_shows_the_form_only(client, make, django_assert_num_queries):
    make.article(headline="Harbour bridge reopens")
    client.get("/")  # menu cached
    with django_assert_num_queries(0):
        response = client.get(SEARCH_URL)
    assert response.status_code == 200
    assert 'id="search-page-q"' in response.text
    assert "found" not in response.text and "Harbour bridge" not in response.text


def test_query_is_escaped_on_the_page(client):
    response = client.get(SEARCH_URL, {"q": '<script>alert("x")</script>'})
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;" in response.text


def test_every_page_has_a_labelled_search_field_in_the_header(client, make):
    story = make.article()
    for url in ["/", story.get_absolute_url(), SEARCH_URL]:
        html = client.get(url).text
        assert 'role="search"' in html
        assert '<label for="site-search-q"' in html and 'id="site-search-q"' in html


def test_results_are_paginated_and_keep_the_query(client, make, settings):
    settings.ARTICLES_PER_PAGE = 2
    for n in range(5):
        make.article(headline=f"Ferry timetable change {n}")
    first = client.get(SEARCH_URL, {"q": "ferry"})
    assert "5 stories found" in first.text
    assert first.text.count('class="teaser teaser--row"') == 2
    assert 'href="?q=ferry&amp;page=2"' in first.text
    last = client.get(SEARCH_URL, {"q": "ferry", "page": 3})
    assert last.text.count('class="teaser teaser--row"') == 1


@pytest.mark.parametrize("page", ["4", "0", "abc", "-1"])
def test_bad_page_is_404(client, make, settings, page):
    settings.ARTICLES_PER_PAGE = 2
    for n in range(5):
        make.article(headline=f"Ferry timetable change {n}")
    assert client.get(SEARCH_URL, {"q": "ferry", "page": page}).status_code == 404


def test_long_query_is_trimmed_not_refused(client, make):
    response = client.get(SEARCH_URL, {"q": "ferry " * 400})
    assert response.status_code == 200
    shown = re.search(r'id="search-page-q" name="q" value="([^"]*)"', response.text)[1]
    assert 0 < len(shown) <= MAX_QUERY_LENGTH


def test_query_count_does_not_grow_with_results(client, make, django_assert_num_queries):
    def add(n):
        for _ in range(n):
            make.article(
                headline="Marathon route announced",
                lead_image=make.image(size=(400, 250)),
                authors=[make.author(photo=make.image(size=(200, 200))) for _ in range(2)],
                tags=["Sport"],
            )

    add(1)
    client.get("/")  # warm the menu cache
    # the ranked keys (the count too), the page's rows, their bylines, and the passages of the
    # page (one query whatever its length)
    with django_assert_num_queries(4) as small:
        assert client.get(SEARCH_URL, {"q": "marathon"}).status_code == 200
    add(6)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(SEARCH_URL, {"q": "marathon"})
    assert "7 stories found" in response.text


def test_pages_follow_the_ranking_each_for_the_same_few_queries(
    client, make, settings, django_assert_num_queries
):
    settings.ARTICLES_PER_PAGE = 2
    now = timezone.now()
    for n in range(4):
        make.article(headline=f"Ferry timetable change {n}", published_at=now - timedelta(days=n))
    make.article(body="<p>The ferry is late.</p>", headline="Harbour news", published_at=now)
    client.get("/")  # warm the menu cache
    shown = []
    for page in (1, 2, 3):
        # the ranked keys, this page's rows, their bylines, its passages: no query per page
        # before it, and the ranking is not worked out again for the rows
        with django_assert_num_queries(4):
            html = client.get(SEARCH_URL, {"q": "ferry", "page": page}).text
        shown += re.findall(r'class="teaser__headline"><a href="[^"]*">([^<]*)</a>', html)
    assert shown == [article.headline for article in found("ferry")]
    assert shown[0] == "Ferry timetable change 0"  # the newest with the word in its headline
    assert shown[-1] == "Harbour news"  # newer, but the word only in its body


# A large archive: only the newest matches are ranked ------------------------------------------


def test_a_search_ranks_its_newest_matches_only(make, monkeypatch):
    """On 100,000 stories a common word matches most of them, and ranking them all is the slow
    part: a search ranks its newest RANKED matches, and one more that tells the page there are
    more. The best of those comes first; older matches are left out, however good."""
    monkeypatch.setattr(fulltext, "RANKED", 3)
    now = timezone.now()
    make.article(headline="Lighthouse keepers remembered")  # the best match, but added first
    bodies = [
        make.article(body=f"<p>A lighthouse, story {i}.</p>", published_at=now - timedelta(hours=i))
        for i in range(3)
    ]
    best = make.article(headline="Lighthouse keeper retires", published_at=now - timedelta(days=3))
    assert found("lighthouse") == [best, *bodies]


def test_a_phrase_search_ranks_its_newest_matches_only_too(make, monkeypatch):
    """A quoted phrase takes its newest matches another way on PostgreSQL (see
    ``_newest_first``): the same ones, the newest RANKED and one more."""
    monkeypatch.setattr(fulltext, "RANKED", 2)
    older = make.article(headline="Night ferry sails again")
    make.article(headline="Ferry at night")  # the words, not the phrase
    newer = [make.article(headline=f"Night ferry timetable {n}") for n in range(3)]
    assert set(found('"night ferry"')) == set(newer)
    monkeypatch.setattr(fulltext, "RANKED", 10)
    assert set(found('"night ferry"')) == {older, *newer}


def test_a_search_finding_more_than_it_ranks_says_more_than(client, make, monkeypatch, settings):
    monkeypatch.setattr(fulltext, "RANKED", 3)
    settings.ARTICLES_PER_PAGE = 2
    for n in range(3):
        make.article(headline=f"Ferry timetable change {n}")
    exact = client.get(SEARCH_URL, {"q": "ferry"}).text
    assert "3 stories found." in exact and "More than" not in exact
    assert "Page 1 of 2" in exact
    for n in range(3, 6):
        make.article(headline=f"Ferry timetable change {n}")
    first = client.get(SEARCH_URL, {"q": "ferry"}).text
    assert "More than 3 stories found: the best matches among the most recent come first." in first
    assert "Page 1</span>" in first  # no "of N": nobody counted them all
    second = client.get(SEARCH_URL, {"q": "ferry", "page": 2})
    assert second.text.count('class="teaser teaser--row"') == 2  # the four ranked, two a page
    assert client.get(SEARCH_URL, {"q": "ferry", "page": 3}).status_code == 404


def test_each_database_has_its_search_index():
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            constraints = connection.introspection.get_constraints(cursor, "articles_article")
            assert constraints["article_search_vector"]["type"] == "gin"
            # Kept in the row (STORAGE MAIN, migration 0015), not fetched from TOAST per match.
            cursor.execute(
                "SELECT attstorage FROM pg_attribute WHERE attrelid = 'articles_article'::regclass"
                " AND attname = 'search_vector'"
            )
            assert cursor.fetchone() == ("m",)
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'articles_article_search'")
            assert "USING fts5" in cursor.fetchone()[0]


def test_the_sweep_merges_the_full_text_index_until_nothing_is_left(make):
    """Each batch of writes is a segment of SQLite's index, read by every search until merged;
    the sweep merges them a bounded step at a time, and searching finds the same stories."""
    from django.db import connection

    from articles.tasks import run_sweep

    stories = []
    for n in range(6):  # segments: each search between writes makes FTS5 write out its batch
        stories.append(make.article(headline=f"Harbour report {n}"))
        assert len(found("harbour")) == n + 1
    if connection.vendor != "sqlite":
        assert fulltext.merge_index_step() is False  # PostgreSQL: autovacuum's work
        return
    assert fulltext.merge_index_step()  # something to merge
    assert run_sweep()["articles.tasks.merge_search_index"] >= 0
    assert not fulltext.merge_index_step()  # merged: nothing left
    assert set(found("harbour")) == set(stories)
