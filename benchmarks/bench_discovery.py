"""Search latency, and the server time of feeds and sitemaps, on SQLite and on PostgreSQL.

    make bench                                    # BENCH_ARTICLES=100000 by default here
    BENCH_ARTICLES=20000 python -m benchmarks bench_discovery
    BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench python -m benchmarks ...

For each database (SQLite: ``benchmarks/bench-<N>.sqlite3``, the file ``bench_pages`` uses too;
PostgreSQL: ``BENCH_PG_URL``, created if missing, skipped if the server cannot be reached):

- the site is built once with ``seed_demo --articles N`` and kept between runs;
- ``search``: 200 varied queries (single words, pairs, quoted phrases, words from different
  stories, misses, reader syntax), each answered once through ``get_wsgi_application()`` as a
  gunicorn worker would (the whole page: count, page of results, bylines, highlighted passages,
  template); wall-clock median and 95th percentile, the same in CPU time of the process, and
  the wall time of the database work alone (the ranked keys, the page's rows and bylines, the
  passages: no template). On a shared machine wall time follows the load (printed with the
  figures); CPU time much less. Targets
  (issue 14): p95 < 100 ms on SQLite, < 50 ms on PostgreSQL, at 100,000 stories;
- ``feeds`` and ``sitemaps``: each address's median wall and CPU time over ``BENCH_ROUNDS``
  requests with every cache cleared, and its query count.

The size actually used is printed in every row: when building 100,000 stories is too slow for a
machine, run it with a smaller ``BENCH_ARTICLES`` and read the figures as that size's.
"""

import io
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ARTICLES = int(os.environ.get("BENCH_ARTICLES", "100000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
QUERIES = 200
PG_URL = os.environ.get(
    "BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/newsroom_bench_discovery"
)
TARGETS = {"sqlite": 100.0, "postgresql": 50.0}  # p95 ms of search, at 100,000 stories

ENVIRON = {
    "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
    "DJANGO_DEBUG": "0",
    "NEWSROOM_INSECURE_DEV_KEY": "1",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DJANGO_SECURE_COOKIES": "0",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "TASKS_BACKEND": "immediate",
    "EMAIL_URL": "dummy:",
    "PAGE_CACHE_SECONDS": "0",  # every request is served, never answered from the page cache
    "DJANGO_MEDIA_ROOT": str(HERE / "media"),
}


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def ensure_postgres_database(url):
    """Create the benchmark's database when the server answers but it does not exist yet."""
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True, connect_timeout=5) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# In the child process: one database ------------------------------------------------------------


def build():
    from django.core.management import call_command

    from articles.models import Article

    call_command("migrate", verbosity=0)
    have = Article.objects.count()
    if have < ARTICLES:
        print(f"   building the site: {have} -> {ARTICLES} stories (kept for the next run)")
        started = time.monotonic()
        call_command("seed_demo", articles=ARTICLES, stdout=io.StringIO(), stderr=io.StringIO())
        print(f"   built in {time.monotonic() - started:.0f} s")
    from django.db import connection

    # Fresh statistics for the planner, and on PostgreSQL the dead rows of the build (each
    # story is written three times) cleared from the indexes, as autovacuum would have done on
    # a running site; a server may have it off, as CI machines do.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def varied_queries(count=QUERIES):
    """Reader-like searches drawn from the stories themselves, the same ones every run."""
    from articles.models import Article

    rng = random.Random(14)
    texts = list(
        Article.objects.published()
        .order_by("pk")
        .values_list("headline", "standfirst")[: 5000 : max(1, 5000 // 400)]
    )
    words = lambda text: [w.strip(".,:;!?“”\"'").lower() for w in text.split() if len(w) > 3]  # noqa: E731
    found = []
    while len(found) < count:
        headline, standfirst = rng.choice(texts)
        head, other = words(headline), words(rng.choice(texts)[0])
        kind = len(found) % 10
        if kind in (0, 1, 2) and head:
            found.append(rng.choice(head))  # one word
        elif kind in (3, 4) and len(head) >= 2:
            found.append(" ".join(rng.sample(head, 2)))  # two words of one story
        elif kind == 5 and len(head) >= 2:
            start = rng.randrange(len(head) - 1)
            found.append(f'"{head[start]} {head[start + 1]}"')  # a phrase
        elif kind == 6 and head and other:
            found.append(f"{rng.choice(head)} {rng.choice(other)}")  # words of two stories
        elif kind == 7 and standfirst:
            found.append(" ".join(rng.sample(words(standfirst), min(3, len(words(standfirst))))))
        elif kind == 8:
            found.append(f"zq{rng.randrange(10**6)}x")  # nothing matches
        elif kind == 9 and head:
            found.append(f"{rng.choice(head)} -{rng.choice(other or head)} or {rng.choice(head)}")
    return found


def wsgi_call(app, path):
    from benchmarks.bench_pages import call

    return call(app, path)


def measure_search(app, queries):
    from urllib.parse import urlencode

    from django.core.cache import cache
    from django.urls import reverse

    from articles.models import Article
    from articles.pagination import RankedPaginator
    from articles.search import RANKED, passages

    search = reverse("articles:search")
    wsgi_call(app, f"{search}?q=warm")  # a worker's steady state: templates compiled
    page, page_cpu, database = [], [], []
    for q in queries:
        cache.clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        status, _body = wsgi_call(app, f"{search}?{urlencode({'q': q})}")
        page.append((time.perf_counter() - started) * 1000)
        page_cpu.append((time.process_time() - started_cpu) * 1000)
        assert status == 200, (q, status)
        started = time.perf_counter()  # what SearchView asks the database, page 1
        found = Article.objects.published().search(q)
        rows = Article.objects.published().for_listing()
        hits = RankedPaginator(found, 12, rows=rows, most=RANKED).page(1).object_list
        passages(hits, q)
        database.append((time.perf_counter() - started) * 1000)
    return page, page_cpu, database


def measure_paths(app, paths):
    from django.core.cache import cache
    from django.db import connection

    rows = []
    for name, path in paths:
        status, body = wsgi_call(app, path)
        assert status == 200, (path, status)
        wall, cpu = [], []
        for _ in range(ROUNDS):
            cache.clear()
            started, started_cpu = time.perf_counter(), time.process_time()
            wsgi_call(app, path)
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        statements = []

        def record(execute, sql, *args, statements=statements):
            statements.append(sql)
            return execute(sql, *args)

        cache.clear()
        with connection.execute_wrapper(record):
            wsgi_call(app, path)
        rows.append((name, path, statistics.median(wall), statistics.median(cpu), statements, body))
    return rows


def child():
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.urls import reverse

    from articles.models import Article, Author, Section, Tag

    vendor = connection.vendor
    build()
    size = Article.objects.published().count()
    app = get_wsgi_application()
    queries = varied_queries()
    page, page_cpu, database = measure_search(app, queries)
    label = f"{vendor:<10} {ARTICLES:>7} stories ({size} public)"
    target = TARGETS.get(vendor)
    verdict = ""
    if target is not None:
        met = "met" if percentile(page, 0.95) < target else "MISSED"
        verdict = f"  target p95 < {target:.0f} ms: {met}"
    print(f"   {label}")
    print(f"   {'what':<34} {'median ms':>10} {'p95 ms':>10}")
    print(
        f"   {'search page (200 queries)':<34} {statistics.median(page):>10.1f} "
        f"{percentile(page, 0.95):>10.1f}{verdict}"
    )
    print(
        f"   {'search page, CPU of this process':<34} {statistics.median(page_cpu):>10.1f} "
        f"{percentile(page_cpu, 0.95):>10.1f}  (SQLite's work included, PostgreSQL's not)"
    )
    print(
        f"   {'search, database work only':<34} {statistics.median(database):>10.1f} "
        f"{percentile(database, 0.95):>10.1f}"
    )
    print(f"   load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    section = Section.objects.filter(articles__isnull=False).first()
    tag = Tag.objects.filter(tagged_articles__isnull=False).first()
    author = Author.objects.filter(articles__isnull=False).first()
    last_page = -(-size // int(os.environ.get("SITEMAP_URLS_PER_FILE", "2000")))
    paths = [
        ("feed (RSS)", reverse("articles:feed")),
        ("feed (Atom)", reverse("articles:feed_atom")),
        ("section feed", reverse("articles:section_feed", args=[section.slug])),
        ("tag feed", reverse("articles:tag_feed", args=[tag.slug])),
        ("author feed", reverse("articles:author_feed", args=[author.slug])),
        ("sitemap index", reverse("articles:sitemap_index")),
        ("sitemap articles p1", reverse("articles:sitemap", args=["articles"])),
        (
            f"sitemap articles p{last_page}",
            reverse("articles:sitemap", args=["articles"]) + f"?p={last_page}",
        ),
        ("sitemap tags", reverse("articles:sitemap", args=["tags"])),
        ("news sitemap", reverse("articles:sitemap_news")),
    ]
    print(f"   {'address':<34} {'wall ms':>10} {'cpu ms':>10} {'queries':>8} {'KB':>7}")
    for name, _path, wall, cpu, statements, body in measure_paths(app, paths):
        kb = len(body) / 1024
        print(f"   {name:<34} {wall:>10.1f} {cpu:>10.1f} {len(statements):>8} {kb:>7.0f}")
    return 0


# In the parent: one child per database ---------------------------------------------------------


def main():
    sys.stdout.reconfigure(line_buffering=True)
    if os.environ.get("BENCH_DISCOVERY_CHILD"):
        return child()
    databases = [("sqlite", f"sqlite:///{HERE / f'bench-{ARTICLES}.sqlite3'}")]
    try:
        ensure_postgres_database(PG_URL)
        databases.append(("postgresql", PG_URL))
    except Exception as error:  # no server here: say so, measure SQLite alone
        print(f"   PostgreSQL skipped ({PG_URL.rsplit('@', 1)[-1]}): {error}")
    failed = False
    for _vendor, url in databases:
        env = {**os.environ, **ENVIRON, "DATABASE_URL": url, "BENCH_DISCOVERY_CHILD": "1"}
        done = subprocess.run([sys.executable, "-m", "benchmarks.bench_discovery"], env=env)
        failed |= done.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
