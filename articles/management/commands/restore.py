"""``manage.py restore PATH [--force]``: rebuild the database and media from a backup."""

from django.core.management.base import BaseCommand, CommandError

from newsroom import backup


class Command(BaseCommand):
    help = (
        "Rebuild an empty database and media folder from an archive made by `manage.py backup` "
        "(SQLite and PostgreSQL alike, either way). Refuses a target that holds content unless "
        "--force, which empties it first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The archive written by `manage.py backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace whatever the database and the media folder hold now.",
        )

    def handle(self, path, force=False, **options):
        try:
            manifest = backup.restore(path, force=force)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"Restored {path} (made {manifest['created_at']}): {rows} rows, "
            f"{len(manifest['media'])} media files."
        )
