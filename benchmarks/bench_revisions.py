"""Revisions do not slow the admin: the article list and a change form, before and after every
article gets 10 revisions.

    python -m benchmarks bench_revisions                   # 1,000 articles
    BENCH_ARTICLES=100000 python -m benchmarks bench_revisions

Each figure is measured as ``bench_pages`` does (``get_wsgi_application()`` as a worker calls
it, CPU per request the median of ``BENCH_ROUNDS``, queries with ``execute_wrapper``), logged in
as a superuser. Its own database file (``bench-revisions-N.sqlite3``, git-ignored), so the
public pages' benchmark is untouched. ``/floor`` is each page's CPU over the admin index's
(an admin page that reads no article) measured in the same phase: the machine is shared, and
absolute ms swing by half. ``ratio`` is that, "with 10 revisions each" over "without": about
1.0 is the target (the list never reads revisions; the form reads the latest ten and a count).
"""

import os
import sys
import time

from benchmarks.bench_pages import ARTICLES, ENVIRON, HERE, ROOT, ROUNDS, build_site, wsgi_environ

REVISIONS_EACH = 10


def call(app, path, cookie):
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status.split()[0])

    environ = {**wsgi_environ(path), "HTTP_COOKIE": cookie}
    body = b"".join(app(environ, start_response))
    return answer["status"], body


def measure(app, path, cookie):
    import statistics

    from django.db import connection

    status, _ = call(app, path, cookie)
    if status != 200:
        raise SystemExit(f"{path} answered {status}")
    timings = []
    for _ in range(ROUNDS):
        start = time.process_time()
        call(app, path, cookie)
        timings.append((time.process_time() - start) * 1000)
    statements = []

    def record(execute, sql, *args):
        statements.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(record):
        call(app, path, cookie)
    return statistics.median(timings), len(statements)


def add_revisions():
    """Ten revisions for every article (a full body each), once."""
    from articles.models import Article, Revision

    if Revision.objects.exists():
        return
    batch = []
    for pk, headline, body in Article.objects.values_list("pk", "headline", "body").iterator():
        for number in range(REVISIONS_EACH):
            content = {"headline": f"{headline} ({number})", "body": body, "tags": []}
            batch.append(Revision(article_id=pk, number=number, content=content))
        if len(batch) >= 5000:
            Revision.objects.bulk_create(batch)
            batch = []
    Revision.objects.bulk_create(batch)
    Article.objects.update(version=REVISIONS_EACH - 1)


def main():
    os.environ.update(
        {
            **ENVIRON,
            "DATABASE_URL": os.environ.get(
                "BENCH_DATABASE_URL", f"sqlite:///{HERE / f'bench-revisions-{ARTICLES}.sqlite3'}"
            ),
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.core.wsgi import get_wsgi_application
    from django.test import Client

    from articles.models import Article, Revision

    began = time.monotonic()
    build_site()
    Revision.objects.all().delete()
    Article.objects.update(version=0)
    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    app = get_wsgi_application()
    cache.clear()
    story = Article.objects.order_by("-pk").first()
    paths = {
        "floor": "/admin/",  # the admin's index: an admin page that reads no article
        "changelist": "/admin/articles/article/",
        "change form": f"/admin/articles/article/{story.pk}/change/",
    }
    before = {name: measure(app, path, cookie) for name, path in paths.items()}
    add_revisions()
    after = {name: measure(app, path, cookie) for name, path in paths.items()}
    count = Article.objects.count()
    revisions = Revision.objects.count()
    print(f"{count} articles; revisions: 0, then {revisions} ({REVISIONS_EACH} each)")
    print(f"{'page':<14}{'revisions':>10}{'queries':>9}{'cpu ms':>9}{'/floor':>8}{'ratio':>7}")
    for name in paths:
        for label, phase in (("none", before), (f"{REVISIONS_EACH} each", after)):
            cpu, queries = phase[name]
            to_floor = cpu / phase["floor"][0]
            ratio = to_floor / (before[name][0] / before["floor"][0])
            print(f"{name:<14}{label:>10}{queries:>9}{cpu:>9.1f}{to_floor:>8.2f}{ratio:>7.2f}")
    print(f"({time.monotonic() - began:.0f} s)")


if __name__ == "__main__":
    main()
