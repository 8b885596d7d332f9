"""The shared fixtures in tests/conftest.py do what their names say."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_editor_client_is_logged_in_as_an_editor_who_is_not_a_superuser(editor_client):
    assert editor_client.get(reverse("admin:articles_article_changelist")).status_code == 200
    user = editor_client.user
    assert list(user.groups.values_list("name", flat=True)) == ["Editors"]
    assert user.is_staff and not user.is_superuser
    assert user.email == "editor@example.com"


def test_staff_client_gives_each_person_a_client_of_their_own(staff_client):
    moderator = staff_client(["Moderators"])
    editor = staff_client(["Editors"])
    assert moderator.user != editor.user
    add_article = reverse("admin:articles_article_add")
    assert moderator.get(add_article).status_code == 403
    assert editor.get(add_article).status_code == 200


def test_count_queries_counts_a_cold_page_and_a_warm_one(count_queries, make):
    make.article()
    home = reverse("articles:home")
    cold = count_queries(home)
    warm = count_queries(home, warm=True)
    assert warm < cold  # the menu and site settings come from the cache the first GET filled
    assert count_queries(home) == cold


def test_count_queries_checks_the_status(count_queries, editor_client):
    assert count_queries(reverse("admin:index"), client=editor_client) > 0
    assert count_queries("/no-such-page/", status=404) >= 0
    with pytest.raises(AssertionError):
        count_queries("/no-such-page/")
