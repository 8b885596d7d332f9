from django.db import migrations

from articles.search import PostgreSQLOnlySQL

# PostgreSQL moved each article's search_vector (about 2 KB of barely compressible lexemes and
# positions) out to the TOAST table, so every candidate a search looked at, and every row it
# ranked, cost an extra lookup there: a common word at 100,000 stories read as many TOAST
# chunks as it had matches. STORAGE MAIN keeps the vector in the row, and lets the much more
# compressible body and body_html go out instead (only an article's own page reads those).
# New and edited rows are stored so at once; an existing archive moves over with
# ``VACUUM FULL articles_article`` (it rewrites the table, locking it for a few seconds per
# 100,000 stories).
SQL = "ALTER TABLE articles_article ALTER COLUMN search_vector SET STORAGE {}"


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0014_image_sources"),
    ]

    operations = [
        PostgreSQLOnlySQL(sql=SQL.format("MAIN"), reverse_sql=SQL.format("EXTENDED")),
    ]
