"""SQLite's full-text index merges down to one segment per size when asked to merge
(``usermerge`` 2; FTS5's default, 4, leaves up to three of each), and is merged once now.

The sweep merges it a bounded step at a time from then on (``articles.tasks.merge_search_index``).
"""

from django.db import migrations

from articles.search import FTS_TABLE, SQLiteOnlySQL


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0019_article_public_index_section"),
    ]

    operations = [
        SQLiteOnlySQL(
            sql=[
                f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('usermerge', 2)",
                f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')",
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
