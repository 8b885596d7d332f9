"""The page cache (newsroom.pagecache): anonymous readers share stored pages, everyone else gets
their own, forms keep working, and every change editors make is on the next page served."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from tests.articles.test_admin import article_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(page_cache):
    """``reader()``: a new anonymous browser (its own cookies), with the page cache on."""
    return lambda: Client(enforce_csrf_checks=True)


@pytest.fixture
def change(django_capture_on_commit_callbacks):
    """``with change(): ...``: an editor's change, committed (its purges run)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def served(client, url):
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return response


def cached(client, url):
    """The page as an anonymous reader gets it, asserting it came from the page cache."""
    response = served(client, url)
    assert response["X-Page-Cache"] == "hit", f"{url} was not a cache hit"
    return response.text


def warm(reader, *urls):
    """Every page stored, and the next reader served from the store."""
    for url in urls:
        served(reader(), url)
        cached(reader(), url)


# Hits, misses and bypasses ---------------------------------------------------------------------


def test_a_second_anonymous_reader_gets_the_stored_page_without_a_query(
    reader, make, django_assert_num_queries
):
    story = make.article()
    first = served(reader(), story.get_absolute_url())
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = served(reader(), story.get_absolute_url())
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert "public" in second["Cache-Control"] and "s-maxage=600" in second["Cache-Control"]
    assert "stale-while-revalidate=30" in second["Cache-Control"]
    assert "Set-Cookie" not in second.headers
    assert second["Content-Security-Policy"] and second["X-Frame-Options"] == "DENY"


def test_tracking_parameters_share_the_entry_and_other_parameters_do_not(reader, make):
    section = make.section()
    for _ in range(15):
        make.article(section=section)
    url = section.get_absolute_url()
    served(reader(), url)
    assert cached(reader(), url + "?utm_source=social&fbclid=abc")
    page_two = served(reader(), url + "?page=2")
    assert page_two["X-Page-Cache"] == "miss"
    assert cached(reader(), url + "?page=2") != cached(reader(), url)


def test_staff_never_get_or_fill_the_shared_page(reader, make, editor_client):
    story = make.article()
    url = story.get_absolute_url()
    staff_page = served(editor_client, url)
    assert "X-Page-Cache" not in staff_page.headers
    assert "private" in staff_page["Cache-Control"]
    assert served(reader(), url)["X-Page-Cache"] == "miss"  # staff filled nothing
    assert "X-Page-Cache" not in served(editor_client, url).headers  # nor get the stored one


def test_a_reader_with_a_pending_comment_or_a_message_gets_their_own_page(
    reader, make, change, settings
):
    settings.COMMENTS_TRUST_APPROVED_EMAILS = False
    story = make.article()
    url = story.get_absolute_url()
    warm(reader, url)
    browser = reader()
    form = served(browser, url).text
    token = browser.get(reverse("csrf")).json()["token"]
    assert 'name="csrfmiddlewaretoken" value=""' in form
    data = make.comment_form_data(body="My words, awaiting moderation")
    with change():
        response = browser.post(
            reverse("comments:post", args=[story.pk]), {**data, "csrfmiddlewaretoken": token}
        )
    assert response.status_code == 302
    own = served(browser, url)  # a message and the pending cookie: not the shared page
    assert "X-Page-Cache" not in own.headers and "private" in own["Cache-Control"]
    assert "awaiting moderation" in own.text
    assert "My words, awaiting moderation" in served(browser, url).text
    assert "My words, awaiting moderation" not in cached(reader(), url)


def test_posts_errors_and_pages_that_set_cookies_are_never_stored(reader, make):
    story = make.article()
    browser = reader()
    assert browser.post(story.get_absolute_url()).status_code in (403, 405)
    assert served(reader(), story.get_absolute_url())["X-Page-Cache"] == "miss"
    assert browser.get("/article/no-such-story/").status_code == 404
    assert browser.get("/article/no-such-story/").get("X-Page-Cache") is None
    assert "X-Page-Cache" not in browser.get(reverse("csrf")).headers
    assert "no-cache" in browser.get(reverse("csrf"))["Cache-Control"]


def test_search_and_previews_are_not_stored(reader, make, editor_client):
    story = make.article(headline="Harbour bridge")
    assert "X-Page-Cache" not in served(reader(), "/search/?q=harbour").headers
    preview = served(editor_client, story.get_preview_url())
    assert "X-Page-Cache" not in preview.headers


def test_a_conditional_request_for_an_unchanged_page_gets_a_304(reader, make):
    story = make.article()
    first = served(reader(), story.get_absolute_url())
    again = reader().get(story.get_absolute_url(), headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""
    since = reader().get(
        story.get_absolute_url(), headers={"If-Modified-Since": first["Last-Modified"]}
    )
    assert since.status_code == 304
    stale = reader().get(story.get_absolute_url(), headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200


def test_the_page_cache_off_still_answers_conditional_requests(client, make, settings):
    settings.PAGE_CACHE_SECONDS = 0
    section = make.article().section  # a page without a form (its signed time changes)
    first = served(client, section.get_absolute_url())
    assert "X-Page-Cache" not in first.headers
    again = client.get(section.get_absolute_url(), headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304


# Forms on cached pages --------------------------------------------------------------------------


def test_a_comment_posted_from_a_cached_page_by_another_reader_is_accepted(reader, make, change):
    story = make.article()
    url = story.get_absolute_url()
    warm(reader, url)  # stored by someone else
    browser = reader()
    page = cached(browser, url)
    assert not re.search(r'name="csrfmiddlewaretoken" value="[^"]', page)  # no one's token
    field = re.search(r'name="csrfmiddlewaretoken" value="" data-csrf-url="([^"]+)"', page)
    token = browser.get(field[1]).json()["token"]  # what site.js does
    data = make.comment_form_data(body="Posted from a cached page", csrfmiddlewaretoken=token)
    with change():
        response = browser.post(reverse("comments:post", args=[story.pk]), data)
    assert response.status_code == 302
    posted = Comment.objects.get(body="Posted from a cached page")
    with change():
        Comment.objects.filter(pk=posted.pk).approve()
    assert "Posted from a cached page" in served(reader(), url).text  # purged for everyone


def test_without_javascript_the_first_send_comes_back_with_the_text_and_a_token(reader, make):
    story = make.article()
    url = story.get_absolute_url()
    warm(reader, url)
    browser = reader()
    cached(browser, url)
    data = make.comment_form_data(body="Typed without JavaScript")
    refused = browser.post(reverse("comments:post", args=[story.pk]), data)
    assert refused.status_code == 403
    assert "Typed without JavaScript" in refused.text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', refused.text)[1]
    again = browser.post(
        reverse("comments:post", args=[story.pk]), {**data, "csrfmiddlewaretoken": token}
    )
    assert again.status_code == 302


def test_the_newsletter_sign_up_works_from_a_cached_page(reader, make, change):
    story = make.article()
    warm(reader, story.get_absolute_url())
    browser = reader()
    page = cached(browser, story.get_absolute_url())
    assert 'name="csrfmiddlewaretoken" value="" data-csrf-url=' in page
    token = browser.get(reverse("csrf")).json()["token"]
    form = {"email": "new@example.com", "name": "", "source": story.get_absolute_url()}
    with change():
        response = browser.post(
            reverse("newsletter:subscribe"), {**form, "csrfmiddlewaretoken": token}
        )
    assert response.status_code == 302
    refused = reader().post(reverse("newsletter:subscribe"), form)  # no JavaScript, no token
    assert refused.status_code == 403
    assert 'value="new@example.com"' in refused.text
    assert re.search(r'name="csrfmiddlewaretoken" value="[^"]+"', refused.text)


# Invalidation: after each change, no reader gets the page as it was ------------------------------


def test_publishing_shows_the_story_on_every_page_at_once(reader, make, change):
    section = make.section(slug="desk")
    person = make.author(slug="ada")
    make.article(section=section, authors=[person], tags=["harbour"])
    draft = make.article(
        section=section,
        authors=[person],
        tags=["harbour"],
        status=Article.Status.DRAFT,
        published_at=None,
        headline="Fresh off the press",
    )
    pages = ["/", "/section/desk/", "/tag/harbour/", "/author/ada/"]
    warm(reader, *pages)
    with change():
        draft.publish()
    for url in pages:
        assert "Fresh off the press" in served(reader(), url).text, url
    assert "Fresh off the press" in served(reader(), draft.get_absolute_url()).text


def test_a_scheduled_story_going_live_shows_at_once(reader, make, change):
    section = make.section(slug="desk")
    make.article(section=section)
    story = make.article(
        section=section, status=Article.Status.DRAFT, published_at=None, headline="On the minute"
    )
    story.schedule(timezone.now() + timedelta(minutes=5))
    warm(reader, "/", "/section/desk/")
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        with change():
            assert Article.objects.go_live() == 1
        for url in ["/", "/section/desk/"]:
            assert "On the minute" in served(reader(), url).text, url


def test_an_edit_in_the_admin_shows_on_every_page_at_once(reader, make, change, editor_client):
    section = make.section(slug="desk")
    person = make.author(slug="ada")
    story = make.article(section=section, authors=[person], tags=["harbour"], headline="Old one")
    pages = [story.get_absolute_url(), "/", "/section/desk/", "/tag/harbour/", "/author/ada/"]
    warm(reader, *pages)
    link = story.articleauthor_set.get()
    data = article_form(
        headline="New headline here",
        slug=story.slug,
        section=section.pk,
        tags="harbour",
        **{
            "articleauthor_set-INITIAL_FORMS": "1",
            "articleauthor_set-0-id": link.pk,
            "articleauthor_set-0-article": story.pk,
            "articleauthor_set-0-author": person.pk,
        },
    )
    with change():
        response = editor_client.post(
            reverse("admin:articles_article_change", args=[story.pk]), data
        )
    assert response.status_code == 302
    for url in pages:
        text = served(reader(), url).text
        assert "New headline here" in text and "Old one" not in text, url


def test_unpublishing_takes_the_story_off_every_page_at_once(reader, make, change):
    section = make.section(slug="desk")
    make.article(section=section)
    story = make.article(section=section, tags=["harbour"], headline="Withdrawn story")
    pages = ["/", "/section/desk/", "/tag/harbour/"]
    warm(reader, story.get_absolute_url(), *pages)
    with change():
        story.unpublish()
    assert reader().get(story.get_absolute_url()).status_code == 404
    for url in pages:
        assert "Withdrawn story" not in served(reader(), url).text, url


def test_a_correction_shows_on_the_article_and_the_corrections_page_at_once(
    reader, make, change, editor_client
):
    story = make.article()
    pages = [story.get_absolute_url(), reverse("articles:corrections")]
    warm(reader, *pages)
    link = story.articleauthor_set.get()
    published = timezone.localtime(story.published_at)
    data = article_form(
        headline=story.headline,
        slug=story.slug,
        section=story.section_id,
        tags="",
        published_at_0=published.strftime("%Y-%m-%d"),
        published_at_1=published.strftime("%H:%M:%S"),
        **{
            "articleauthor_set-INITIAL_FORMS": "1",
            "articleauthor_set-0-id": link.pk,
            "articleauthor_set-0-article": story.pk,
            "articleauthor_set-0-author": link.author_id,
            "corrections-TOTAL_FORMS": "1",
            "corrections-0-text": "An earlier version misspelt the mayor's name.",
            "corrections-0-published_at_0": published.strftime("%Y-%m-%d"),
            "corrections-0-published_at_1": published.strftime("%H:%M:%S"),
        },
    )
    with change():
        response = editor_client.post(
            reverse("admin:articles_article_change", args=[story.pk]), data
        )
    assert response.status_code == 302, response.context["inline_admin_formsets"]
    assert story.corrections.count() == 1
    for url in pages:
        assert "misspelt the mayor" in served(reader(), url).text, url


@pytest.mark.parametrize("event", ["approve", "remove"])
def test_approving_or_removing_a_comment_shows_at_once(reader, make, change, event):
    story = make.article()
    status = Comment.Status.PENDING if event == "approve" else Comment.Status.APPROVED
    comment = make.comment(story, body="The words in question", status=status)
    warm(reader, story.get_absolute_url())
    with change():
        getattr(Comment.objects.filter(pk=comment.pk), event)()
    shown = "The words in question" in served(reader(), story.get_absolute_url()).text
    assert shown is (event == "approve")


@pytest.mark.parametrize(
    ("model", "data", "text"),
    [
        ("section", {"name": "Renamed desk", "slug": "desk", "position": 0}, "Renamed desk"),
        ("author", {"name": "Ada Renamed", "slug": "ada", "bio": "", "links": ""}, "Ada Renamed"),
    ],
)
def test_a_section_or_author_change_shows_on_every_page_at_once(
    reader, make, change, editor_client, model, data, text
):
    section = make.section(slug="desk", name="Old desk")
    person = make.author(slug="ada", name="Ada Old")
    story = make.article(section=section, authors=[person], tags=["harbour"])
    pages = ["/", story.get_absolute_url(), "/tag/harbour/", "/section/desk/", "/author/ada/"]
    warm(reader, *pages)
    row = section if model == "section" else person
    with change():
        response = editor_client.post(
            reverse(f"admin:articles_{model}_change", args=[row.pk]), data
        )
    assert response.status_code == 302
    for url in pages:
        assert text in served(reader(), url).text, url


def test_a_picture_change_shows_on_every_page_at_once(reader, make, change, editor_client):
    picture = make.image(size=(400, 250))
    story = make.article(lead_image=picture)
    warm(reader, story.get_absolute_url())
    data = {"alt_text": "A new description", "caption": "A new caption", "credit": "New Credit"}
    with change():
        response = editor_client.post(
            reverse("admin:articles_image_change", args=[picture.pk]),
            {**data, "credit_url": ""},
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert "New Credit" in served(reader(), story.get_absolute_url()).text


def test_site_settings_show_on_every_page_at_once(reader, make, change, client):
    story = make.article()
    warm(reader, "/", story.get_absolute_url())
    client.force_login(make.user(is_staff=True, is_superuser=True))
    data = {
        "advertisement_html": "<p>Our new advertisement</p>",
        "follow_links-TOTAL_FORMS": "0",
        "follow_links-INITIAL_FORMS": "0",
    }
    with change():
        response = client.post(reverse("admin:articles_sitesettings_change", args=[1]), data)
    assert response.status_code == 302
    for url in ["/", story.get_absolute_url()]:
        assert "Our new advertisement" in served(reader(), url).text, url


def test_a_page_rendered_before_a_change_is_never_stored_as_current(
    reader, make, change, monkeypatch
):
    """The race a spike makes likely: a worker renders the old story, the editor's change
    commits and purges, and only then does that worker store its page."""
    from newsroom import pagecache
    from newsroom.cache import purge_article

    story = make.article(headline="Before the change")
    url = story.get_absolute_url()
    original = pagecache.PageCacheMiddleware.may_store
    raced = []

    def store_late(response):
        if b"Before the change" in response.content and not raced:
            raced.append(True)  # the old page is built; the change commits before it is stored
            with change():
                Article.objects.filter(pk=story.pk).update(headline="After the change")
                purge_article(Article.objects.get(pk=story.pk))
        return original(response)

    monkeypatch.setattr(pagecache.PageCacheMiddleware, "may_store", staticmethod(store_late))
    assert "Before the change" in served(reader(), url).text
    assert raced
    assert "After the change" in served(reader(), url).text
