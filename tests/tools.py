"""The system tools some tests need, and the one rule for a missing one.

A test is skipped only when a *system* tool is missing (Chromium, Java, npm, redis-server,
PostgreSQL's server programs), with the reason and the ``apt-get install`` line that fixes it.
Under CI (``CI=true``) a missing tool fails the test instead: a green run must never be one that
checked nothing. Everything else the suite needs is installed by ``make test`` itself (the
virtualenv, and the npm validators from ``package-lock.json``), so its absence is a failure, not
a skip.
"""

import glob
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
POSTGRES_BINDIRS = "/usr/lib/postgresql/*/bin"  # Debian's, one folder per major version

APT = "apt-get install -y"


def in_ci():
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}


def require(found, tool, package):
    """Skip (fail under CI) unless ``found``: ``tool`` is missing, ``package`` provides it."""
    if found:
        return
    message = f"{tool} is missing: {APT} {package}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: a missing tool fails the run)", pytrace=False)
    pytest.skip(message)


def require_chromium():
    require(CHROMIUM.exists(), f"Chromium ({CHROMIUM}, or set CHROMIUM_PATH)", "chromium")


def require_java():
    require(shutil.which("java"), "Java (for the Nu HTML Checker)", "default-jre-headless")


def require_npm_package(path):
    """An npm validator from ``package-lock.json``. Only npm itself may be missing: with npm
    there, a missing package means the install step was skipped, which is a failure."""
    if path.exists():
        return path
    require(shutil.which("npm"), "npm (for axe-core and vnu-jar)", "npm")
    pytest.fail(
        f"{path.relative_to(ROOT)} is missing although npm is installed: `make test` installs "
        "it (npm ci --ignore-scripts); when running pytest directly, run that first",
        pytrace=False,
    )


def require_redis_server():
    require(shutil.which("redis-server"), "redis-server (for the RQ worker tests)", "redis-server")


def require_postgres_server():
    """The folder of PostgreSQL's server programs (``initdb``, ``pg_ctl``), for tests that run
    a cluster of their own: Debian keeps them out of ``PATH``, in ``/usr/lib/postgresql/N/bin``
    (the newest wins); elsewhere they are on it."""
    found = sorted(
        (Path(p).parent for p in glob.glob(f"{POSTGRES_BINDIRS}/pg_ctl")),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    )
    if not found and shutil.which("pg_ctl"):
        found = [Path(shutil.which("pg_ctl")).parent]
    found = [path for path in found if (path / "initdb").exists()]
    require(found, "PostgreSQL's server (initdb, pg_ctl)", "postgresql")
    return found[-1]
