"""Browser tests drive the system Chromium through Playwright; never a downloaded browser.

They are skipped, with the reason shown, when /usr/bin/chromium is missing (``.ci/run`` installs
it, so CI always runs them). Screenshots go to ``artifacts/`` (git-ignored).
"""

import os
import threading
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread
# with a running loop unless told that this is deliberate. The test and the server are separate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


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


# The npm tools and Java the standards checks run (package.json; .ci/run installs them). -------

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def require(path_or_command, install_hint):
    """Skip, with the reason shown, when a tool is missing; in CI (CI=true) fail instead, so a
    broken install can never pass as a green run that checked nothing."""
    import shutil

    found = (
        path_or_command.exists()
        if isinstance(path_or_command, Path)
        else shutil.which(path_or_command) is not None
    )
    if found:
        return
    message = f"{path_or_command} is missing: {install_hint}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def axe_path():
    require(AXE, "run `npm ci` in the project root")
    return AXE


@pytest.fixture
def vnu_command():
    require(VNU, "run `npm ci` in the project root")
    require("java", "apt-get install default-jre-headless")
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
