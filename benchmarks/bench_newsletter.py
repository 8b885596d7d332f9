"""Newsletter sending speed: messages per second to a local SMTP server for 10,000 subscribers,
next to raw smtplib sending the same prepared messages over one connection, in the same run.

The target is at least 70% of raw smtplib's rate: rendering and bookkeeping (a committed update
per message, for the crash guarantee) must not dominate. The engine's time includes freezing the
recipients (one Delivery row each) and claiming batches. The SMTP server (aiosmtpd with
its Sink handler) runs in its own process, the database is a temporary SQLite file.
"""

import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SUBSCRIBERS = int(os.environ.get("BENCH_SUBSCRIBERS", "10000"))
TARGET = 0.70


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_smtp_server(port):
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-c",
            "aiosmtpd.handlers.Sink",
            "-l",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("the SMTP server did not start")


def send_raw(port, prepared):
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for address, raw in prepared:
            smtp.sendmail("newsroom@localhost", [address], raw)
    return time.perf_counter() - start


def main():
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-bench-"))
    port = free_port()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DJANGO_DEBUG": "0",
            "NEWSROOM_INSECURE_DEV_KEY": "1",
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "EMAIL_URL": f"smtp://127.0.0.1:{port}",
            "TASKS_BACKEND": "immediate",
            "DJANGO_MEDIA_ROOT": str(workdir / "media"),
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    from articles.models import Article, Section
    from newsletter.emails import RenderedIssue, raw_bytes
    from newsletter.models import Issue, IssueArticle, Subscriber
    from newsletter.sending import send_issue

    call_command("migrate", verbosity=0)
    section = Section.objects.create(name="News", slug="news")
    stories = [
        Article.objects.create(
            headline=f"Story {n}: the council votes on the budget",
            slug=f"story-{n}",
            standfirst="What happened, in a sentence or two, for the newsletter teaser.",
            body="<p>Body.</p>",
            section=section,
            status=Article.Status.PUBLISHED,
        )
        for n in range(6)
    ]
    issue = Issue.objects.create(subject="Benchmark issue", intro="The week in six stories.")
    IssueArticle.objects.bulk_create(
        IssueArticle(issue=issue, article=story, position=i) for i, story in enumerate(stories)
    )
    Subscriber.objects.bulk_create(
        (
            Subscriber(email=f"reader{i}@example.com", name=f"Reader {i}", status="confirmed")
            for i in range(SUBSCRIBERS)
        ),
        batch_size=2000,
    )

    server = start_smtp_server(port)
    try:
        # Raw smtplib: the same messages, prepared beforehand, over one connection. Half before
        # and half after the engine's run, so a change in machine load hits both alike.
        rendered = RenderedIssue(issue)
        prepared = [
            (s.email, raw_bytes(rendered.message_for(s))) for s in Subscriber.objects.order_by("pk")
        ]
        half = len(prepared) // 2
        raw_seconds = send_raw(port, prepared[:half])

        profiler = None
        if os.environ.get("BENCH_PROFILE"):
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        start = time.perf_counter()
        send_issue(issue.pk)
        elapsed = time.perf_counter() - start
        if profiler:
            import pstats

            profiler.disable()
            pstats.Stats(profiler).sort_stats(
                os.environ.get("BENCH_PROFILE_SORT", "cumulative")
            ).print_stats(40)
            if os.environ.get("BENCH_PROFILE_DUMP"):
                profiler.dump_stats(os.environ["BENCH_PROFILE_DUMP"])
        sent = issue.deliveries.filter(status="sent").count()
        ours_rate = sent / elapsed
        raw_seconds += send_raw(port, prepared[half:])
        raw_rate = len(prepared) / raw_seconds
    finally:
        server.terminate()
        server.wait()

    ratio = ours_rate / raw_rate
    print(f"subscribers:            {SUBSCRIBERS}")
    print(f"raw smtplib:            {raw_rate:8.0f} messages/s")
    print(f"newsletter engine:      {ours_rate:8.0f} messages/s ({sent} sent)")
    print(f"ratio:                  {ratio:8.0%} (target >= {TARGET:.0%})")
    return ratio >= TARGET and sent == SUBSCRIBERS


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
