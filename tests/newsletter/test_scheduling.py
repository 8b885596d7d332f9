"""A scheduled issue goes out on every task backend: the task enqueued for its time sends it, and
the minute sweep (``manage.py sweep``) sends it when that task was lost or never ran."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.tasks import default_task_backend
from django.utils import timezone

from newsletter.models import Issue
from newsletter.tasks import schedule_issue

ROOT = Path(__file__).resolve().parents[2]
DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.mark.django_db
def test_the_sweep_sends_a_due_issue_whose_task_was_lost(
    make, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.TASKS = DUMMY  # takes the task and never runs it
    make.subscribers(3)
    issue = make.issue(status="scheduled", scheduled_at=timezone.now() - timedelta(minutes=2))
    assert schedule_issue(issue) is not None
    default_task_backend.clear()  # the queue is flushed: the task is lost
    settings.TASKS = IMMEDIATE
    assert not mailoutbox
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sweep")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SENT
    assert sorted(m.to[0] for m in mailoutbox) == [f"bulk{i}@example.com" for i in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sweep")  # a second round sends nothing twice
    assert len(mailoutbox) == 3


@pytest.mark.django_db
def test_the_sweep_leaves_issues_due_later_drafts_and_paused_ones(make, mailoutbox):
    make.subscribers(2)
    later = make.issue(status="scheduled", scheduled_at=timezone.now() + timedelta(hours=1))
    draft = make.issue()
    paused = make.issue(status="scheduled", scheduled_at=timezone.now() - timedelta(hours=1))
    paused.start_sending().pause("554 Relay access denied")
    call_command("sweep")
    statuses = [Issue.objects.get(pk=i.pk).status for i in (later, draft, paused)]
    assert statuses == [Issue.Status.SCHEDULED, Issue.Status.DRAFT, Issue.Status.PAUSED]
    assert not mailoutbox


@pytest.mark.django_db
def test_a_due_issue_without_stories_is_left_for_an_editor_and_the_others_go(
    make, mailoutbox, django_capture_on_commit_callbacks
):
    make.subscribers(1)
    past = timezone.now() - timedelta(minutes=1)
    empty = make.issue(status="scheduled", scheduled_at=past, articles=[])
    full = make.issue(status="scheduled", scheduled_at=past)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sweep")
    assert Issue.objects.get(pk=empty.pk).status == Issue.Status.SCHEDULED
    assert Issue.objects.get(pk=full.pk).status == Issue.Status.SENT
    assert len(mailoutbox) == 1


def test_rq_is_configured_as_django_tasks_rq_says():
    """``TASKS_BACKEND=rq``: both apps installed, an RQ queue for every task queue, and Django's
    system checks (the backend's own among them) pass."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DJANGO_DEBUG": "1",
        "TASKS_BACKEND": "rq",
        "REDIS_URL": "redis://127.0.0.1:6379/2",
    }
    read_back = (
        "import json, django; django.setup(); from django.conf import settings; "
        "from django.core import checks; "
        "print(json.dumps({'apps': settings.INSTALLED_APPS, 'rq': sorted(settings.RQ_QUEUES), "
        "'tasks': settings.TASKS['default']['QUEUES'], "
        "'errors': [str(e) for e in checks.run_checks() if e.level >= checks.ERROR]}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", read_back], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert {"django_rq", "django_tasks_rq"} <= set(values["apps"])
    assert values["rq"] == sorted(values["tasks"])
    assert values["errors"] == []


@pytest.mark.django_db
def test_the_scheduled_task_leaves_an_issue_that_lost_its_stories_for_an_editor(make, mailoutbox):
    from newsletter.tasks import send_issue_task

    make.subscribers(1)
    issue = make.issue(status="scheduled", scheduled_at=timezone.now() - timedelta(minutes=1))
    issue.items.all().delete()
    result = send_issue_task.enqueue(issue.pk)
    assert result.return_value == 0
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SCHEDULED
    assert not mailoutbox
