"""Scheduled publishing lateness: how long after its ``published_at`` a scheduled story is first
served, for 20 stories (``BENCH_STORIES``) going live over about a minute, with the worker
running as ``make worker`` runs it (``db_worker`` plus ``sweep --every 60``) and the site served
by gunicorn. A poller asks for every story's page four times a second; lateness is the time of
the first 200 minus the story's ``published_at``.

Target: at most 60 s for every story, the median well under. ``BENCH_LOSE_TASKS=1`` deletes
the go-live tasks after enqueueing them, so only the minute sweep publishes (the worst case the
sweep guarantees). Database: a temporary SQLite file, or ``BENCH_DATABASE_URL``.
"""

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STORIES = int(os.environ.get("BENCH_STORIES", "20"))
LOSE_TASKS = os.environ.get("BENCH_LOSE_TASKS") == "1"
TARGET_SECONDS = 60
FIRST_AFTER = 15  # seconds from now to the first story's time (the processes start meanwhile)
SPREAD = 60  # seconds over which the stories' times are spread
POLL = 0.25


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def served(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_for_server(url, process, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the web server stopped")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError("the web server did not start")


def main():
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-bench-scheduling-"))
    environ = {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DJANGO_DEBUG": "0",
        "NEWSROOM_INSECURE_DEV_KEY": "1",
        "DATABASE_URL": os.environ.get(
            "BENCH_DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}"
        ),
        "TASKS_BACKEND": "database",
        "EMAIL_URL": "dummy:",
        "DJANGO_MEDIA_ROOT": str(workdir / "media"),
    }
    os.environ.update(environ)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from articles.models import Article, Section
    from articles.tasks import schedule_timed_work

    call_command("migrate", verbosity=0)
    Article.objects.all().delete()
    DBTaskResult.objects.all().delete()
    section, _ = Section.objects.get_or_create(slug="news", defaults={"name": "News"})
    start = timezone.now().replace(microsecond=0)
    stories = []
    for n in range(STORIES):
        story = Article.objects.create(
            headline=f"Scheduled story {n}",
            slug=f"scheduled-story-{n}",
            body="<p>On the minute.</p>",
            section=section,
        )
        offset = FIRST_AFTER + SPREAD * n / max(1, STORIES - 1)
        story.schedule(start + timedelta(seconds=offset))
        schedule_timed_work(story)  # outside a transaction: enqueued at once
        stories.append(story)
    if LOSE_TASKS:
        DBTaskResult.objects.filter(task_path="articles.tasks.go_live").delete()

    port = free_port()
    env = {**os.environ, **environ}
    manage = [sys.executable, "manage.py"]
    quiet = {"cwd": ROOT, "env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{port}",
                "newsroom.wsgi:application",
            ],
            **quiet,
        ),  # fmt: skip
        subprocess.Popen([*manage, "db_worker", "--queue-name", "default", "--no-reload"], **quiet),
        subprocess.Popen([*manage, "sweep", "--every", "60"], **quiet),
    ]
    base = f"http://127.0.0.1:{port}"
    lateness = {}
    try:
        wait_for_server(base + "/", processes[0])
        deadline = time.time() + FIRST_AFTER + SPREAD + TARGET_SECONDS + 30
        waiting = {story.pk: story for story in stories}
        early, rounds = set(), 0
        while waiting and time.time() < deadline:
            rounds += 1
            for pk, story in list(waiting.items()):
                url = base + story.get_absolute_url()
                if story.published_at.timestamp() > time.time():
                    # Not its time yet: now and then, check that it is not served early.
                    if rounds % 8 == 0 and served(url):
                        early.add(pk)
                    continue
                if served(url):
                    lateness[pk] = time.time() - story.published_at.timestamp()
                    del waiting[pk]
            time.sleep(POLL)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    figures = sorted(lateness.values())
    missing = STORIES - len(figures)
    print(f"stories:                {STORIES} over {SPREAD} s, worker + sweep running")
    print(f"go-live tasks:          {'deleted (sweep only)' if LOSE_TASKS else 'enqueued'}")
    if figures:
        print(f"lateness median:        {statistics.median(figures):6.2f} s")
        print(f"lateness 90th pct:      {figures[int(0.9 * (len(figures) - 1))]:6.2f} s")
        print(f"lateness max:           {figures[-1]:6.2f} s (target <= {TARGET_SECONDS} s)")
    print(f"never served:           {missing}")
    if early:
        print(f"served early:           {len(early)}")
    return bool(figures) and not missing and not early and figures[-1] <= TARGET_SECONDS


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
