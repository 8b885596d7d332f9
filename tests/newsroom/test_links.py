"""``newsroom.links.reverse_path``: Django's ``reverse()``, remembered, and never stale."""

from django.test import override_settings
from django.urls import reverse, set_script_prefix

from newsroom import links


def test_the_same_name_and_arguments_are_reversed_once():
    links._reversed.cache_clear()
    first = links.reverse_path("articles:section", slug="world")
    assert first == reverse("articles:section", kwargs={"slug": "world"}) == "/section/world/"
    assert links.reverse_path("articles:section", slug="world") == first
    info = links._reversed.cache_info()
    assert (info.misses, info.hits) == (1, 1)
    # Any script, positional or keyword.
    assert links.reverse_path("articles:tag", "東京") == reverse("articles:tag", args=["東京"])


def test_a_script_prefix_or_another_url_configuration_is_part_of_the_key():
    assert links.reverse_path("articles:home") == "/"
    set_script_prefix("/news/")
    try:
        assert links.reverse_path("articles:home") == "/news/"
    finally:
        set_script_prefix("/")
    assert links.reverse_path("articles:home") == "/"
    with override_settings(ROOT_URLCONF="benchmarks.urls"):
        assert links.reverse_path("bench_floor") == "/bench/floor/"


def test_an_argument_that_cannot_be_a_key_is_still_reversed():
    class Slug(str):
        __hash__ = None

    assert links.reverse_path("articles:section", slug=Slug("world")) == "/section/world/"
