"""No reader can trigger a 5xx: every public URL, with hostile values in every parameter.

The values live in ``tests/hostile.py``. Each page is asked with every value in every query
parameter it reads (and in parameters it does not read), with repeated parameters
(``?page=1&page=2``), with raw query strings that are not valid UTF-8, and every public form is
posted with every value in every field. The only thing asserted is the one promise: never a 5xx.
"""

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import Article
from newsletter.models import Issue
from tests.hostile import RAW_QUERIES, VALUES

pytestmark = pytest.mark.django_db

PARAMETERS = ["page", "q", "replyto", "comments_page", "email", "utm_source", "section", "p"]


@pytest.fixture
def site(make):
    """One of everything a reader can reach, comments open and a thread three levels deep."""
    section = make.section(name="World", slug="world")
    person = make.author(name="Ada Reporter", slug="ada-reporter")
    story = make.article(section=section, authors=[person], tags=["Zürich", "!!!"])
    make.correction(story)
    top = make.comment(story)
    reply = make.comment(story, parent=top)
    make.comment(story, parent=reply)
    make.comment(story, status="pending")
    make.comment(story, status="spam")
    issue = make.issue(articles=[story], status=Issue.Status.SENT)
    subscriber = make.subscriber()
    from articles.models import PreviewLink

    draft = make.article(status=Article.Status.DRAFT)
    preview = PreviewLink.objects.create_for(draft, by=None)
    from comments.models import NotificationAddress

    notify_address = NotificationAddress.objects.create(email="ada@example.com")
    return {
        "story": story,
        "issue": issue,
        "subscriber": subscriber,
        "preview": preview,
        "notify_address": notify_address,
    }


def public_get_urls(site):
    story, issue, subscriber = site["story"], site["issue"], site["subscriber"]
    tag = story.tags.first()
    return [
        reverse("articles:home"),
        story.section.get_absolute_url(),
        tag.get_absolute_url(),
        story.ordered_authors[0].get_absolute_url(),
        story.get_absolute_url(),
        reverse("articles:search"),
        reverse("articles:corrections"),
        reverse("newsletter:subscribe"),
        reverse("newsletter:subscribe_done"),
        reverse("newsletter:confirmed"),
        reverse("newsletter:archive"),
        issue.get_absolute_url(),
        subscriber.get_confirm_url(),
        subscriber.get_unsubscribe_url(),
        subscriber.get_manage_url(),
        reverse("comments:stop", args=["token"]),
        site["notify_address"].confirmation_url(),
        site["preview"].get_absolute_url(),
        reverse("articles:feed"),
        reverse("articles:feed_atom"),
        reverse("articles:section_feed", args=[story.section.slug]),
        reverse("articles:tag_feed_atom", args=[tag.slug]),
        reverse("articles:author_feed", args=[story.ordered_authors[0].slug]),
        reverse("articles:sitemap_index"),
        reverse("articles:sitemap_news"),
        reverse("articles:sitemap", args=["articles"]),
        reverse("articles:sitemap", args=["tags"]),
        reverse("robots"),
    ]


def tokened_url_names():
    return [
        "newsletter:confirm",
        "newsletter:unsubscribe",
        "newsletter:manage",
        "comments:stop",
        "comments:confirm",
        "articles:shared_preview",
    ]


class Failures(list):
    def check(self, client, method, path, **kwargs):
        request = f"{method.upper()} {path[:120]} {str(kwargs)[:120]}"
        try:
            response = getattr(client, method)(path, **kwargs)
        except Exception as error:  # the test client re-raises what would be a 500
            self.append(f"{request}: {error!r}"[:400])
            return
        if response.status_code >= 500:
            self.append(f"{request}: {response.status_code}")

    def assert_none(self):
        assert not self, f"{len(self)} requests failed:\n" + "\n".join(self[:40])


@pytest.fixture
def client():
    return Client(raise_request_exception=True)


def path_of(url):
    from urllib.parse import urlsplit

    return urlsplit(url).path


def test_every_public_page_survives_hostile_query_parameters(client, site):
    failures = Failures()
    for url in public_get_urls(site):
        path = path_of(url)
        for value in VALUES:
            failures.check(client, "get", path, data=dict.fromkeys(PARAMETERS, value))
        for name in PARAMETERS:
            failures.check(client, "get", path, data={name: ["1", "2", "²"]})
        for raw in RAW_QUERIES:
            failures.check(client, "get", path, QUERY_STRING=raw)
    failures.assert_none()


def test_reply_to_any_value_renders_the_article(client, site, make):
    story = site["story"]
    other = make.comment(make.article())
    values = [*VALUES, str(other.pk), *[str(c.pk) for c in story.comments.all()]]
    failures = Failures()
    for value in values:
        failures.check(client, "get", story.get_absolute_url(), data={"replyto": value})
    failures.assert_none()


def test_hostile_path_segments_are_404s_not_errors(client, site):
    failures = Failures()
    segments = [v for v in VALUES if v and "/" not in v and "\\" not in v][:30]
    for value in segments:
        for name in [
            "articles:section",
            "articles:tag",
            "articles:author",
            "articles:detail",
            "articles:section_feed",
            "articles:tag_feed",
            "articles:author_feed_atom",
        ]:
            # The value where the slug goes (feeds have more path after it).
            path = reverse(name, args=["slug-here"]).replace("slug-here", value)
            failures.check(client, "get", path)
        for name in tokened_url_names():
            prefix = reverse(name, args=["x"])[: -len("x/")]
            failures.check(client, "get", prefix + value + "/")
            failures.check(client, "post", prefix + value + "/", data={"name": value})
        failures.check(client, "get", f"/newsletter/archive/{value}/")
        failures.check(client, "get", f"/sitemap-{value}.xml")
    failures.check(client, "get", "/newsletter/archive/" + "9" * 5000 + "/")
    failures.check(client, "get", "/preview/" + "9" * 5000 + "/")
    failures.assert_none()


def test_every_public_form_survives_hostile_values_in_every_field(client, site, make):
    story = site["story"]
    comment_fields = ["name", "email", "website", "body", "parent", "timestamp", "honeypot"]
    subscribe_fields = ["email", "name", "source", "consent"]
    failures = Failures()
    post_url = reverse("comments:post", args=[story.pk])
    for value in VALUES:
        for field in comment_fields:
            data = make.comment_form_data(**{field: value})
            failures.check(client, "post", post_url, data=data)
        failures.check(client, "post", post_url, data=dict.fromkeys(comment_fields, value))
        for field in subscribe_fields:
            data = {"email": "reader@example.com", "name": "", field: value}
            failures.check(client, "post", reverse("newsletter:subscribe"), data=data)
        manage = path_of(site["subscriber"].get_manage_url())
        failures.check(client, "post", manage, data={"name": value})
    # Arrays where one value is expected.
    failures.check(client, "post", post_url, data={f: ["a", "b"] for f in comment_fields})
    failures.check(
        client, "post", reverse("newsletter:subscribe"), data={"email": ["a@b.c", "d@e.f"]}
    )
    failures.assert_none()


def test_comment_endpoints_for_articles_that_are_not_there(client, site, make):
    draft = make.article(status=Article.Status.DRAFT)
    failures = Failures()
    for article_id in [draft.pk, 0, 10**12]:
        url = reverse("comments:post", args=[article_id])
        failures.check(client, "post", url, data=make.comment_form_data())
        failures.check(client, "get", url)
    failures.check(client, "post", "/comments/post/" + "9" * 5000 + "/")
    failures.assert_none()
