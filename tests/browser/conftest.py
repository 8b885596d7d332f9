"""Browser tests drive the system Chromium through Playwright; never a downloaded browser.

Without Chromium (``/usr/bin/chromium`` or ``CHROMIUM_PATH``), Java or npm they are skipped with
the reason and the ``apt-get install`` line, and under CI (``CI=true``) they fail instead (see
``tests/tools.py``). ``make test`` installs the npm validators itself. Screenshots go to
``artifacts/`` (git-ignored).
"""

import os
import threading

import pytest

from tests.tools import (
    AXE,
    CHROMIUM,
    ROOT,
    VNU,
    require_chromium,
    require_java,
    require_npm_package,
)

ARTIFACTS = ROOT / "artifacts"

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread
# with a running loop unless told that this is deliberate. The test and the server are separate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before any fixture (the browser, the live server, the demo content) is set up."""
    if "browser" in item.keywords:
        require_chromium()


@pytest.fixture(scope="session", autouse=True)
def _close_connections_across_playwright(django_db_setup):
    """Playwright's sync API switches greenlets, and Django keeps connections per context: a
    connection opened on one side of that switch is unreachable from the other, stays open, and
    PostgreSQL then refuses to drop the test database ("being accessed by other users"). Close
    what is open before Playwright starts, and at the end every connection opened since."""
    from django.db import connections
    from django.db.backends.signals import connection_created

    opened, test_thread = [], threading.get_ident()

    def remember(sender, connection, **kwargs):
        if threading.get_ident() == test_thread:  # the live server's threads close their own
            opened.append(connection)

    connections.close_all()
    connection_created.connect(remember, weak=False)
    yield
    connection_created.disconnect(remember)
    for wrapper in opened:
        wrapper.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session", autouse=True)
def _close_stray_database_connections(django_db_setup):
    """Close every database connection before the test database is dropped.

    Under Playwright's event loop a transactional test's ORM calls can get a connection object of
    their own (Django keeps connections in context-local storage); nothing closes it, and
    PostgreSQL then refuses to drop the test database when a later, ordinary test ran last.
    """
    yield
    import gc

    from django.db.backends.base.base import BaseDatabaseWrapper

    # type(), not isinstance(): isinstance() asks a lazy object (a request's user left over from
    # an admin test) for its __class__, which loads it, querying a database that is going away.
    wrappers = [obj for obj in gc.get_objects() if issubclass(type(obj), BaseDatabaseWrapper)]
    for wrapper in wrappers:
        if wrapper.connection is not None and wrapper._thread_ident == threading.get_ident():
            wrapper.close()


@pytest.fixture(autouse=True)
def _close_every_browser_window(request):
    """After each browser test, close every window it opened (``browser.new_context()`` in a
    helper, not only pytest-playwright's ``page``). The browser lives for the whole session: a
    change form left open kept polling presence and autosaving against the live server, whose
    threads see only committed rows and wrote their menu and site settings into the shared
    cache, so later tests read another test's sections."""
    if "browser" not in request.fixturenames and "page" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")
    yield
    for context in list(browser.contexts):
        context.close()


@pytest.fixture
def artifacts():
    """The folder screenshots and reports are kept in, for people to look at after a run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live server, started only once the test database exists: then it shares
    the in-memory SQLite connection with the tests instead of opening (and, on Python 3.13,
    leaking) a connection of its own in every request thread."""
    return live_server


@pytest.fixture
def site(live_server, settings):
    """The live server with media served, so pictures load as they would for a reader."""
    settings.SERVE_MEDIA = True
    return live_server


# The npm tools and Java the standards checks run (package-lock.json; make test installs them). --


@pytest.fixture
def axe_path():
    return require_npm_package(AXE)


@pytest.fixture
def vnu_command():
    require_npm_package(VNU)
    require_java()
    return ["java", "-jar", str(VNU)]


# Demo content and the registry of public page types (tests/browser/pages.py). ----------------


@pytest.fixture
def demo(site):
    from tests.browser.demo import build_demo

    return build_demo()


@pytest.fixture
def page_types(site, demo):
    """{page type name: absolute URL} for every public page type, over the demo content."""
    from tests.browser.pages import PAGE_TYPES

    return {name: site.url + address(demo) for name, address in PAGE_TYPES.items()}
