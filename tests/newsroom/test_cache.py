"""Cache invalidation is explicit (newsroom.cache): every change to public content, made where
editors make it, drops exactly the cached data and pages that showed it, once it commits."""

import re

import pytest
from django.urls import reverse

from articles.models import Article, SiteSettings
from newsroom import cache as page_cache

pytestmark = pytest.mark.django_db


def menu(client):
    """The section menu of the home page, as readers see it."""
    page = client.get("/").text
    return re.search(r'<nav class="section-menu".*?</nav>', page, re.DOTALL)[0]


@pytest.fixture
def purged():
    """The paths each purge hands to page caches (``EVERYTHING`` is recorded as "*")."""
    calls = []

    def purger(paths):
        calls.append("*" if paths is page_cache.EVERYTHING else set(paths))

    page_cache.register_purger(purger)
    yield calls
    page_cache.unregister_purger(purger)


def test_renaming_a_section_in_the_admin_updates_the_menu_at_once(
    client, editor_client, make, django_capture_on_commit_callbacks
):
    section = make.section(name="Sport", slug="sport")
    make.article(section=section)
    assert "Sport" in menu(client)  # the menu is now cached
    url = reverse("admin:articles_section_change", args=[section.pk])
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(url, {"name": "Sports desk", "slug": "sport", "position": 0})
    assert "Sports desk" in menu(client)


def test_the_menu_cache_is_only_dropped_by_an_explicit_purge(
    client, make, django_capture_on_commit_callbacks
):
    section = make.section(name="Sport", slug="sport")
    make.article(section=section)
    menu(client)
    section.name = "Renamed in code"
    section.save()  # save() derives columns and nothing else
    assert "Renamed in code" not in menu(client)
    with django_capture_on_commit_callbacks(execute=True):
        page_cache.purge_menu()
    assert "Renamed in code" in menu(client)


def test_site_settings_saved_in_the_admin_show_on_the_next_page(
    client, make, django_capture_on_commit_callbacks
):
    client.force_login(make.user(is_staff=True, is_superuser=True))
    client.get("/")  # settings made and cached
    url = reverse("admin:articles_sitesettings_change", args=[1])
    data = {
        "advertisement_html": "<p>Buy our <strong>paper</strong></p>",
        "follow_links-TOTAL_FORMS": "1",
        "follow_links-INITIAL_FORMS": "0",
        "follow_links-0-label": "Mastodon",
        "follow_links-0-url": "https://mastodon.example/@news",
        "follow_links-0-position": "0",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, data).status_code == 302
    page = client.get("/").text
    assert "Buy our <strong>paper</strong>" in page
    assert "https://mastodon.example/@news" in page


def test_a_rolled_back_change_purges_nothing(client, make, purged):
    from django.db import transaction

    story = make.article()
    with pytest.raises(RuntimeError), transaction.atomic():
        story.unpublish()
        raise RuntimeError("the editor's request failed")
    assert purged == []


def test_editing_an_article_purges_its_pages_before_and_after_the_change(
    editor_client, make, purged, django_capture_on_commit_callbacks
):
    from tests.articles.test_admin import article_form

    old_section, new_section = make.section(slug="old-desk"), make.section(slug="new-desk")
    person = make.author(slug="ada")
    story = make.article(section=old_section, authors=[person], tags=["Harbour"])
    url = reverse("admin:articles_article_change", args=[story.pk])
    data = article_form(
        headline=story.headline,
        slug="renamed",
        section=new_section.pk,
        tags="Bridges",
        **{
            "articleauthor_set-TOTAL_FORMS": "0",
            "articleauthor_set-INITIAL_FORMS": "0",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert purged[-1] >= {
        "/",
        f"/article/{story.slug}/",
        "/article/renamed/",
        "/section/old-desk/",
        "/section/new-desk/",
        "/tag/harbour/",
        "/tag/bridges/",
        "/author/ada/",
    }


def test_publishing_and_unpublishing_purge_the_stories_pages(
    editor_client, make, purged, django_capture_on_commit_callbacks
):
    draft = make.article(status=Article.Status.DRAFT, slug="draft-story")
    changelist = reverse("admin:articles_article_changelist")
    for action in ("publish_selected", "unpublish_selected"):
        with django_capture_on_commit_callbacks(execute=True):
            editor_client.post(changelist, {"action": action, "_selected_action": [draft.pk]})
        assert "/article/draft-story/" in purged.pop()


@pytest.mark.parametrize(
    ("model", "data"),
    [
        ("section", {"name": "New desk", "slug": "new-desk", "position": 0}),
        ("author", {"name": "New author", "slug": "new-author", "bio": "", "links": ""}),
        ("tag", {"name": "New tag", "slug": "new-tag"}),
    ],
)
def test_rows_shown_on_many_pages_purge_every_page(
    editor_client, purged, model, data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(reverse(f"admin:articles_{model}_add"), data)
    assert response.status_code == 302
    assert purged == ["*"]


def test_site_settings_save_itself_no_longer_touches_the_cache(client, make):
    client.get("/")
    settings_row = SiteSettings.load()
    settings_row.advertisement_html = "<p>Silent</p>"
    settings_row.save()
    assert "Silent" not in client.get("/").text
