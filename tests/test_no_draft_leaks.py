"""Stories that are not public never show: not on any page a reader can reach, nor in feeds,
sitemaps, search, comment endpoints, related lists, the newsletter archive or cached pages.

The test crawls the public site as an anonymous reader (every link it finds from the home page,
the feeds, the sitemaps and robots.txt, plus searches) and greps each response for the
headlines and slugs of a draft, a story in review, a scheduled one, one published with a future
time, an expired one and one unpublished after readers (and the page cache) had seen it.
"""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article

pytestmark = pytest.mark.django_db

MARK = "zebracanary"  # in every hidden story's headline, slug, standfirst and body
SEEDS = [
    "/",
    "/robots.txt",
    "/sitemap.xml",
    "/sitemap-news.xml",
    "/feed/",
    "/feed/atom/",
    "/corrections/",
    "/newsletter/archive/",
    "/newsletter/subscribe/",
    # Searches for words of the hidden stories (not the mark itself, which the page repeats).
    *(
        f"/search/?q={words}"
        for words in ["story", "weather", "standfirst", "body", "draft", "review", "scheduled"]
        + ["future", "expired", "withdrawn", "the+draft+story"]
    ),
]
SKIP = ("/admin/", "/static/", "/media/", "/preview/")
LINK = re.compile(r"""(?:href|src|action)=["']([^"'#]+)|<loc>([^<]+)</loc>|Sitemap: (\S+)""")


def hidden_story(make, state, section, author, **fields):
    return make.article(
        headline=f"The {state} story {MARK}",
        slug=f"{state}-story-{MARK}",
        standfirst=f"Standfirst of the {state} {MARK}.",
        body=f"<p>Body of the {state} {MARK}.</p>",
        section=section,
        authors=[author],
        tags=["Weather"],
        **fields,
    )


@pytest.fixture
def site(make, django_capture_on_commit_callbacks):
    section = make.section(name="News", slug="news")
    author = make.author(name="Ann Writer", slug="ann-writer")
    now = timezone.now()
    public = [
        make.article(
            headline=f"Public story {n}", section=section, authors=[author], tags=["Weather"]
        )
        for n in range(3)
    ]
    hidden = [
        hidden_story(make, "draft", section, author, status=Article.Status.DRAFT),
        hidden_story(make, "review", section, author, status=Article.Status.IN_REVIEW),
        hidden_story(
            make,
            "scheduled",
            section,
            author,
            status=Article.Status.SCHEDULED,
            published_at=now + timedelta(days=1),
        ),
        hidden_story(
            make,
            "future",
            section,
            author,
            status=Article.Status.PUBLISHED,
            published_at=now + timedelta(hours=2),
        ),
        hidden_story(
            make,
            "expired",
            section,
            author,
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(days=3),
            expires_at=now - timedelta(minutes=1),
        ),
    ]
    # Comments under hidden stories, and a sent newsletter that listed one.
    for story in hidden:
        make.comment(article=story, body=f"A comment on the {MARK} story.")
    issue = make.issue(articles=[public[0], hidden[0]])
    type(issue).objects.filter(pk=issue.pk).update(status="sent", sent_at=now)
    return {"public": public, "hidden": hidden, "section": section}


def crawl(client, extra=(), limit=400):
    """Every public response reachable from the seeds: {path: body}."""
    seen, queue, bodies = set(), [*SEEDS, *extra], {}
    while queue and len(seen) < limit:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc and parts.netloc not in {"testserver", "127.0.0.1:8000"}:
            continue  # the SITE_URL host is ours; anything else is not
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if path in seen or not path.startswith("/") or path.startswith(SKIP):
            continue
        seen.add(path)
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)
        body = response.content.decode("utf-8", "replace")
        # A 404 may name the address the reader typed: that is no leak, so it goes before
        # looking (only that exact address: a headline would still be found).
        bodies[path] = body.replace(parts.path, "") if response.status_code == 404 else body
        for groups in LINK.findall(body):
            link = next(group for group in groups if group).replace("&amp;", "&")
            queue.append(link)
    return bodies


def leaks(bodies):
    return sorted(path for path, body in bodies.items() if MARK in body.lower())


def test_no_hidden_story_shows_anywhere_a_reader_can_reach(client, site):
    hidden = site["hidden"]
    direct = [story.get_absolute_url() for story in hidden]
    bodies = crawl(client, extra=direct)
    assert len(bodies) > 20, sorted(bodies)  # the crawl did reach the site
    assert site["public"][0].get_absolute_url() in bodies
    for url in direct:
        assert client.get(url).status_code == 404
    assert not leaks(bodies), leaks(bodies)


def test_comment_endpoints_do_not_answer_for_hidden_stories(client, site, make):
    for story in site["hidden"]:
        url = reverse("comments:post", args=[story.pk])
        for response in [client.get(url), client.post(url, make.comment_form_data())]:
            assert response.status_code in {404, 405}, (story.status, response.status_code)
            assert MARK not in response.content.decode().lower()


def test_a_story_unpublished_after_readers_saw_it_is_gone_from_every_page_and_cache(
    site, make, django_capture_on_commit_callbacks
):
    editor = make.staff(["Editors"])
    story = make.article(
        headline=f"The withdrawn story {MARK}",
        slug=f"withdrawn-story-{MARK}",
        section=site["section"],
        authors=[site["public"][0].authors.first()],
        tags=["Weather"],
    )
    before = crawl(Client())
    # While public the crawl finds it on the pages, feeds, sitemaps, search and related lists.
    seen_on = leaks(before)
    assert {"/", "/feed/", "/sitemap-news.xml", "/search/?q=withdrawn", "/tag/weather/"} <= set(
        seen_on
    ), seen_on
    with django_capture_on_commit_callbacks(execute=True):  # the purges run on commit
        story.unpublish(by=editor)
    after = crawl(Client(), extra=[story.get_absolute_url()])
    assert not leaks(after), leaks(after)
