"""``manage.py backup`` / ``restore``: one archive rebuilds an empty database and media folder,
on SQLite and PostgreSQL and from one to the other, with the same rows in every table and the
same media bytes; a target with content is refused without ``--force``."""

import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from newsroom.backup import sha256_file, table_counts
from tests.conftest import database_url
from tests.tools import ROOT, in_ci

pytestmark = pytest.mark.django_db(transaction=True)

COUNTS = """
import json
import django
django.setup()
from newsroom.backup import table_counts
print(json.dumps(table_counts()))
"""


def in_fresh_process(args, *, db_url, media_root, code=None):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DJANGO_DEBUG": "0",
        "NEWSROOM_INSECURE_DEV_KEY": "1",
        "DATABASE_URL": db_url,
        "DJANGO_MEDIA_ROOT": str(media_root),
    }
    command = [sys.executable, "-c", code] if code else [sys.executable, "manage.py", *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def newsroom_content(make, settings):
    """A bit of everything: stories with pictures, tags and corrections, comments, readers,
    a newsletter issue sent, staff in groups, site settings."""
    from articles.models import SiteSettings

    picture = make.image()
    section = make.section(name="Tōkyō & Zürich")
    story = make.article(section=section, lead_image=picture, tags=["Weather", "Élection"])
    make.article(section=section, headline="Ünïcode headline ✓", tags=["Weather"])
    make.article(status="draft", published_at=None)
    make.correction(article=story)
    make.comment(article=story, body="First! <b>bold</b>")
    make.subscriber(email="ada@example.com")
    issue = make.issue(articles=[story])
    type(issue).objects.filter(pk=issue.pk).update(status="sent", sent_at=timezone.now())
    make.staff(["Editors"], username="editor")
    SiteSettings.objects.update_or_create(pk=1, defaults={"advertisement_html": "<p>Ad</p>"})
    (settings.MEDIA_ROOT / "notes").mkdir(parents=True, exist_ok=True)
    (settings.MEDIA_ROOT / "notes" / "ünïcode name.txt").write_bytes(b"\x00binary\xff")
    return story


def media_checksums(root):
    return {
        path.relative_to(root).as_posix(): sha256_file(path)
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def restored_counts(db_url, media_root):
    result = in_fresh_process([], db_url=db_url, media_root=media_root, code=COUNTS)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# Where an empty PostgreSQL database can be made when the tests themselves run on SQLite: the
# local server (CI has it), or TEST_POSTGRES_URL's.
LOCAL_POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def postgres_server_url():
    """The PostgreSQL server to restore into: the test database's own server, or on SQLite the
    local one. Skips when there is none (fails under CI, which has one)."""
    if connection.vendor == "postgresql":
        return database_url().rsplit("/", 1)[0]
    import psycopg

    try:
        psycopg.connect(LOCAL_POSTGRES, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        message = f"no PostgreSQL server at {LOCAL_POSTGRES.rsplit('@', 1)[-1]} to restore into"
        if in_ci():
            pytest.fail(f"{message} (CI=true: {error})", pytrace=False)
        pytest.skip(f"{message}: set TEST_POSTGRES_URL, or start one")
    return LOCAL_POSTGRES.rsplit("/", 1)[0]


@pytest.fixture
def second_postgres():
    """An empty PostgreSQL database beside the test one, on the same server when the tests run
    on PostgreSQL, on the local server when they run on SQLite (so SQLite's archive is restored
    into PostgreSQL, and PostgreSQL's into SQLite)."""
    import psycopg

    server = postgres_server_url()
    name = f"{connection.settings_dict['NAME']}_restore" if connection.vendor == "postgresql" else (
        f"newsroom_restore_from_sqlite_{os.getpid()}"
    )  # fmt: skip
    admin_url = f"{server}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{server}/{name}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_then_restore_into_empty_databases_keeps_every_row_and_file(
    newsroom_content, settings, tmp_path, second_postgres
):
    archive = tmp_path / "newsroom.tar.gz"
    call_command("backup", str(archive))
    expected_rows = table_counts()
    expected_media = media_checksums(settings.MEDIA_ROOT)
    assert expected_rows["articles_article"] == 3 and len(expected_media) >= 3
    with tarfile.open(archive) as opened:
        names = opened.getnames()
        manifest = json.load(opened.extractfile("manifest.json"))
    assert {"manifest.json", "data.json"} <= set(names)
    assert manifest["media"] == expected_media
    assert manifest["tables"] == expected_rows

    # From this database (SQLite or PostgreSQL) to each of them.
    targets = [f"sqlite:///{tmp_path / 'restored.sqlite3'}", second_postgres]
    for n, db_url in enumerate(targets):
        media_root = tmp_path / f"restored-media-{n}"
        result = in_fresh_process(["restore", str(archive)], db_url=db_url, media_root=media_root)
        assert result.returncode == 0, result.stdout + result.stderr
        assert restored_counts(db_url, media_root) == expected_rows, db_url
        assert media_checksums(media_root) == expected_media

        # Once more over what is there now: refused without --force, changes nothing...
        again = in_fresh_process(["restore", str(archive)], db_url=db_url, media_root=media_root)
        assert again.returncode != 0
        assert "not empty" in again.stderr and "--force" in again.stderr
        # ...and with --force it replaces it all, still one of each row.
        forced = in_fresh_process(
            ["restore", str(archive), "--force"], db_url=db_url, media_root=media_root
        )
        assert forced.returncode == 0, forced.stderr
        assert restored_counts(db_url, media_root) == expected_rows


def test_a_restored_site_serves_its_stories(newsroom_content, tmp_path):
    archive = tmp_path / "newsroom.tar.gz"
    call_command("backup", str(archive))
    db_url, media_root = f"sqlite:///{tmp_path / 'restored.sqlite3'}", tmp_path / "media-2"
    assert (
        in_fresh_process(["restore", str(archive)], db_url=db_url, media_root=media_root).returncode
        == 0
    )
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        f"response = Client().get({newsroom_content.get_absolute_url()!r})\n"
        "print(response.status_code, 'Ünïcode headline' in Client().get('/').text)\n"
    )
    result = in_fresh_process([], db_url=db_url, media_root=media_root, code=code)
    assert result.stdout.split() == ["200", "True"], result.stderr


def test_a_damaged_archive_is_refused_before_anything_changes(newsroom_content, tmp_path):
    archive = tmp_path / "newsroom.tar.gz"
    call_command("backup", str(archive))
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            content = source.extractfile(member).read()
            if member.name == "data.json":
                content = content.replace(b"Weather", b"Wheather")
                member.size = len(content)
            target.addfile(member, io.BytesIO(content))
    db_url = f"sqlite:///{tmp_path / 'target.sqlite3'}"
    result = in_fresh_process(["restore", str(damaged)], db_url=db_url, media_root=tmp_path / "m")
    assert result.returncode != 0
    assert "checksum" in result.stderr
    target = tmp_path / "target.sqlite3"
    if target.exists():  # opened by the command's start-up checks at most: not even migrated
        db = sqlite3.connect(target)
        try:
            assert db.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
        finally:
            db.close()


def test_restoring_over_this_database_without_force_is_refused(newsroom_content, tmp_path):
    archive = tmp_path / "newsroom.tar.gz"
    call_command("backup", str(archive))
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive))
