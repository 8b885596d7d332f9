"""``make test`` runs the whole suite with no other step: it installs the npm validators itself, a
test is skipped only when a system tool is missing (with the fix), and under CI that is a failure.
"""

import os
import subprocess
import sys

import pytest

from tests import tools

ROOT = tools.ROOT


def run_pytest(*args, **environ):
    """The suite's own pytest in a fresh process, with ``environ`` on top of ours (``CI`` unset
    unless given). Its SQLite test database is a scratch file, should it ever make one."""
    env = {key: value for key, value in os.environ.items() if key != "CI"}
    env.update(environ)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rsE", "-p", "no:randomly", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


BROWSER_TEST = "tests/browser/test_reading.py"


def test_without_chromium_a_browser_test_is_skipped_with_the_apt_get_line(tmp_path):
    result = run_pytest(
        BROWSER_TEST,
        CHROMIUM_PATH=str(tmp_path / "no-chromium"),
        DJANGO_TEST_SQLITE_NAME=str(tmp_path / "test.sqlite3"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout
    assert "Chromium" in result.stdout and "apt-get install -y chromium" in result.stdout


def test_under_ci_a_missing_chromium_fails_the_run(tmp_path):
    result = run_pytest(
        BROWSER_TEST,
        CI="true",
        CHROMIUM_PATH=str(tmp_path / "no-chromium"),
        DJANGO_TEST_SQLITE_NAME=str(tmp_path / "test.sqlite3"),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "skipped" not in result.stdout
    assert "1 error" in result.stdout
    assert "apt-get install -y chromium" in result.stdout


@pytest.mark.parametrize(
    ("ci", "outcome"), [("", pytest.skip.Exception), ("true", pytest.fail.Exception)]
)
def test_a_missing_java_or_npm_is_a_skip_with_the_fix_or_under_ci_a_failure(
    monkeypatch, ci, outcome
):
    monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(tools.shutil, "which", lambda name: None)
    with pytest.raises(outcome) as raised:
        tools.require_java()
    assert "apt-get install -y default-jre-headless" in str(raised.value)
    with pytest.raises(outcome) as raised:
        tools.require_npm_package(ROOT / "node_modules" / "no-such-package" / "x.js")
    assert "apt-get install -y npm" in str(raised.value)


@pytest.mark.parametrize(
    ("ci", "outcome"), [("", pytest.skip.Exception), ("true", pytest.fail.Exception)]
)
def test_a_missing_postgres_server_is_a_skip_with_the_fix_or_under_ci_a_failure(
    monkeypatch, tmp_path, ci, outcome
):
    monkeypatch.setenv("CI", ci)
    monkeypatch.setattr(tools, "POSTGRES_BINDIRS", str(tmp_path / "no-postgresql"))
    monkeypatch.setattr(tools.shutil, "which", lambda name: None)
    with pytest.raises(outcome) as raised:
        tools.require_postgres_server()
    assert "apt-get install -y postgresql" in str(raised.value)


def test_a_missing_npm_package_with_npm_installed_is_a_failure_not_a_skip(monkeypatch, tmp_path):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(tools.shutil, "which", lambda name: f"/usr/bin/{name}")
    with pytest.raises(pytest.fail.Exception) as raised:
        tools.require_npm_package(ROOT / "node_modules" / "no-such-package" / "x.js")
    assert "make test" in str(raised.value) and "npm ci --ignore-scripts" in str(raised.value)


def make_dry_run(*args):
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_test_installs_the_npm_validators_first_when_the_lock_is_newer():
    # -W: as if package-lock.json had just changed (or node_modules had never been installed).
    commands = make_dry_run("-W", "package-lock.json", "test")
    assert "npm ci --ignore-scripts" in commands
    assert commands.index("npm ci --ignore-scripts") < commands.index("pytest")
    assert "ruff check" in commands and "makemigrations --check" in commands
