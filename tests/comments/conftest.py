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
