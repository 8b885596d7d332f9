"""Build a large site once, then time every public page and count its queries.

    make bench                          # 100 000 articles in benchmarks/bench.sqlite3
    BENCH_ARTICLES=20000 make bench     # another size
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/newsroom_bench make bench

The database is kept between runs (``seed_demo`` only tops it up), so only the first run pays for
building it. Speed targets live here rather than in timed tests, which would be flaky.
"""

import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ARTICLES = int(os.environ.get("BENCH_ARTICLES", "100000"))
REPEAT = int(os.environ.get("BENCH_REPEAT", "7"))


def pages():
    from articles.models import Article, Author, Section, Tag

    story = Article.objects.published().first()
    section = Section.objects.first()
    return {
        "home": "/",
        "article": story.get_absolute_url(),
        "section": section.get_absolute_url(),
        "section, page 50": section.get_absolute_url() + "?page=50",
        "tag": f"/tag/{Tag.objects.first().slug}/",
        "author": Author.objects.first().get_absolute_url(),
    }


def main():
    os.environ["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", f"sqlite:///{HERE / 'bench.sqlite3'}"
    )
    os.environ.setdefault("DJANGO_MEDIA_ROOT", str(HERE / "media"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", articles=ARTICLES)
    client = Client()
    print(f"\n{'page':<20}{'median ms':>10}{'max ms':>10}{'queries':>9}")
    for name, url in pages().items():
        timings = []
        for _ in range(REPEAT):
            cache.clear()  # cold: the menu and site settings are fetched too
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                sys.exit(f"{url} answered {response.status_code}")
        print(
            f"{name:<20}{statistics.median(timings):>10.1f}{max(timings):>10.1f}{len(queries):>9}"
        )


if __name__ == "__main__":
    sys.exit(0 if main() is not False else 1)
