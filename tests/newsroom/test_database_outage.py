"""The database away (restarting, refusing connections): 503 in the site's design with
Retry-After, no trace, nothing acknowledged that was not saved; back by itself when it returns."""

import logging
from contextlib import contextmanager

import pytest
from django.db import connection
from django.urls import reverse

from comments.models import Comment
from tests.smtp import free_port

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def database_away(tmp_path):
    """Point the connection where no database answers, as during a restart, then back."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = str(tmp_path / "no-such-folder" / "db.sqlite3")
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def test_pages_answer_503_in_the_sites_design_and_recover_by_themselves(
    client, make, tmp_path, caplog
):
    story = make.article(headline="A story that stays")
    assert client.get(story.get_absolute_url()).status_code == 200
    caplog.set_level(logging.WARNING, logger="newsroom.middleware")
    with database_away(tmp_path):
        for url in ["/", story.get_absolute_url(), reverse("articles:search") + "?q=story"]:
            response = client.get(url)
            assert response.status_code == 503, url
            assert response["Retry-After"] == "10"
            assert "We will be back in a moment" in response.text
            assert "/static/css/site.css" in response.text  # the site's own design
            assert "Traceback" not in response.text and "OperationalError" not in response.text
            assert "Content-Security-Policy" in response.headers
    warnings = [r for r in caplog.records if r.name == "newsroom.middleware"]
    assert len(warnings) == 1  # once, not per request
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    assert "A story that stays" in response.text


def test_a_comment_sent_during_the_outage_is_refused_not_acknowledged(client, make, tmp_path):
    story = make.article()
    data = make.comment_form_data(body="Sent while the database restarts.")
    with database_away(tmp_path):
        response = client.post(reverse("comments:post", args=[story.pk]), data)
        assert response.status_code == 503
        assert "Nothing you sent was kept" in response.text
    assert not Comment.objects.filter(body="Sent while the database restarts.").exists()
    # Sent again once it is back, it is taken.
    response = client.post(reverse("comments:post", args=[story.pk]), data)
    assert response.status_code in {200, 302}
    assert Comment.objects.filter(body="Sent while the database restarts.").exists()


def test_the_admin_answers_503_too(staff_client, tmp_path):
    editor = staff_client(["Editors"])
    with database_away(tmp_path):
        response = editor.get(reverse("admin:index"))
    assert response.status_code == 503
    assert editor.get(reverse("admin:index")).status_code == 200


def test_a_database_error_outside_a_view_is_a_503_too(rf):
    """The 500 handler's safety net: a middleware or the session save failing on the database."""
    from django.db import OperationalError

    from newsroom.views import server_error

    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(rf.get("/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
