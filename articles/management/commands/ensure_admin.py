"""Make sure an admin login exists and say how to use it, without a well-known password.

``make run`` calls this every time. It never changes a password someone set: a password changed
in the admin (or with ``changepassword``) is theirs, and the saved one is simply out of date.
"""

import os
import secrets
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.urls import reverse

from newsroom.links import absolute_url

PASSWORD_FILE = Path(settings.BASE_DIR) / ".admin-password"


def save_password(path, password):
    """Write ``password`` to ``path``, readable by its owner only from the first byte: a private
    temporary file (mode 0600 at creation, whatever the umask) renamed over the old one."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(password + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def saved_password(path):
    if not path.exists():
        return ""
    if path.stat().st_mode & 0o077:  # a copy saved by an older version, or by hand
        path.chmod(0o600)
    return path.read_text().strip()


class Command(BaseCommand):
    help = (
        "Create the 'admin' superuser with a random password (kept in .admin-password, readable "
        "only by you) and print the login. Safe to run again: it never replaces a password "
        "changed since (use --reset, or manage.py changepassword, for that)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument(
            "--reset", action="store_true", help="Give the account a new random password."
        )

    def handle(self, *args, username, reset, **options):
        admin_url = absolute_url(reverse("admin:index"))
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        saved = saved_password(PASSWORD_FILE)
        if user is not None and not reset and not (saved and user.check_password(saved)):
            why = (
                f"changed since it was saved in {PASSWORD_FILE.name}"
                if saved
                else f"set elsewhere (nothing saved in {PASSWORD_FILE.name})"
            )
            self.stdout.write(
                self.style.WARNING(
                    f"Admin login: {admin_url}  user: {username}  password: "
                    f"{why}, so left as it is. To set a new one: "
                    f"{manage_py()} changepassword {username} "
                    f"(or {manage_py()} ensure_admin --reset for a random one)"
                )
            )
            return
        if user is None or reset:
            saved = secrets.token_urlsafe(12)
            if user is None:
                user = User.objects.create_superuser(username, f"{username}@localhost", saved)
            else:
                user.set_password(saved)
                user.is_staff = user.is_superuser = user.is_active = True
                user.save()
            save_password(PASSWORD_FILE, saved)
        self.stdout.write(
            self.style.SUCCESS(f"Admin login: {admin_url}  user: {username}  password: {saved}")
        )


def manage_py():
    """How to run manage.py from the project folder, as ``make run`` does."""
    venv = Path(settings.BASE_DIR) / ".venv" / "bin" / "python"
    return f"{'.venv/bin/python' if venv.exists() else 'python'} manage.py"
