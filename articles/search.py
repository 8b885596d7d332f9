"""Full-text search over articles: PostgreSQL's tsvector or SQLite's FTS5, behind one interface.

``Article.objects.published().search(q)`` and ``.update_search_index()`` (models/article.py)
call the two functions here; views never see which database answers.

- PostgreSQL: ``Article.search_vector`` holds headline (weight A), standfirst (B) and body (C),
  indexed with GIN; reader input goes through ``websearch_to_tsquery``, which accepts anything a
  person types ("quoted phrases", -minus, or) and never raises a syntax error.
- SQLite: the FTS5 table ``articles_article_search`` (migration 0003) holds the same three texts
  with ``rowid`` = article id; a trigger drops rows of deleted articles (should a later migration
  rebuild ``articles_article`` on SQLite and lose it, stale rows stay harmless: results are joined
  to live articles, ids are AUTOINCREMENT and never reused). Reader input is turned into
  a list of double-quoted terms and phrases, so FTS5 operators (NEAR, AND, *, ^, parentheses) in
  what someone types are words to find, never syntax.

Both sides rank alike (``TIERS``) and annotate it as ``search_rank`` (higher is better): every
word in the headline (2), every word in the headline and standfirst (1), elsewhere (0); newest
first within each, as WordPress orders its search. Where the words are is asked of the index
(FTS5 column filters, PostgreSQL's weights); FTS5's bm25 was dropped because it counts every
match in the archive before ranking any, a cost that grows with the archive (2 ms of a search
page at 100,000 stories, where the rest of the ranking costs 1 ms).
"""

import re
from html import unescape

from django.db import connections, migrations
from django.db.models import (
    BooleanField,
    Case,
    Expression,
    F,
    Func,
    IntegerField,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat
from django.db.models.lookups import GreaterThan
from django.utils.html import strip_tags
from markupsafe import Markup, escape

SEARCH_CONFIG = "english"
FTS_TABLE = "articles_article_search"
# How both databases rank a search, best first: every term in the headline, then every term in
# the headline and standfirst, then the rest (the body); newest first within each (``search``).
# Each: the FTS5 columns, the same columns as PostgreSQL's weights in ``search_vector``
# (``update_index``), and the rank.
TIERS = ((("headline",), "{a}", 2), (("headline", "standfirst"), "{a,b}", 1))
MAX_QUERY_LENGTH = 200
MAX_TERMS = 16
# How many of the newest matches a search ranks (see ``search``).
RANKED = 300
INDEX_BATCH_SIZE = 500
MERGE_PAGES = 500  # pages written by one merge step (merge_index_step)

# Where the database marks a matching word in a passage: characters from Unicode's private use
# area, which no query can smuggle in. The marks are swapped for <mark> only after the text
# around them is escaped (see ``marked``).
MARK_START, MARK_END = "\ue000", "\ue001"
PASSAGE_WORDS = 24
_MARKS = re.compile(f"([{MARK_START}{MARK_END}])")

_PHRASE_OR_WORD = re.compile(r'"([^"]*)"|([^\s"]+)')
_WORD = re.compile(r"\w+")


class VendorSQL(migrations.RunSQL):
    """A migration step that only one database runs (``vendor``): each searches differently."""

    vendor = None

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class SQLiteOnlySQL(VendorSQL):
    """SQLite's FTS5 table and trigger: PostgreSQL searches the ``search_vector`` column."""

    vendor = "sqlite"


class PostgreSQLOnlySQL(VendorSQL):
    """How PostgreSQL stores ``search_vector``: SQLite leaves that column empty."""

    vendor = "postgresql"


def normalize_query(q):
    """What a reader typed, trimmed to something safe to search for: no NUL or control
    characters (PostgreSQL refuses NUL), at most MAX_QUERY_LENGTH characters."""
    q = "".join(ch if ch.isprintable() else " " for ch in str(q or ""))
    return " ".join(q.split())[:MAX_QUERY_LENGTH]


def fts5_query(q):
    """A reader's words as an FTS5 expression: every term and "quoted phrase" in double quotes,
    joined with spaces (all must match). Empty when nothing searchable is left."""
    parts = []
    for phrase, word in _PHRASE_OR_WORD.findall(normalize_query(q)):
        words = _WORD.findall(phrase or word)
        if words:
            parts.append('"' + " ".join(words) + '"')
    return " ".join(parts[:MAX_TERMS])


def _vendor(queryset):
    return connections[queryset.db].vendor


def search(queryset, q):
    """``queryset`` narrowed to articles matching ``q``, best match first: the newest
    ``RANKED`` matches (and one more, so a page can tell "more than"), ranked.

    Ranking every match is what made a common word slow: on 100,000 stories a word of everyday
    prose matches most of them, and the rank of each has to be read and sorted (bm25 per row on
    SQLite, then; the whole tsvector of each row on PostgreSQL), one to three seconds. So the
    database takes the newest matches by key first, which an index answers without ranking
    anything (FTS5's rowid order; the primary key backwards on PostgreSQL, or the GIN index for
    rare words), and ranks only those. A news site's trade-off: a search that finds more than
    ``RANKED`` stories shows the best of the newest ``RANKED`` (the page says "more than"), and
    a few more words narrow it to an archive-wide ranking again. Filter ``queryset`` before
    searching (a section, say): what is chained after ``search()`` only filters the ranked few.
    """
    q = normalize_query(q)
    model = queryset.model
    if _vendor(queryset) == "postgresql":
        from django.contrib.postgres.search import SearchQuery

        if not _WORD.search(q):
            return queryset.none()
        query = SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)
        newest = queryset.filter(search_vector=query).order_by(_newest_first(q)).values("pk")
        tier = Case(
            *(
                When(_WeightsMatch(weights, query), then=Value(rank))
                for _columns, weights, rank in TIERS
            ),
            default=Value(0),
            output_field=IntegerField(),
        )
        return (
            model._default_manager.using(queryset._db)
            .filter(pk__in=newest[: RANKED + 1])
            .annotate(search_rank=tier)
            .order_by("-search_rank", "-published_at", "-pk")
        )
    expression = fts5_query(q)
    if not expression:
        return queryset.none()
    table = connections[queryset.db].ops.quote_name(FTS_TABLE)
    matching = queryset.extra(tables=[FTS_TABLE], where=[f"{table} MATCH %s"], params=[expression])
    rowid = RawSQL(f"{table}.rowid", [], output_field=IntegerField())  # the article's id
    # The newest matches in the FTS5 table's own rowid order, which FTS5 reads straight off its
    # index: the id just below the ranked ones, or 0 when there are no more than that. (The join
    # is an expression so that it names the subquery's own alias for the articles.)
    newest = matching.filter(pk=rowid).order_by(rowid.desc()).values("pk")
    below = Coalesce(Subquery(newest[RANKED + 1 : RANKED + 2]), 0)
    # MATCH with a rowid range: FTS5 walks only the matches above ``below``; where the words
    # are is asked of its index the same way, once for the whole range (see ``_FoundIn``).
    tier = Case(
        *(
            When(_FoundIn(table, columns, expression, below), then=Value(rank))
            for columns, _weights, rank in TIERS
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    return (
        matching.filter(pk=rowid)
        .filter(GreaterThan(rowid, below))
        .annotate(search_rank=tier)
        .order_by("-search_rank", "-published_at", "-pk")
    )


class _WeightsMatch(Expression):
    """PostgreSQL: whether a story's ``search_vector``, kept to the words of some columns (its
    weights, ``{a}`` the headline's), matches the query: ``ts_filter`` keeps their positions,
    so phrases match as they do in the whole vector."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, weights, query):
        super().__init__()
        self.weights, self.vector, self.query = weights, F("search_vector"), query

    def get_source_expressions(self):
        return [self.vector, self.query]

    def set_source_expressions(self, exprs):
        self.vector, self.query = exprs

    def as_sql(self, compiler, connection):
        vector, vector_params = compiler.compile(self.vector)
        query, params = compiler.compile(self.query)
        sql = f'ts_filter({vector}, %s::"char"[]) @@ ({query})'
        return sql, [*vector_params, self.weights, *params]


class _FoundIn(Expression):
    """SQLite: whether the FTS5 row in hand has every one of a search's terms within
    ``columns`` (a column filter, ``{headline} : (...)``), asked once for all the matches above
    ``below``: FTS5 lists those from its index into a table SQLite then looks each row up in.
    (Asked row by row, with the rowid, FTS5 parsed the query and sought its index 2,000 times
    for a page: 200 ms.)"""

    conditional = True
    output_field = BooleanField()

    def __init__(self, table, columns, expression, below):
        super().__init__()
        self.table, self.below = table, below
        self.expression = "{" + " ".join(columns) + "} : (" + expression + ")"

    def get_source_expressions(self):
        return [self.below]

    def set_source_expressions(self, exprs):
        (self.below,) = exprs

    def as_sql(self, compiler, connection):
        below, params = compiler.compile(self.below)
        table = self.table
        sql = (
            f"{table}.rowid IN (SELECT rowid FROM {table} "
            f"WHERE {table} MATCH %s AND rowid > {below})"
        )
        return sql, [self.expression, *params]


def _newest_first(q):
    """How PostgreSQL orders a search's matches to take the newest: by key, which its index
    answers backwards, stopping at the last one needed. For a quoted phrase the planner
    expects as many matches as for its words side by side, far more than there are, so it
    walked the key index through the whole archive looking for them (100 ms for a phrase of
    two common words); there the order is written so that no index answers it, and the GIN
    index finds the matches first (20 ms). Words and OR queries keep the key's order, which
    is the faster one for them."""
    if '"' in q:
        return (F("pk") + 0).desc()
    return F("pk").desc()


def body_text(body_html):
    return unescape(strip_tags(body_html or ""))


def update_index(queryset):
    """Bring the search index up to date for every article in ``queryset`` (any status: drafts
    are indexed too, and ``published()`` keeps them out of results). Returns how many."""
    if _vendor(queryset) == "postgresql":
        from django.contrib.postgres.search import SearchVector

        return queryset.order_by().update(
            search_vector=SearchVector("headline", weight="A", config=SEARCH_CONFIG)
            + SearchVector("standfirst", weight="B", config=SEARCH_CONFIG)
            + SearchVector("body_html", weight="C", config=SEARCH_CONFIG)
        )
    if _vendor(queryset) != "sqlite":
        return 0
    rows = queryset.values_list("pk", "headline", "standfirst", "body_html").order_by("pk")
    table = connections[queryset.db].ops.quote_name(FTS_TABLE)
    count, last = 0, None
    with connections[queryset.db].cursor() as cursor:
        while True:  # by key, a batch at a time: the archive may not fit in memory
            batch = list((rows if last is None else rows.filter(pk__gt=last))[:INDEX_BATCH_SIZE])
            if not batch:
                return count
            count += _write_fts_rows(cursor, table, batch)
            last = batch[-1][0]


def merge_index_step(using="default", pages=MERGE_PAGES):
    """One bounded step of merging SQLite's full-text index (PostgreSQL's GIN index is
    autovacuum's work): returns whether there was anything to merge.

    FTS5 writes each batch of rows as a segment of its own and merges them only a little as it
    goes, so an index built or edited over time is many segments, and every search reads each
    word in each of them: at 100,000 stories a common word's lookups were 2 to 4 times slower
    than in a merged index (the search page about 9%). Each step writes at most ``pages`` pages
    (a few MB, well under a second) and merges down to one segment per size (``usermerge`` 2,
    set by migration 0020); the sweep runs a few a minute until nothing is left to merge."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return False
    table = connection.ops.quote_name(FTS_TABLE)
    with connection.cursor() as cursor:
        before = connection.connection.total_changes
        cursor.execute(f"INSERT INTO {table}({table}, rank) VALUES ('merge', %s)", [pages])
        # FTS5 counts the command itself as one change; more means pages were written.
        return connection.connection.total_changes - before > 1


def _write_fts_rows(cursor, table, rows):
    if not rows:
        return 0
    ids = [pk for pk, *_ in rows]
    cursor.execute(
        f"DELETE FROM {table} WHERE rowid IN ({', '.join(['%s'] * len(ids))})",
        ids,
    )
    cursor.executemany(
        f"INSERT INTO {table} (rowid, headline, standfirst, body) VALUES (%s, %s, %s, %s)",
        [(pk, headline, standfirst, body_text(html)) for pk, headline, standfirst, html in rows],
    )
    return len(rows)


# Passages ------------------------------------------------------------------------------------


def passages(articles, q):
    """The passage of each of ``articles`` (one page of results) that best matches ``q``, its
    matching words in ``<mark>``, as ``{pk: Markup}``: one query for the page, whatever its
    length. The standfirst and body are searched; the headline is shown anyway."""
    ids = [article.pk for article in articles]
    q = normalize_query(q)
    if not ids or not q:
        return {}
    model = type(articles[0])
    db = model.objects.filter(pk__in=ids).db
    if connections[db].vendor == "postgresql":
        return _postgresql_passages(model, ids, q)
    if connections[db].vendor == "sqlite":
        return _sqlite_passages(db, ids, q)
    return {}


def _postgresql_passages(model, ids, q):
    from django.contrib.postgres.search import SearchHeadline, SearchQuery

    if not _WORD.search(q):
        return {}
    # The body's text without its tags (entities stay, and are decoded in ``marked``).
    body_text = Func(
        F("body_html"),
        Value("<[^>]+>"),
        Value(" "),
        Value("g"),
        function="regexp_replace",
        output_field=TextField(),
    )
    text = Concat("standfirst", Value(" "), body_text, output_field=TextField())
    headline = SearchHeadline(
        text,
        SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG),
        config=SEARCH_CONFIG,
        start_sel=MARK_START,
        stop_sel=MARK_END,
        max_words=PASSAGE_WORDS + 6,
        min_words=PASSAGE_WORDS // 2,
        max_fragments=2,
        fragment_delimiter=" … ",
    )
    rows = model.objects.filter(pk__in=ids).annotate(passage=headline)
    return {pk: marked(text, html_source=True) for pk, text in rows.values_list("pk", "passage")}


def _sqlite_passages(db, ids, q):
    expression = fts5_query(q)
    if not expression:
        return {}
    table = connections[db].ops.quote_name(FTS_TABLE)
    placeholders = ", ".join(["%s"] * len(ids))
    snippet = f"snippet({table}, %s, %s, %s, '…', {PASSAGE_WORDS})"
    # FTS5 walks its matches within the page's range of keys, and SQLite keeps the page's
    # own ("+rowid": the list is not handed to FTS5, which would seek its index once per key,
    # 0.13 ms a key for a common word at 100,000 stories; a page's keys lie within the ranked
    # window, the newest few hundred matches).
    sql = (
        f"SELECT rowid, {snippet}, {snippet} FROM {table} WHERE {table} MATCH %s "
        f"AND rowid >= %s AND rowid <= %s AND +rowid IN ({placeholders})"
    )
    marks = [MARK_START, MARK_END]
    bounds = [min(ids), max(ids)]
    with connections[db].cursor() as cursor:
        cursor.execute(sql, [2, *marks, 1, *marks, expression, *bounds, *ids])  # body, standfirst
        rows = cursor.fetchall()
    found = {}
    for pk, body, standfirst in rows:
        # The body's passage, unless only the standfirst has the words.
        best = standfirst if MARK_START in (standfirst or "") and MARK_START not in body else body
        found[pk] = marked(best or "", html_source=False)
    return found


def marked(text, *, html_source):
    """``text`` with MARK_START/MARK_END made ``<mark>``/``</mark>`` and everything else escaped:
    the text is split at the marks first, each piece escaped on its own (HTML source decoded
    first, so an entity is shown as its character), and only then the tags put in. Nothing an
    article or a reader wrote can become markup; marks that don't pair up are dropped."""
    out, is_open = [], False
    for piece in _MARKS.split(text or ""):
        if piece == MARK_START:
            if not is_open:
                out.append("<mark>")
                is_open = True
        elif piece == MARK_END:
            if is_open:
                out.append("</mark>")
                is_open = False
        elif piece:
            plain = unescape(piece) if html_source else piece
            plain = plain.replace(MARK_START, "").replace(MARK_END, "")
            out.append(str(escape(re.sub(r"\s+", " ", plain))))
    if is_open:
        out.append("</mark>")
    return Markup("".join(out).strip())
