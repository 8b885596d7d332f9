from django.conf import settings
from django.core.management.base import BaseCommand

from comments.tasks import purge_ip_addresses


class Command(BaseCommand):
    help = "Clear commenters' IP addresses older than COMMENTS_IP_RETENTION_DAYS (run daily)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue", action="store_true", help="Queue the task for the worker instead."
        )

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            purge_ip_addresses.enqueue()
            self.stdout.write("IP purge queued.")
            return
        count = purge_ip_addresses.call()
        days = settings.COMMENTS_IP_RETENTION_DAYS
        self.stdout.write(f"Cleared the IP address of {count} comment(s) older than {days} days.")
