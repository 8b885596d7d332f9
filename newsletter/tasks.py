"""Background work for the newsletter, run by whichever ``django.tasks`` backend is configured."""

from django.tasks import task

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
