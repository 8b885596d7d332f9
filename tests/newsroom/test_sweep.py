"""The periodic sweep runs each job in SWEEP_JOBS; one failing job does not stop the others."""

import pytest
from django.core.management import call_command

from articles.tasks import run_sweep

CALLS = []


def job_ok():
    CALLS.append("ok")
    return 1


def job_broken():
    raise RuntimeError("boom")


def test_every_job_runs_even_when_one_fails(settings):
    CALLS.clear()
    settings.SWEEP_JOBS = [f"{__name__}.job_broken", f"{__name__}.job_ok"]
    results = run_sweep()
    assert CALLS == ["ok"]
    assert results == {f"{__name__}.job_broken": "failed", f"{__name__}.job_ok": 1}


def test_the_command_runs_one_round(settings, capsys):
    CALLS.clear()
    settings.SWEEP_JOBS = [f"{__name__}.job_ok"]
    call_command("sweep")
    assert CALLS == ["ok"]


@pytest.mark.django_db
def test_the_command_with_enqueue_hands_the_round_to_the_task_queue(settings):
    from django_tasks_db.models import DBTaskResult

    CALLS.clear()
    settings.SWEEP_JOBS = [f"{__name__}.job_ok"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    call_command("sweep", "--enqueue")
    assert CALLS == []  # not run here: a worker will
    assert list(DBTaskResult.objects.values_list("task_path", flat=True)) == [
        "articles.tasks.sweep"
    ]
