"""``manage.py sweep``: the periodic safety net for scheduled work (see ``articles.tasks``)."""

import time

from django.core.management.base import BaseCommand

from articles.tasks import run_sweep, sweep


class Command(BaseCommand):
    help = (
        "Do now whatever is due (scheduled stories going live, expiries, ended lead pins, "
        "scheduled newsletters: every job in SWEEP_JOBS). Once by default; --every 60 keeps "
        "running, a round a minute, as `make run` and `make worker` do. --enqueue hands each "
        "round to the task workers instead (cron or RQ deployments)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=float, default=0, help="Seconds between rounds; 0 runs one round."
        )
        parser.add_argument(
            "--enqueue", action="store_true", help="Enqueue the sweep task instead of running it."
        )

    def handle(self, every, enqueue, **options):
        while True:
            started = time.monotonic()
            if enqueue:
                sweep.enqueue()
            else:
                for job, result in run_sweep().items():
                    if options["verbosity"] > 1 or result:
                        self.stdout.write(f"{job}: {result}")
            if not every:
                return
            time.sleep(max(0.0, every - (time.monotonic() - started)))
