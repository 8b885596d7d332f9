"""Background work for the newsletter, run by whichever ``django.tasks`` backend is configured."""

from django.tasks import task
from django.utils import timezone

from .emails import confirmation_message
from .models import Issue, Subscriber
from .sending import send_issue


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
    if issue.status == Issue.Status.SCHEDULED and not Issue.objects.due().filter(pk=issue.pk):
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
    """The sweep's job: start every scheduled issue whose time has come. Enqueueing a send twice
    is harmless (the engine claims each delivery once), so a late task and the sweep may both."""
    due = list(Issue.objects.due().values_list("pk", flat=True))
    for pk in due:
        send_issue_task.enqueue(pk)
    return len(due)
