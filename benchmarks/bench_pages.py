"""The public pages against a floor, in one run: queries, CPU per request, throughput.

    make bench                              # 1,000 articles (benchmarks/bench-1000.sqlite3)
    BENCH_ARTICLES=100000 make bench        # the large run (its own file), 1,000,000 comments
    BENCH_DATABASE_URL=postgres://... make bench
    BENCH_SECONDS=5 BENCH_ROUNDS=9 make bench

What it measures, for home, section, tag, author, article, search and feed, and for the floor (a
constant response the size of an article page through the same middleware, ``benchmarks.urls``):

- ``queries``: SQL statements of one request with every cache cleared (``execute_wrapper``:
  Django resets ``connection.queries`` when a WSGI request starts);
- ``cpu ms``: CPU time (``time.process_time``) of one request through
  ``get_wsgi_application()``, as a gunicorn worker calls it, every cache cleared first; the
  median of ``BENCH_ROUNDS`` rounds, each of which times the floor the same way just before
  the page: a page's ``×floor`` is the median of its rounds' ratios, so the machine's load
  moves both sides of each (``in_process``);
- ``hit ms``: the same with the page cache warm (what a reader of a cached page costs);
- ``srv ms`` and ``req/s``: gunicorn (2 workers, whitenoise, debug off) driven by ``wrk`` for
  ``BENCH_SECONDS`` per page; server CPU per request is the workers' CPU time (``/proc``) over
  the requests served. ``wrk`` comes from the system packages (``apt-get install wrk``); without
  it a small Python load generator stands in (and says so).

Then ``worker memory``: the workers' resident memory after 1,000 and after 10,000 requests
across the pages and the newest 500 stories (issue 11: within 10%).

Each figure is also given as a ratio to the floor's: the machine is shared and noisy, so only
ratios within one run are compared. The table goes to stdout and, as JSON, to
``artifacts/bench/`` (git-ignored). The database is kept between runs (``seed_demo`` tops it
up), so only the first run at a size pays for building it.
"""

import io
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ARTICLES = int(os.environ.get("BENCH_ARTICLES", "1000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
COMMENTS = int(os.environ.get("BENCH_COMMENTS", "30"))  # approved, under the benched article
# Comments across the whole archive: 10 a story for the large run (1,000,000 at 100,000), so the
# comment tables are as big as a real site's; none at the default size.
ARCHIVE_COMMENTS = int(
    os.environ.get("BENCH_ARCHIVE_COMMENTS", str(ARTICLES * 10 if ARTICLES >= 100_000 else 0))
)
SPIKE_SECONDS = int(os.environ.get("BENCH_SPIKE_SECONDS", "30"))  # 0: no spike check
SPIKE_EVERY = 5  # seconds between the editor's changes during the spike
ARTIFACTS = ROOT / "artifacts" / "bench"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
FLOOR = "/bench/floor/"  # benchmarks.urls

ENVIRON = {
    "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
    "DJANGO_DEBUG": "0",
    "NEWSROOM_INSECURE_DEV_KEY": "1",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DJANGO_SECURE_COOKIES": "0",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_STATIC_MANIFEST": "1",
    "TASKS_BACKEND": "immediate",
    "EMAIL_URL": "dummy:",
    "DJANGO_MEDIA_ROOT": str(HERE / "media"),
    "DATABASE_URL": os.environ.get(
        "BENCH_DATABASE_URL", f"sqlite:///{HERE / f'bench-{ARTICLES}.sqlite3'}"
    ),
}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Building the site ------------------------------------------------------------------------------


def build_site():
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("seed_demo", articles=ARTICLES, stdout=io.StringIO(), stderr=io.StringIO())
    # A site built before pictures kept their addresses gets them, as a deployment would.
    call_command("refresh_picture_sources", stdout=io.StringIO())
    # The full-text index merged, as the sweep leaves a live site's within minutes.
    from articles.search import merge_index_step

    while merge_index_step():
        pass


def add_comments(article):
    """Approved comments under the benched article (a few replies among them), once."""
    from django.utils import timezone

    from comments.models import Comment

    for comment in Comment.objects.filter(article=article, body_rendered=""):
        comment.save()  # rows from before the rendered column: as a site's would be re-saved
    missing = COMMENTS - Comment.objects.filter(article=article).count()
    now = timezone.now()
    for n in range(max(0, missing)):
        Comment.objects.create(
            article=article,
            name=f"Reader {n}",
            email=f"reader{n}@example.com",
            body=f"Comment number {n}: a few words about the story, and a second sentence.",
            status=Comment.Status.APPROVED,
            approved_at=now,
        )


def add_archive_comments(total, batch=20_000):
    """Approved comments spread over every published story until there are ``total`` in all,
    inserted in bulk (one rendered body for all: what matters is the tables' size), once."""
    from django.utils import timezone

    from articles.models import Article
    from comments.models import Comment, render_body

    missing = total - Comment.objects.count()
    if missing <= 0:
        return
    print(f"   adding {missing:,} comments across the archive (kept for the next run)")
    body = "A reader's few words about the story, and a second sentence to make it a comment."
    rendered = render_body(body)
    stories = list(Article.objects.published().values_list("pk", flat=True))
    now = timezone.now()
    made = 0
    while made < missing:
        count = min(batch, missing - made)
        Comment.objects.bulk_create(
            Comment(
                article_id=stories[(made + n) % len(stories)],
                name=f"Reader {made + n}",
                email=f"reader{(made + n) % 5000}@example.com",
                body=body,
                body_rendered=rendered,
                status=Comment.Status.APPROVED,
                approved_at=now,
            )
            for n in range(count)
        )
        made += count


def pages():
    """Name -> path of each page measured (the feed only once its address answers)."""
    from django.urls import NoReverseMatch, reverse

    from articles.models import Article, Author, Section, Tag

    story = Article.objects.published().for_detail().first()
    add_archive_comments(ARCHIVE_COMMENTS)
    add_comments(story)
    tag = Tag.objects.filter(tagged_articles__isnull=False).first()
    section = Section.objects.filter(articles__isnull=False).first()
    author = Author.objects.filter(articles__isnull=False).first()
    found = {
        "home": "/",
        "section": section.get_absolute_url(),
        "tag": reverse("articles:tag", args=[tag.slug]),
        "author": author.get_absolute_url(),
        "article": story.get_absolute_url(),
        "search": reverse("articles:search") + "?q=" + story.headline.split()[0],
    }
    try:
        found["feed"] = reverse("articles:feed")
    except NoReverseMatch:
        found["feed"] = "/feed/"
    return found


# In process: CPU and queries through the WSGI application ---------------------------------------


def wsgi_environ(path):
    path, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def call(app, path):
    """One request as a WSGI server makes it: status and body bytes."""
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status.split()[0])

    body = b"".join(app(wsgi_environ(path), start_response))
    return answer["status"], body


def clear_caches():
    """Every cache the site reads: local memory and the shared one (fragments)."""
    from django.core.cache import caches

    for alias in {"default", "shared"} & set(caches.settings):
        caches[alias].clear()


def cpu_ms(app, path):
    start = time.process_time()
    call(app, path)
    return (time.process_time() - start) * 1000


def in_process(app, path):
    """One page's CPU per request in process, uncached and as a page-cache hit, each beside the
    floor's in the same rounds, and its queries.

    Each round times the floor, then the page with every cache cleared, then the page again
    (now a hit): the ratio of a round compares requests a few milliseconds apart, so a shared
    machine's load, which moves by a third within a minute here, moves both sides of it. The
    ratios given (``cpu_x``, ``hit_x``) are the medians of the rounds' ratios; the times, the
    medians of the rounds' times."""
    from django.db import connection

    status, body = call(app, path)  # compiled templates, open connection: a worker's steady state
    if status != 200:
        raise SystemExit(f"{path} answered {status}")
    call(app, FLOOR)
    floors, cold, hot = [], [], []
    for _ in range(ROUNDS):
        clear_caches()
        floors.append(cpu_ms(app, FLOOR))
        clear_caches()
        cold.append(cpu_ms(app, path))
        hot.append(cpu_ms(app, path))
    statements = []

    def record(execute, sql, *args):
        statements.append(sql)
        return execute(sql, *args)

    clear_caches()
    with connection.execute_wrapper(record):
        call(app, path)
    median = statistics.median
    return {
        "queries": len(statements),
        "bytes": len(body),
        "cpu_ms": median(cold),
        "hit_ms": median(hot),
        "floor_cpu_ms": median(floors),
        "cpu_x": median(c / f for c, f in zip(cold, floors, strict=True)),
        "hit_x": median(h / f for h, f in zip(hot, floors, strict=True)),
    }


def set_floor(app, paths):
    """Make the floor the size of the article page as served."""
    _, article_body = call(app, paths["article"])
    os.environ["BENCH_FLOOR_BYTES"] = str(len(article_body))
    import benchmarks.urls

    benchmarks.urls.FLOOR_BODY = b"<!doctype html>" + b"x" * len(article_body)


# Under load: gunicorn + wrk --------------------------------------------------------------------


def children(pid):
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def start_gunicorn(port, env):
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", "/dev/null",
         "newsroom.wsgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn stopped; run it by hand to see why")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{FLOOR}", timeout=2).close()
            if len(children(process.pid)) >= 2:
                return process
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


WRK_REQUESTS = re.compile(r"(\d+) requests in")
WRK_ERRORS = re.compile(r"Non-2xx or 3xx responses: (\d+)")
WRK_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def wrk(url, seconds, connections):
    """(requests, failures) served in ``seconds``; ``wrk`` or a Python stand-in."""
    if shutil.which("wrk"):
        output = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", url],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        requests = int(WRK_REQUESTS.search(output)[1])
        errors = WRK_ERRORS.search(output)
        failures = int(errors[1]) if errors else 0
        sockets = WRK_SOCKET.search(output)
        if sockets:
            failures += sum(int(n) for n in sockets.groups())
        return requests, failures
    return python_load(url, seconds, connections)


def python_load(url, seconds, connections):
    """Keep-alive GETs from threads, for machines without ``wrk`` (slower: it competes for CPU)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    deadline = time.monotonic() + seconds
    counts = [[0, 0] for _ in range(connections)]

    def run(slot):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        while time.monotonic() < deadline:
            try:
                conn.request("GET", target)
                response = conn.getresponse()
                response.read()
                slot[0 if response.status == 200 else 1] += 1
            except OSError:
                slot[1] += 1
                conn.close()
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)

    threads = [threading.Thread(target=run, args=(slot,)) for slot in counts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(c[0] + c[1] for c in counts), sum(c[1] for c in counts)


def under_load(base, workers, path):
    """req/s and server CPU ms per request for ``path``, after a short warm-up."""
    url = base + path
    wrk(url, 1, 4)  # warm: templates compiled, page cache filled
    before = cpu_seconds(workers)
    start = time.monotonic()
    requests, failures = wrk(url, SECONDS, CONNECTIONS)
    elapsed = time.monotonic() - start
    used = cpu_seconds(workers) - before
    return {
        "req_s": requests / elapsed,
        "server_cpu_ms": used * 1000 / max(1, requests),
        "failures": failures,
    }


def start_nginx(port, upstream_port, workdir):
    """``deploy/nginx.conf`` with the bench's ports and paths (the lines marked "bench:")."""
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    for folder in ("cache", "temp"):
        (workdir / folder).mkdir(parents=True, exist_ok=True)
        (workdir / folder).chmod(0o777)  # nginx's workers may run as another user
    workdir.chmod(0o755)
    temp = workdir / "temp"
    conf = conf.replace("/var/cache/nginx/newsroom", str(workdir / "cache"))
    conf = conf.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream_port};")
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{port};")
    conf = conf.replace(
        "worker_processes auto;",
        f"worker_processes 2;\npid {workdir / 'nginx.pid'};\nerror_log {workdir / 'error.log'};",
    )
    conf = conf.replace(
        "http {\n",
        "http {\n"
        + "".join(
            f"    {name}_temp_path {temp / name};\n"
            for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        ),
        1,
    )
    path = workdir / "nginx.conf"
    path.write_text(conf)
    process = subprocess.Popen(
        ["nginx", "-p", str(workdir), "-e", str(workdir / "error.log"), "-c", str(path),
         "-g", "daemon off;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"nginx stopped: see {workdir / 'error.log'}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{FLOOR}", timeout=2).close()
            return process
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    stop(process)  # SIGTERM: the master takes its workers with it (SIGKILL would not)
    raise SystemExit("nginx did not start")


def through_nginx(upstream_port, path):
    """req/s of ``path`` served by ``deploy/nginx.conf`` in front of the gunicorn workers."""
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-bench-nginx-"))
    port = free_port()
    proxy = start_nginx(port, upstream_port, workdir)
    try:
        url = f"http://127.0.0.1:{port}{path}"
        wrk(url, 1, 4)
        start = time.monotonic()
        requests, failures = wrk(url, SECONDS, CONNECTIONS * 4)
        return {"req_s": requests / (time.monotonic() - start), "failures": failures}
    finally:
        stop(proxy)
        shutil.rmtree(workdir, ignore_errors=True)


def spike(base, path):
    """64 connections on the cached article for ``SPIKE_SECONDS`` while an editor changes it
    every ``SPIKE_EVERY`` s (saved and purged as the admin does). A checker polls the page: a
    request it starts after a change has committed and purged must show the new text."""
    from articles.models import Article
    from newsroom import cache as page_cache

    story = Article.objects.published().get(slug=path.rstrip("/").rsplit("/", 1)[-1])
    original = story.standfirst
    url = base + path
    load = subprocess.Popen(
        ["wrk", "-t2", "-c64", f"-d{SPIKE_SECONDS}s", url],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    ) if shutil.which("wrk") else None  # fmt: skip
    expected = {"number": 0}  # the editor's latest change, once committed and purged
    shown = re.compile(r"Spike update number (\d+) ")
    checks = {"polls": 0, "stale": 0, "errors": 0}
    stop_at = time.monotonic() + SPIKE_SECONDS

    def checker():
        while time.monotonic() < stop_at:
            latest = expected["number"]
            try:
                with urllib.request.urlopen(url, timeout=10) as response:
                    body = response.read().decode()
                    status = response.status
            except (urllib.error.URLError, OSError):
                checks["errors"] += 1
                continue
            checks["polls"] += 1
            if status != 200:
                checks["errors"] += 1
            else:
                found = shown.search(body)
                if (int(found[1]) if found else 0) < latest:
                    checks["stale"] += 1  # asked after change ``latest``, got an older page
            time.sleep(0.05)

    poller = threading.Thread(target=checker)
    poller.start()
    changes = 0
    try:
        while time.monotonic() + SPIKE_EVERY < stop_at:
            time.sleep(SPIKE_EVERY)
            changes += 1
            story.standfirst = f"Spike update number {changes} at {time.time():.3f}."
            story.save()
            page_cache.purge_article(story)  # what the admin's save does, once committed
            expected["number"] = changes
        poller.join()
        requests, failures = 0, 0
        if load is not None:
            output = load.communicate(timeout=SPIKE_SECONDS + 30)[0]
            requests = int(WRK_REQUESTS.search(output)[1])
            errors = WRK_ERRORS.search(output)
            failures = int(errors[1]) if errors else 0
            sockets = WRK_SOCKET.search(output)
            if sockets:
                failures += sum(int(n) for n in sockets.groups())
    finally:
        if load is not None and load.poll() is None:
            load.kill()
        story.standfirst = original
        story.save()
        page_cache.purge_article(story)
    return {
        "seconds": SPIKE_SECONDS,
        "requests": requests,
        "req_s": requests / SPIKE_SECONDS,
        "non_200": failures + checks["errors"],
        "changes": changes,
        "polls": checks["polls"],
        "stale_after_change": checks["stale"],
    }


# Report -----------------------------------------------------------------------------------------


def rss_kb(pids):
    """Resident memory of the processes, in KB (``/proc/<pid>/status``)."""
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def memory_growth(base, workers, paths, first=1000, then=10000):
    """Workers' memory after ``first`` requests and after ``then``, as readers would make them:
    every measured page in turn, and each article page of the archive's newest stories (each
    a page of its own for the page cache). A leak shows as growth between the two."""
    import http.client
    from urllib.parse import urlsplit

    from articles.models import Article

    stories = [a.get_absolute_url() for a in Article.objects.published().order_by("-pk")[:500]]
    targets = [urlsplit(base + path) for path in [*paths, *stories]]
    counts = {"requests": 0, "failures": 0}

    def send(count):
        for n in range(count):
            url = targets[(counts["requests"] + n) % len(targets)]
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
            try:
                conn.request("GET", url.path + (f"?{url.query}" if url.query else ""))
                response = conn.getresponse()
                response.read()
                counts["failures"] += response.status != 200
            except OSError:
                counts["failures"] += 1
            finally:
                conn.close()
        counts["requests"] += count

    send(first)
    after_first = rss_kb(workers)
    send(then - first)
    after_then = rss_kb(workers)
    return {
        "first": first,
        "then": then,
        "rss_kb_first": after_first,
        "rss_kb_then": after_then,
        "growth": after_then / after_first if after_first else float("nan"),
        "failures": counts["failures"],
    }


def ratio(value, floor):
    return value / floor if floor else float("nan")


def table(rows, floor):
    head = (
        f"{'page':<10}{'queries':>8}{'cpu ms':>9}{'×floor':>8}{'hit ms':>8}{'×floor':>8}"
        f"{'srv ms':>8}{'×floor':>8}{'req/s':>9}{'×floor':>8}"
    )
    lines = [head, "-" * len(head)]
    for name, row in rows.items():
        lines.append(
            f"{name:<10}{row['queries']:>8}{row['cpu_ms']:>9.2f}"
            f"{row['cpu_x']:>8.1f}{row['hit_ms']:>8.2f}{row['hit_x']:>8.2f}"
            f"{row['server_cpu_ms']:>8.2f}"
            f"{ratio(row['server_cpu_ms'], floor['server_cpu_ms']):>8.2f}"
            f"{row['req_s']:>9.0f}{ratio(row['req_s'], floor['req_s']):>8.2f}"
        )
    return "\n".join(lines)


def prepare():
    """Django set up on the bench's database (built or topped up), the WSGI application as a
    worker holds it, the pages to measure, and the floor sized to the article page: what every
    in-process measurement starts from (here and in ``bench_scale``'s turns)."""
    os.environ.update(ENVIRON)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application

    build_site()
    paths = pages()
    app = get_wsgi_application()
    set_floor(app, paths)
    return app, paths


def main():
    began = time.monotonic()
    app, paths = prepare()
    rows = {}
    for name, path in {"floor": FLOOR, **paths}.items():  # the floor against itself: about 1.0
        if name == "feed" and call(app, path)[0] != 200:
            continue  # no feed yet on this branch
        rows[name] = {"path": path, **in_process(app, path)}
    # The floor's own line: its cost as timed beside the pages (what their ratios divide by;
    # timed beside itself it runs warmer, a third cheaper).
    beside = [row["floor_cpu_ms"] for name, row in rows.items() if name != "floor"]
    rows["floor"]["cpu_ms"] = statistics.median(beside)

    from django.db import connections

    connections.close_all()
    port = free_port()
    server = start_gunicorn(port, {**os.environ})
    try:
        workers = children(server.pid)
        base = f"http://127.0.0.1:{port}"
        nginx = surge = None
        for name, row in rows.items():
            row.update(under_load(base, workers, row["path"]))
            if name == "article":
                # Before search and feed: a slow page under load leaves a queue behind it.
                if shutil.which("nginx"):
                    try:
                        nginx = through_nginx(port, row["path"])
                    except SystemExit as problem:
                        print(f"deploy/nginx.conf not measured: {problem}")
                surge = spike(base, row["path"]) if SPIKE_SECONDS else None
        memory = memory_growth(base, workers, [row["path"] for row in rows.values()])
    finally:
        stop(server)

    floor = rows["floor"]
    report = table(rows, floor)
    loader = "wrk" if shutil.which("wrk") else "python load generator (install wrk)"
    print(
        f"\n{ARTICLES} articles, {ENVIRON['DATABASE_URL'].split(':')[0]}, {ROUNDS} rounds "
        f"in process; gunicorn 2 workers, {loader} {CONNECTIONS} connections "
        f"{SECONDS:g} s per page"
    )
    print(
        "cpu ms: uncached, caches cleared; hit ms: page cache warm (both in process, x the "
        "floor's cpu ms in the same rounds); srv ms: workers' CPU per request under load"
    )
    print(report)
    if nginx:
        print(
            f"article through deploy/nginx.conf: {nginx['req_s']:.0f} req/s, "
            f"{ratio(nginx['req_s'], floor['req_s']):.1f}x the floor's req/s through gunicorn "
            f"({CONNECTIONS * 4} connections)"
        )
    elif not shutil.which("nginx"):
        print("nginx not installed: deploy/nginx.conf not measured (apt-get install -y nginx)")
    if surge:
        print(
            f"spike: 64 connections on the article for {surge['seconds']} s while it changed "
            f"{surge['changes']} times: {surge['requests']} requests ({surge['req_s']:.0f} req/s), "
            f"non-200: {surge['non_200']}, stale pages after a change: "
            f"{surge['stale_after_change']} of {surge['polls']} checks"
        )
    print(
        f"worker memory: {memory['rss_kb_first'] / 1024:.0f} MB after {memory['first']:,} "
        f"requests, {memory['rss_kb_then'] / 1024:.0f} MB after {memory['then']:,} "
        f"({memory['growth']:.2f}x; target within 1.10x), {memory['failures']} not 200"
    )
    failures = {name: row["failures"] for name, row in rows.items() if row["failures"]}
    if failures:
        print(f"non-200 or socket errors under load: {failures}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    result = {
        "articles": ARTICLES,
        "database": ENVIRON["DATABASE_URL"].split(":")[0],
        "rounds": ROUNDS,
        "seconds": SECONDS,
        "connections": CONNECTIONS,
        "loader": loader,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "pages": rows,
        "nginx_article": nginx,
        "spike": surge,
        "memory": memory,
        "elapsed_s": time.monotonic() - began,
    }
    name = f"pages-{ARTICLES}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    (ARTIFACTS / name).write_text(json.dumps(result, indent=2))
    (ARTIFACTS / f"pages-{ARTICLES}-latest.json").write_text(json.dumps(result, indent=2))
    print(f"({time.monotonic() - began:.0f} s; JSON in {ARTIFACTS.relative_to(ROOT) / name})")
    spike_failed = bool(surge) and (surge["non_200"] or surge["stale_after_change"])
    return not failures and not spike_failed and not memory["failures"]


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
