import pytest

from newsroom import cache


@pytest.fixture
def purged():
    """The page paths purged from the page cache (on commit), in order."""
    paths = []

    def record(purged_paths):
        paths.extend(purged_paths)

    cache.register_purger(record)
    yield paths
    cache.unregister_purger(record)


@pytest.fixture
def known_as():
    """``known_as(client, email)``: the client's browser posted with ``email`` before (it holds
    the signed author cookie the site sets when someone comments)."""
    from django.http import HttpResponse

    from comments.readers import AUTHOR_COOKIE, remember_author

    def give(client, email):
        response = HttpResponse()
        remember_author(response, email)
        client.cookies[AUTHOR_COOKIE] = response.cookies[AUTHOR_COOKIE].value
        return client

    return give
