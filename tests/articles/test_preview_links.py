"""Shareable preview links: signed, expiring, revocable, pinned or following the latest, never
cached or indexed, listed on the article's admin page with who made them and how often they were
opened."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, PreviewLink

pytestmark = pytest.mark.django_db

S = Article.Status


@pytest.fixture
def draft(make):
    return make.article(
        status=S.DRAFT,
        headline="Secret harbour plans",
        body="<p>The first version of the story.</p>",
    )


@pytest.fixture
def link(draft, make):
    return PreviewLink.objects.create_for(draft, by=make.staff(["Editors"]))


def create_url(article):
    return reverse("admin:articles_article_preview_link_create", args=[article.pk])


def assert_private(response):
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control
    assert "noindex" in response["X-Robots-Tag"]
    assert response["Referrer-Policy"] == "no-referrer"


def test_a_valid_link_shows_the_draft_to_someone_without_an_account(client, link):
    response = client.get(link.get_absolute_url())
    assert response.status_code == 200
    assert "Secret harbour plans" in response.text
    assert '<meta name="robots" content="noindex">' in response.text
    assert_private(response)
    link.refresh_from_db()
    assert link.open_count == 1 and link.last_opened_at is not None


def test_a_link_works_48_hours_by_default_and_then_says_it_expired(client, link, settings):
    assert settings.PREVIEW_LINK_HOURS == 48
    assert link.expires_at - link.created_at == timedelta(hours=48)
    with time_machine.travel(link.created_at + timedelta(hours=47, minutes=59)):
        assert client.get(link.get_absolute_url()).status_code == 200
    with time_machine.travel(link.created_at + timedelta(hours=48)):
        response = client.get(link.get_absolute_url())
    assert response.status_code == 410
    assert "It expired on" in response.text
    assert "Secret harbour plans" not in response.text
    assert_private(response)


def test_a_revoked_link_stops_working_at_once(client, link, make):
    link.revoke(by=make.staff(["Editors"]))
    response = client.get(link.get_absolute_url())
    assert response.status_code == 410
    assert "The newsroom withdrew it." in response.text
    assert "Secret harbour plans" not in response.text


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # the signature
        lambda token: "x" + token,  # the key
        lambda token: token.split(":")[0],  # no signature at all
        lambda token: "nonsense",
    ],
)
def test_a_tampered_link_is_not_found(client, link, tamper):
    url = reverse("articles:shared_preview", kwargs={"token": tamper(link.token)})
    response = client.get(url)
    assert response.status_code == 404
    assert "Secret harbour plans" not in response.text


def test_a_signed_key_that_is_no_link_is_not_found(client):
    from django.core import signing

    from articles.models.preview import SALT

    token = signing.Signer(salt=SALT).sign("made-up-key")
    assert (
        client.get(reverse("articles:shared_preview", kwargs={"token": token})).status_code == 404
    )


def test_a_pinned_link_shows_the_version_it_was_made_from(client, draft, link):
    draft.headline = "Edited after the link was sent"
    draft.body = "<p>A later version.</p>"
    draft.save()
    page = client.get(link.get_absolute_url()).text
    assert "Secret harbour plans" in page and "The first version of the story." in page
    assert "Edited after the link was sent" not in page and "A later version." not in page


def test_a_following_link_shows_the_latest_version(client, draft, make):
    link = PreviewLink.objects.create_for(draft, by=make.staff(["Editors"]), follows_latest=True)
    draft.headline = "Edited after the link was sent"
    draft.save()
    assert "Edited after the link was sent" in client.get(link.get_absolute_url()).text


def test_the_page_is_never_served_from_a_cache(client, link, draft):
    """Two readers in a row both reach the view (each is counted), and nothing is stored."""
    client.get(link.get_absolute_url())
    client.get(link.get_absolute_url())
    link.refresh_from_db()
    assert link.open_count == 2


def test_the_staff_preview_is_private_too(editor_client, draft):
    response = editor_client.get(draft.get_preview_url())
    assert response.status_code == 200
    assert_private(response)


# In the admin ------------------------------------------------------------------------------


def test_an_editor_makes_a_link_for_a_chosen_time_and_finds_it_listed(editor_client, draft):
    response = editor_client.post(
        create_url(draft), {"hours": "6", "follows_latest": "1"}, follow=True
    )
    link = PreviewLink.objects.get()
    assert link.created_by == editor_client.user
    assert link.follows_latest and link.snapshot == {}
    assert timedelta(hours=5, minutes=59) < link.expires_at - timezone.now() <= timedelta(hours=6)
    assert "Preview link made, working until" in response.text
    assert link.get_absolute_url() in response.text
    assert "the latest version" in response.text
    assert "0 times" in response.text


def test_the_list_shows_who_made_each_link_when_it_expires_and_how_often_it_was_opened(
    editor_client, client, draft, link
):
    client.get(link.get_absolute_url())
    client.get(link.get_absolute_url())
    page = editor_client.get(reverse("admin:articles_article_change", args=[draft.pk])).text
    assert str(link.created_by) in page
    assert "2 times" in page
    assert timezone.localtime(link.expires_at).strftime("%-d %B %Y, %H:%M") in page
    assert "the version of" in page


@pytest.mark.parametrize("hours", ["0", "-5", "abc", "²", "1e9", "9" * 5000, "", "3000"])
def test_a_bad_number_of_hours_makes_no_link_and_says_why(editor_client, draft, hours):
    response = editor_client.post(create_url(draft), {"hours": hours}, follow=True)
    assert response.status_code == 200
    assert "The link was not made" in response.text
    assert not PreviewLink.objects.exists()


def test_an_editor_revokes_a_link_from_the_articles_page(editor_client, client, draft, link):
    url = reverse("admin:articles_article_preview_link_revoke", args=[draft.pk, link.pk])
    response = editor_client.post(url, follow=True)
    assert "no longer works" in response.text
    link.refresh_from_db()
    assert link.revoked_by == editor_client.user
    assert client.get(link.get_absolute_url()).status_code == 410
    assert "revoked by" in response.text


def test_authors_and_moderators_cannot_make_or_revoke_links(staff_client, make, draft, link):
    author = staff_client(["Authors"])
    own = make.article(status=S.DRAFT, authors=[make.author(user=author.user)])
    assert author.post(create_url(own), {"hours": "5"}).status_code == 403
    revoke = reverse("admin:articles_article_preview_link_revoke", args=[draft.pk, link.pk])
    assert staff_client(["Moderators"]).post(revoke).status_code == 403
    assert not PreviewLink.objects.filter(article=own).exists()
    assert PreviewLink.objects.get().is_active


def test_anonymous_people_are_sent_to_log_in(client, draft):
    response = client.post(create_url(draft), {"hours": "5"})
    assert response.status_code == 302 and reverse("admin:login") in response.url
    assert not PreviewLink.objects.exists()


def test_making_a_link_answers_only_posts(editor_client, draft):
    assert editor_client.get(create_url(draft)).status_code == 405


# What the preview pages show ---------------------------------------------------------------


def test_neither_preview_shows_share_links_for_an_address_that_is_not_public(
    client, editor_client, draft, link
):
    for response in (
        client.get(link.get_absolute_url()),
        editor_client.get(draft.get_preview_url()),
    ):
        assert "Secret harbour plans" in response.text
        assert 'class="share"' not in response.text
        assert "Share this story" not in response.text


def test_a_public_story_keeps_its_share_links(client, make):
    story = make.article()
    assert "Share this story" in client.get(story.get_absolute_url()).text


def test_the_banner_says_until_when_the_link_works_and_which_version_it_shows(client, link):
    page = client.get(link.get_absolute_url()).text
    assert 'class="preview-banner"' in page
    expires = timezone.localtime(link.expires_at).strftime("%-d %B %Y, %H:%M")
    assert f"This link works until {expires}" in page
    assert "and shows the version of" in page
