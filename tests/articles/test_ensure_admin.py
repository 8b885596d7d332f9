"""``make run`` makes sure an admin login exists and says how to use it, never a fixed password."""

import io
import re

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


def run():
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    return re.search(r"user: (\S+)\s+password: (\S+)", out.getvalue()).groups(), out.getvalue()


def test_creates_a_superuser_and_prints_how_to_log_in(password_file):
    (username, password), output = run()
    assert "/admin/" in output
    user = get_user_model().objects.get(username=username)
    assert username == "admin" and user.is_superuser and user.is_staff
    assert authenticate(username="admin", password=password) == user
    assert password_file.read_text().strip() == password
    assert password_file.stat().st_mode & 0o077 == 0  # readable only by its owner


def test_running_it_again_keeps_the_account_and_its_password():
    (_, first), _ = run()
    (_, second), _ = run()
    assert first == second
    assert get_user_model().objects.filter(username="admin").count() == 1


def test_the_password_is_random_not_well_known(password_file):
    (_, first), _ = run()
    get_user_model().objects.all().delete()
    password_file.unlink()
    (_, second), _ = run()
    assert first != second and len(first) >= 12


def test_a_password_changed_elsewhere_is_replaced_by_one_that_works(password_file):
    run()
    user = get_user_model().objects.get(username="admin")
    user.set_password("changed in the admin")
    user.save()
    (_, password), _ = run()
    assert authenticate(username="admin", password=password) is not None
