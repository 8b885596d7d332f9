"""``manage.py backup PATH``: the database and the media in one archive (``newsroom.backup``)."""

from django.core.management.base import BaseCommand

from newsroom import backup


class Command(BaseCommand):
    help = (
        "Write one archive (.tar.gz) with every row of the database (portable JSON, natural keys), "
        "the media files and a manifest with checksums. Restore it with `manage.py restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="Where to write the archive, e.g. newsroom.tar.gz")

    def handle(self, path, **options):
        manifest = backup.create(path)
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"Wrote {path}: {rows} rows in {len(manifest['tables'])} tables, "
            f"{len(manifest['media'])} media files."
        )
