"""``make run`` makes sure an admin login exists and says how to use it, never a fixed password,
and never takes back a password someone changed in the admin."""

import io
import os
import re
import stat
from pathlib import Path

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from articles.management.commands import ensure_admin

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def password_file(tmp_path, monkeypatch):
    """The saved password goes to a scratch file, not the checkout's .admin-password."""
    path = tmp_path / ".admin-password"
    monkeypatch.setattr(ensure_admin, "PASSWORD_FILE", path)
    return path


def run(*args):
    out = io.StringIO()
    call_command("ensure_admin", *args, stdout=out)
    return out.getvalue()


def printed_password(output):
    return re.search(r"user: admin\s+password: (\S+)$", output.strip()).group(1)


def change_in_the_admin(password):
    user = get_user_model().objects.get(username="admin")
    user.set_password(password)
    user.save()


def test_creates_a_superuser_and_prints_how_to_log_in(password_file):
    output = run()
    password = printed_password(output)
    assert "/admin/" in output
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.is_staff
    assert authenticate(username="admin", password=password) == user
    assert password_file.read_text().strip() == password
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600  # readable only by its owner


def test_running_it_again_keeps_the_account_and_its_password():
    first = printed_password(run())
    second = printed_password(run())
    assert first == second
    assert get_user_model().objects.filter(username="admin").count() == 1


def test_the_password_is_random_not_well_known(password_file):
    first = printed_password(run())
    get_user_model().objects.all().delete()
    password_file.unlink()
    second = printed_password(run())
    assert first != second and len(first) >= 12


def test_a_password_changed_in_the_admin_is_kept_and_the_way_to_reset_it_is_shown(
    password_file,
):
    run()
    saved = password_file.read_text()
    change_in_the_admin("changed in the admin")
    output = run()
    assert authenticate(username="admin", password="changed in the admin") is not None
    assert "password: changed since it was saved in .admin-password" in output
    assert "manage.py changepassword admin" in output
    assert password_file.read_text() == saved  # nothing new written either
    run()  # and again: still kept
    assert authenticate(username="admin", password="changed in the admin") is not None


def test_an_account_without_a_saved_password_is_left_alone(password_file):
    get_user_model().objects.create_superuser("admin", "admin@localhost", "made by hand")
    output = run()
    assert "set elsewhere" in output and "manage.py changepassword admin" in output
    assert authenticate(username="admin", password="made by hand") is not None
    assert not password_file.exists()


def test_reset_gives_a_new_random_password_that_works(password_file):
    run()
    change_in_the_admin("forgotten")
    password = printed_password(run("--reset"))
    assert authenticate(username="admin", password=password) is not None
    assert password_file.read_text().strip() == password


def test_the_password_file_is_private_from_its_creation_not_made_private_after(
    password_file, monkeypatch
):
    """With a permissive umask and no chance to chmod afterwards the file is still 0600, so no
    other user can read it even for a moment; an old world-readable file is replaced whole."""
    password_file.write_text("old\n")
    password_file.chmod(0o644)
    get_user_model().objects.create_superuser("admin", "admin@localhost", "old")
    old_umask = os.umask(0)
    monkeypatch.setattr(Path, "chmod", lambda self, mode: None)
    monkeypatch.setattr(os, "chmod", lambda *args, **kwargs: None)
    try:
        password = printed_password(run("--reset"))
    finally:
        os.umask(old_umask)
    assert password_file.read_text().strip() == password
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
    assert [p.name for p in password_file.parent.iterdir()] == [".admin-password"]  # no leftovers


def test_a_saved_file_readable_by_others_is_made_private(password_file):
    run()
    password_file.chmod(0o644)
    run()
    assert stat.S_IMODE(password_file.stat().st_mode) == 0o600
