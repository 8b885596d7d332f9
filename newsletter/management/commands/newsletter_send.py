from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from newsletter.models import Issue
from newsletter.sending import send_issue


class Command(BaseCommand):
    help = (
        "Send (or resume: after a crash, or a pause for a mail server's refusal) an issue "
        "in the foreground, with a progress bar. Uses the same code path as the background "
        "workers, and can run beside them."
    )

    def add_arguments(self, parser):
        parser.add_argument("issue_id", type=int)
        parser.add_argument("--batch-size", type=int, default=None)
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, issue_id, batch_size, no_progress, **options):
        issue = Issue.objects.filter(pk=issue_id).first()
        if issue is None:
            raise CommandError(f"There is no issue {issue_id}.")
        if issue.status == Issue.Status.SENT:
            self.stdout.write(f"Issue {issue_id} was already sent.")
            return
        try:
            issue.send(enqueue=False)  # this process is the worker
        except Issue.CannotSend as error:
            raise CommandError(f"Issue {issue_id}: {error}") from error
        progress = issue.progress()
        bar = tqdm(
            total=progress["total"],
            initial=progress["total"] - progress["remaining"],
            unit="mail",
            disable=no_progress,
            file=self.stderr._out,
        )
        counts = {"sent": 0, "failed": 0, "skipped": 0, "retry": 0}

        def on_progress(outcome):
            counts[outcome] += 1
            if outcome != "retry":
                bar.update(1)

        with bar:
            issue = send_issue(issue_id, batch_size=batch_size, on_progress=on_progress)
        final = issue.progress()
        self.stdout.write(
            f"Issue {issue_id} {issue.get_status_display().lower()}: {final['sent']} sent, "
            f"{final['failed']} failed, {final['skipped']} skipped."
        )
        if issue.is_paused:
            self.stdout.write(
                f"{issue.pause_reason}\nNo subscriber was marked bounced for it. Deal with the "
                f"cause, then run this command again to go on where it stopped."
            )
