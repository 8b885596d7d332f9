"""One-file backups: the database in a portable form, the media files, and a manifest.

``manage.py backup PATH`` writes a gzipped tar archive holding

- ``data.json``: every row (``dumpdata`` with natural keys, so content types and permissions are
  matched by name, not by id, and the file loads into SQLite or PostgreSQL alike); sessions are
  left out (they are signed for this server's key and expire anyway);
- ``media/...``: every uploaded file (originals and renditions);
- ``manifest.json``: when, from which Django and migrations, the row count of every table, and a
  SHA-256 checksum of ``data.json`` and of each media file.

``manage.py restore PATH`` checks every checksum before touching anything, migrates the target
database, refuses one that already holds content (or a media folder with files) unless
``--force`` (which empties both first), loads the rows in one transaction and writes the media,
then checks the media checksums again. Content types, permissions and the groups are made by
``migrate`` and matched by their natural keys, so nothing is doubled.
"""

import hashlib
import io
import json
import shutil
import tarfile
import tempfile
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder

FORMAT = "newsroom-backup/1"
EXCLUDED = ["sessions.session", "contenttypes.contenttype", "auth.permission"]
# Rows that ``migrate`` itself makes: a database holding only these is empty.
MADE_BY_MIGRATE = {"contenttypes.contenttype", "auth.permission", "auth.group"}
NOT_COUNTED_TABLES = {"django_session", "django_migrations"}


class BackupError(Exception):
    """Something is wrong with an archive or the target: nothing was changed."""


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def table_counts(using="default"):
    """Rows per database table (the models' and the many-to-many ones)."""
    with connection.cursor() as cursor:
        tables = sorted(set(connection.introspection.django_table_names(only_existing=True)))
        counts = {}
        for table in tables:
            if table in NOT_COUNTED_TABLES:
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def media_files(root):
    root = Path(root)
    if not root.exists():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file())


def create(path):
    """Write the archive to ``path``; returns the manifest."""
    path = Path(path)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "data.json"
        outermost = not connection.in_atomic_block
        with transaction.atomic():  # one consistent view of every table
            if outermost and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            call_command(
                "dumpdata",
                natural_foreign=True,
                natural_primary=True,
                exclude=EXCLUDED,
                output=str(data),
                verbosity=0,
            )
            counts = table_counts()
        files = media_files(media_root)
        manifest = {
            "format": FORMAT,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "database_vendor": connection.vendor,
            "migrations": sorted(
                f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()
            ),
            "tables": counts,
            "data": {"name": "data.json", "sha256": sha256_file(data)},
            "media": {path.relative_to(media_root).as_posix(): sha256_file(path) for path in files},
        }
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            body = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime = len(body), int(time.time())
            archive.addfile(info, io.BytesIO(body))
            archive.add(data, arcname="data.json")
            for file in files:
                archive.add(file, arcname=f"media/{file.relative_to(media_root).as_posix()}")
        partial.replace(path)  # a crash midway leaves no half archive under the real name
    return manifest


def holds_content():
    """Labels of the models with rows that ``migrate`` did not make (an empty database: none)."""
    found = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in MADE_BY_MIGRATE or label in EXCLUDED:
            continue
        if model._base_manager.exists():
            found.append(label)
    return found


def _members(archive):
    members = {}
    for member in archive.getmembers():
        name = member.name
        if name.startswith("/") or ".." in Path(name).parts or not (member.isfile()):
            if member.isdir():
                continue
            raise BackupError(f"The archive holds an entry we never write: {name!r}")
        members[name] = member
    return members


def restore(path, *, force=False, stdout=None):
    """Rebuild the database and media folder from the archive at ``path``."""
    path = Path(path)
    media_root = Path(settings.MEDIA_ROOT)
    try:
        archive = tarfile.open(path, "r:gz")  # noqa: SIM115 (closed by the with below)
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{path} is not a backup archive ({error}).") from error
    with archive, tempfile.TemporaryDirectory() as scratch:
        members = _members(archive)
        if "manifest.json" not in members or "data.json" not in members:
            raise BackupError(f"{path} has no manifest or no data: not a Newsroom backup.")
        manifest = json.load(archive.extractfile(members["manifest.json"]))
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
        # Every checksum before anything is touched.
        archive.extract(members["data.json"], scratch, filter="data")
        data = Path(scratch) / "data.json"
        if sha256_file(data) != manifest["data"]["sha256"]:
            raise BackupError("data.json does not match its checksum: the archive is damaged.")
        for name, checksum in manifest["media"].items():
            member = members.get(f"media/{name}")
            if member is None:
                raise BackupError(f"media/{name} is missing from the archive.")
            digest = hashlib.sha256(archive.extractfile(member).read()).hexdigest()
            if digest != checksum:
                raise BackupError(f"media/{name} does not match its checksum.")

        call_command("migrate", interactive=False, verbosity=0)
        content = holds_content()
        existing = media_files(media_root)
        if (content or existing) and not force:
            where = ", ".join(content[:5]) or f"{len(existing)} files in {media_root}"
            raise BackupError(
                f"The target is not empty ({where}). Restore into an empty database and media "
                "folder, or pass --force to replace what is there."
            )
        if force:
            call_command("flush", interactive=False, verbosity=0)
            for child in media_root.iterdir() if media_root.exists() else []:
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        with transaction.atomic():
            call_command("loaddata", str(data), verbosity=0)
        for name in manifest["media"]:
            archive.extract(members[f"media/{name}"], scratch, filter="data")
            target = media_root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(Path(scratch) / "media" / name, target)
        for name, checksum in manifest["media"].items():
            if sha256_file(media_root / name) != checksum:
                raise BackupError(f"{name} was written wrong: check the disk.")
    return manifest
