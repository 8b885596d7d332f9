"""Put back the trigger that drops a deleted article's row from SQLite's full-text table.

Migration 0006 changed columns of ``articles_article``, which on SQLite rebuilds the table and
drops its triggers, so since then deleting a story left its words in the full-text table: never
shown (results are joined to live articles), but searched and counted on every query. The rows
already orphaned go too.
"""

from django.db import migrations

from articles.search import FTS_TABLE, SQLiteOnlySQL


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0017_article_updated_index"),
    ]

    operations = [
        SQLiteOnlySQL(
            sql=[
                f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_delete AFTER DELETE ON articles_article "
                f"BEGIN DELETE FROM {FTS_TABLE} WHERE rowid = old.id; END",
                f"DELETE FROM {FTS_TABLE} WHERE rowid NOT IN (SELECT id FROM articles_article)",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
