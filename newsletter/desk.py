"""The newsletter desk: the issue's own pages in the admin beyond its form.

The preview (with the admin's header, the email in a sandboxed frame), "Send a test to me", the
"Send…" confirmation (nothing goes to the list until an editor confirms there, having seen the
subject, the stories and how many people it goes to), and, while it sends, progress as JSON for
the issue's page with Pause. ``IssueAdmin`` mixes this in; the sending itself is the model's
(``Issue.send()``, ``Issue.pause()``) and the engine's (``sending.send_test``).
"""

import smtplib

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.clickjacking import xframe_options_sameorigin

from .emails import RenderedIssue
from .models import Issue, Subscriber
from .sending import send_test


def email_preview_response(html):
    """The email as mail clients get it (inline styles), sandboxed by its own policy; only our
    own preview page may frame it."""
    response = HttpResponse(html)
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src * data:; style-src 'unsafe-inline'; sandbox; "
        "frame-ancestors 'self'"
    )
    return response


def _seconds(delta):
    return None if delta is None else int(delta.total_seconds())


class IssueDesk:
    """Views and URLs for ``IssueAdmin`` (a ``ModelAdmin``)."""

    def desk_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/preview/", view(self.preview_view), name="newsletter_issue_preview"),
            path(
                "<int:pk>/preview/email/",
                view(xframe_options_sameorigin(self.preview_email_view)),
                name="newsletter_issue_preview_email",
            ),
            path("<int:pk>/send/", view(self.send_view), name="newsletter_issue_send"),
            path("<int:pk>/send-test/", view(self.send_test_view), name="newsletter_issue_test"),
            path("<int:pk>/pause/", view(self.pause_view), name="newsletter_issue_pause"),
            path("<int:pk>/progress/", view(self.progress_view), name="newsletter_issue_progress"),
        ]

    def _issue(self, request, pk, permission="view"):
        issue = get_object_or_404(Issue, pk=pk)
        allowed = (
            self.has_change_permission(request, issue)
            if permission == "change"
            else self.has_view_permission(request, issue)
        )
        if not allowed:
            raise PermissionDenied
        return issue

    def _context(self, request, issue, title):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": issue,
            "issue": issue,
            "title": title,
            "has_change_permission": self.has_change_permission(request, issue),
            "change_url": reverse("admin:newsletter_issue_change", args=[issue.pk]),
        }

    def preview_view(self, request, pk):
        issue = self._issue(request, pk)
        context = self._context(request, issue, f"Preview: {issue.subject}")
        context["email_url"] = reverse("admin:newsletter_issue_preview_email", args=[issue.pk])
        context["next"] = request.get_full_path()
        return TemplateResponse(request, "admin/newsletter/issue/preview.html", context)

    def preview_email_view(self, request, pk):
        issue = self._issue(request, pk)
        sample = Subscriber(pk=0, email=request.user.email or "reader@example.com", name="")
        return email_preview_response(RenderedIssue(issue).preview_html(sample))

    def _back(self, request, issue):
        """Where a button on the issue's page or its preview came from."""
        target = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return redirect(target)
        return redirect("admin:newsletter_issue_change", issue.pk)

    def send_test_view(self, request, pk):
        """The "Send a test to me" button: one copy to the editor's own address."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        issue = self._issue(request, pk)
        self.send_tests(request, [issue])
        return self._back(request, issue)

    def send_tests(self, request, issues):
        if not request.user.email:
            self.message_user(
                request, "Your account has no email address: add one first.", messages.ERROR
            )
            return
        sent = 0
        for issue in issues:
            try:
                send_test(issue, request.user.email)
            except (smtplib.SMTPException, OSError) as error:
                self.message_user(
                    request,
                    f"Could not send the test of “{issue}”: the mail server said {error}",
                    messages.ERROR,
                )
            else:
                sent += 1
        if sent:
            self.message_user(request, f"Sent {sent} test email(s) to {request.user.email}.")

    def send_view(self, request, pk):
        """ "Send…": GET shows what will go to whom; only the POST of its button sends."""
        issue = self._issue(request, pk, permission="change")
        if request.method == "POST" and request.POST.get("confirm") == issue.confirmation_key():
            try:
                issue.send()
            except Issue.CannotSend as error:
                self.message_user(request, f"{error} Not sent.", messages.ERROR)
            else:
                self.message_user(
                    request, f"Sending “{issue}”; its progress shows below.", messages.SUCCESS
                )
            return redirect("admin:newsletter_issue_change", issue.pk)
        status = 200
        if request.method == "POST":
            # An old page (the issue changed since) or a post without the button: say so.
            status = 409
            self.message_user(
                request,
                "The issue changed since this page was shown (or the post did not come from "
                "its button): check it again below. Nothing was sent.",
                messages.WARNING,
            )
        context = self._context(request, issue, f"Send “{issue.subject}”?")
        context.update(
            stories=issue.ordered_articles(),
            recipients=issue.recipient_count(),
            confirmation_key=issue.confirmation_key(),
            cannot_send=issue.cannot_send_reason(),
            now=timezone.now(),
        )
        return TemplateResponse(
            request, "admin/newsletter/issue/send_confirm.html", context, status=status
        )

    def pause_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        issue = self._issue(request, pk, permission="change")
        if issue.pause(f"Paused by {request.user.get_username()}."):
            self.message_user(request, "Paused: nothing more goes out until you resume.")
        else:
            self.message_user(request, "The issue is not sending: nothing to pause.", messages.INFO)
        return redirect("admin:newsletter_issue_change", issue.pk)

    def progress_view(self, request, pk):
        """What the issue's page polls while it sends."""
        issue = self._issue(request, pk)
        progress = issue.progress()
        return JsonResponse(
            {
                "status": issue.status,
                "status_display": issue.get_status_display(),
                "pause_reason": issue.pause_reason,
                "total": progress["total"],
                "sent": progress["sent"],
                "remaining": progress["remaining"],
                "failed": progress["failed"],
                "skipped": progress["skipped"],
                "eta_seconds": _seconds(progress["eta"]),
                "eta": str(progress["eta"]) if progress["eta"] is not None else "",
            },
            headers={"Cache-Control": "no-store"},
        )
