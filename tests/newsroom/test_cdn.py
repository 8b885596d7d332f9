"""The purge hook (newsroom.cdn): with CDN_PURGE_URL set, each purge is POSTed to a real HTTP
server, as a CDN or proxy in front of the site would receive it."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.tasks import TaskResultStatus
from django.urls import reverse

from articles.models import Article
from newsroom.cdn import send_purge

pytestmark = pytest.mark.django_db


@pytest.fixture
def purge_endpoint(settings):
    """A local HTTP server taking purge POSTs; ``.received`` holds (headers, body) of each, and
    ``.status`` is what it answers."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            server.received.append((dict(self.headers), json.loads(self.rfile.read(length))))
            self.send_response(server.status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.received, server.status = [], 204
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CDN_PURGE_URL = f"http://127.0.0.1:{server.server_address[1]}/purge"
    settings.CDN_PURGE_TOKEN = "s3cret"
    settings.SITE_URL = "https://news.example"
    yield server
    server.shutdown()
    server.server_close()


def test_publishing_posts_the_storys_pages_to_the_purge_endpoint(
    purge_endpoint, make, django_capture_on_commit_callbacks
):
    section = make.section(slug="desk")
    draft = make.article(
        section=section, status=Article.Status.DRAFT, published_at=None, slug="harbour"
    )
    with django_capture_on_commit_callbacks(execute=True):
        draft.publish()
    headers, body = purge_endpoint.received[-1]
    assert headers["Authorization"] == "Bearer s3cret"
    assert headers["Content-Type"] == "application/json"
    assert body["everything"] is False
    assert {"/", "/article/harbour/", "/section/desk/"} <= set(body["paths"])
    assert "https://news.example/article/harbour/" in body["urls"]


def test_a_menu_change_posts_everything(
    purge_endpoint, editor_client, make, django_capture_on_commit_callbacks
):
    section = make.section(slug="desk")
    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(
            reverse("admin:articles_section_change", args=[section.pk]),
            {"name": "Renamed", "slug": "desk", "position": 0},
        )
    assert purge_endpoint.received[-1][1] == {"urls": [], "paths": [], "everything": True}


def test_nothing_is_posted_without_a_purge_url(
    purge_endpoint, settings, make, django_capture_on_commit_callbacks
):
    settings.CDN_PURGE_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        make.article().unpublish()
    assert purge_endpoint.received == []


def test_a_refusing_endpoint_fails_the_task(purge_endpoint):
    purge_endpoint.status = 503
    result = send_purge.enqueue(["/"])
    assert result.status == TaskResultStatus.FAILED
    assert "answered 503" in result.errors[0].traceback
    purge_endpoint.status = 200
    assert send_purge.enqueue(["/"]).return_value == 200
