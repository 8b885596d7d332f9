"""Background work for the newsletter, run by whichever ``django.tasks`` backend is configured."""

import logging

from django.tasks import task
from django.utils import timezone

from .emails import confirmation_message
from .models import Issue, Subscriber
from .sending import send_issue

logger = logging.getLogger(__name__)


@task
def send_confirmation(subscriber_id):
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or subscriber.status == Subscriber.Status.CONFIRMED:
        return 0
    return confirmation_message(subscriber).send()


@task
def send_issue_task(issue_id):
    """Send (or resume) an issue; several of these may run at once on different workers."""
    issue = Issue.objects.filter(pk=issue_id).first()
    if issue is None or issue.status == Issue.Status.DRAFT:
        return 0
    if issue.status == Issue.Status.SCHEDULED:
        if not Issue.objects.due().filter(pk=issue.pk):
            return 0  # enqueued for a time since changed: the task for the new time sends it
        try:
            issue.send(enqueue=False)  # this task is the worker
        except Issue.CannotSend as error:
            logger.warning("Scheduled newsletter %s not sent: %s", issue.pk, error)
            return 0
    issue = send_issue(issue_id)
    return issue.progress()["sent"]


def schedule_issue(issue):
    """Enqueue the send for the issue's scheduled time. A task for a time since changed finds the
    issue not due and does nothing; the one enqueued by the change sends it."""
    if issue.scheduled_at is None:
        return None
    if send_issue_task.get_backend().supports_defer:
        return send_issue_task.using(run_after=issue.scheduled_at).enqueue(issue.pk)
    if issue.scheduled_at <= timezone.now():
        return send_issue_task.enqueue(issue.pk)
    return None


def send_due_issues():
    """The sweep's job: send every scheduled issue whose time has come, whether or not the task
    enqueued for that time still exists. Starting a send twice is harmless (the engine claims
    each delivery once), so a late task and the sweep may both."""
    started = 0
    for issue in Issue.objects.due():
        try:
            issue.send()
        except Issue.CannotSend as error:
            logger.warning("Scheduled newsletter %s not sent: %s", issue.pk, error)
        else:
            started += 1
    return started
