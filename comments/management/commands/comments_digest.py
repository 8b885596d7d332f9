from django.core.management.base import BaseCommand

from comments.tasks import send_moderation_digest


class Command(BaseCommand):
    help = "Email moderators a digest of the comments awaiting moderation (run it from cron)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="Queue the task for the worker instead."
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            send_moderation_digest.enqueue()
            self.stdout.write("Digest queued.")
            return
        sent = send_moderation_digest.call()
        self.stdout.write("Digest sent." if sent else "Nothing to send: no pending comments.")
