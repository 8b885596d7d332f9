"""Mixed traffic through gunicorn: no 5xx, nothing acknowledged lost, p99 latency (issue 15).

    python -m benchmarks bench_load
    BENCH_LOAD_SECONDS=10 BENCH_LOAD_CONNECTIONS=8 python -m benchmarks bench_load

gunicorn (2 workers, debug off) on 127.0.0.1 with its own SQLite database
(``bench-load.sqlite3``, git-ignored), driven for ``BENCH_LOAD_SECONDS`` (60) by
``BENCH_LOAD_CONNECTIONS`` (32) Python clients, each a reader behind a proxy with an address of
its own (``X-Forwarded-For``, documentation ranges; all traffic goes to 127.0.0.1): the home
page, articles, searches, feeds, comment posts (valid, and invalid ones), newsletter sign-ups.
Rate limits stay on, so some posts get 429: that is an answer, not a failure.

Afterwards every comment and sign-up the site acknowledged (its redirect) is looked up in the
database. It prints the answers by status, p50/p95/p99 latency per kind, and exits non-zero on
any 5xx or any acknowledged row missing.
"""

import http.client
import os
import random
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "60"))
CONNECTIONS = int(os.environ.get("BENCH_LOAD_CONNECTIONS", "32"))
ARTICLES = int(os.environ.get("BENCH_LOAD_ARTICLES", "200"))

ENVIRON = {
    "DJANGO_SETTINGS_MODULE": "newsroom.settings",
    "DJANGO_DEBUG": "0",
    "NEWSROOM_INSECURE_DEV_KEY": "1",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_COOKIES": "0",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_STATIC_MANIFEST": "1",
    "TASKS_BACKEND": "immediate",
    "EMAIL_URL": "dummy:",
    "DJANGO_MEDIA_ROOT": str(HERE / "media"),
    "CLIENT_IP_HEADER": "HTTP_X_FORWARDED_FOR",
    "CLIENT_IP_PROXY_COUNT": "1",
    "DATABASE_URL": os.environ.get(
        "BENCH_LOAD_DATABASE_URL", f"sqlite:///{HERE / 'bench-load.sqlite3'}"
    ),
}

# What the traffic is made of: (kind, weight).
MIX = [
    ("home", 25),
    ("article", 30),
    ("search", 10),
    ("feed", 10),
    ("comment", 10),
    ("bad comment", 5),
    ("sign-up", 10),
]


def build_site():
    import io

    from django.core.management import call_command

    from articles.models import Article

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if Article.objects.count() < ARTICLES:
        call_command("seed_demo", articles=ARTICLES, stdout=io.StringIO(), stderr=io.StringIO())
    stories = list(
        Article.objects.published().filter(comments_open=True).values_list("pk", "slug")[:50]
    )
    return stories


class Reader(threading.Thread):
    """One connection's worth of traffic: a reader with an address, a CSRF cookie, a clock."""

    def __init__(self, number, port, stories, deadline, results):
        super().__init__(daemon=True)
        self.number, self.port, self.stories = number, port, stories
        self.deadline, self.results = deadline, results
        self.ip = f"203.0.113.{number + 1}" if number < 250 else f"198.51.100.{number - 249}"
        self.random = random.Random(number)
        self.cookie, self.token = "", ""
        self.sent = 0

    def request(self, method, path, body=None):
        headers = {"X-Forwarded-For": self.ip, "Host": "127.0.0.1"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.token
            headers["Referer"] = f"http://127.0.0.1:{self.port}/"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            status = response.status
            cookies = response.headers.get_all("Set-Cookie") or []
        except OSError as error:
            status, payload, cookies = f"error {type(error).__name__}", b"", []
        finally:
            connection.close()
        return status, time.perf_counter() - started, payload, cookies

    def start_session(self):
        import json

        status, _elapsed, payload, cookies = self.request("GET", "/csrf/")
        if status == 200:
            self.token = json.loads(payload)["token"]
            self.cookie = "; ".join(cookie.split(";", 1)[0] for cookie in cookies)

    def run(self):
        from comments.moderation import sign_timestamp

        self.start_session()
        kinds, weights = zip(*MIX, strict=True)
        while time.monotonic() < self.deadline:
            kind = self.random.choices(kinds, weights)[0]
            pk, slug = self.random.choice(self.stories)
            body, record = None, None
            if kind == "home":
                method, path = "GET", "/"
            elif kind == "article":
                method, path = "GET", f"/article/{slug}/"
            elif kind == "search":
                words = self.random.choice(["election", "weather", "city council", "report"])
                method, path = "GET", "/search/?" + urlencode({"q": words})
            elif kind == "feed":
                method, path = "GET", self.random.choice(["/feed/", "/feed/atom/"])
            elif kind in {"comment", "bad comment"}:
                self.sent += 1
                text = f"Load comment {self.number}-{self.sent}: a few words about the story."
                data = {
                    "name": f"Reader {self.number}",
                    "email": f"load{self.number}-{self.sent}@example.com",
                    "website": "",
                    "body": text if kind == "comment" else "",
                    "timestamp": sign_timestamp(time.time() - 30),
                    "honeypot": "",
                }
                method, path, body = "POST", f"/comments/post/{pk}/", urlencode(data)
                record = ("comment", text) if kind == "comment" else None
            else:
                self.sent += 1
                email = f"signup{self.number}-{self.sent}@example.com"
                data = {"email": email, "source": "/", "consent": ""}
                method, path, body = "POST", "/newsletter/subscribe/", urlencode(data)
                record = ("sign-up", email)
            status, elapsed, _payload, _cookies = self.request(method, path, body)
            self.results.append((kind, status, elapsed, record if status == 302 else None))


def percentile(values, share):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main():
    os.environ.update(ENVIRON)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connections

    from benchmarks.bench_pages import free_port, start_gunicorn, stop
    from comments.models import Comment
    from newsletter.models import Subscriber

    stories = build_site()
    connections.close_all()
    port = free_port()
    os.environ["BENCH_FLOOR_BYTES"] = "100"
    server = start_gunicorn(port, {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.settings"})
    results = []
    try:
        deadline = time.monotonic() + SECONDS
        readers = [Reader(n, port, stories, deadline, results) for n in range(CONNECTIONS)]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join(timeout=SECONDS + 120)
    finally:
        stop(server)

    statuses = Counter(str(status) for _kind, status, _elapsed, _record in results)
    server_errors = sum(
        count for status, count in statuses.items() if not status.isdigit() or status >= "500"
    )
    acknowledged = defaultdict(set)
    for _kind, _status, _elapsed, record in results:
        if record:
            acknowledged[record[0]].add(record[1])
    found_comments = set(
        Comment.objects.filter(body__in=acknowledged["comment"]).values_list("body", flat=True)
    )
    found_signups = set(
        Subscriber.objects.filter(email__in=acknowledged["sign-up"]).values_list("email", flat=True)
    )
    missing = (len(acknowledged["comment"]) - len(found_comments)) + (
        len(acknowledged["sign-up"]) - len(found_signups)
    )

    total = len(results)
    print(
        f"{total} requests in {SECONDS:.0f} s over {CONNECTIONS} connections "
        f"({total / SECONDS:.0f} req/s) through gunicorn (2 workers) on 127.0.0.1"
    )
    print(
        "answers: " + ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    )
    print(f"{'kind':<12} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    by_kind = defaultdict(list)
    for kind, _status, elapsed, _record in results:
        by_kind[kind].append(elapsed * 1000)
    every = [elapsed * 1000 for _kind, _status, elapsed, _record in results]
    for kind, values in [*sorted(by_kind.items()), ("all", every)]:
        print(
            f"{kind:<12} {len(values):>6} {statistics.median(values) if values else 0:8.0f} "
            f"{percentile(values, 0.95):8.0f} {percentile(values, 0.99):8.0f}"
        )
    print(
        f"5xx or no answer: {server_errors}; acknowledged comments {len(acknowledged['comment'])}, "
        f"sign-ups {len(acknowledged['sign-up'])}; missing from the database: {missing}"
    )
    return 1 if server_errors or missing or not total else 0


if __name__ == "__main__":
    sys.exit(main())
