import json

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from .desk import IssueDesk
from .models import Delivery, Issue, IssueArticle, Subscriber


class SubscriberForm(forms.ModelForm):
    class Meta:
        model = Subscriber
        fields = ["email", "name", "status"]

    def clean_status(self):
        status = self.cleaned_data["status"]
        if status not in (self.instance.status, Subscriber.Status.UNSUBSCRIBED):
            # Only the reader's own click on the confirmation link is consent (double opt-in).
            raise forms.ValidationError(
                "Readers confirm their subscription themselves; you can only unsubscribe them."
            )
        return status


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    form = SubscriberForm
    list_display = ["email", "name", "status", "created_at", "confirmed_at"]
    list_filter = ["status"]
    search_fields = ["email", "name"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "consent_at",
        "consent_source",
        "consent_text",
        "consent_ip",
        "confirmation_sent_at",
        "confirmed_at",
        "unsubscribed_at",
        "bounced_at",
        "last_bounce",
        "created_at",
    ]
    actions = ["export_data", "erase"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # The consent is this address's: a new address needs its own sign-up and consent.
            readonly.insert(0, "email")
        return readonly

    def save_model(self, request, obj, form, change):
        if "status" in form.changed_data and obj.status == Subscriber.Status.UNSUBSCRIBED:
            obj.unsubscribed_at = timezone.now()
        super().save_model(request, obj, form, change)

    @admin.action(description="Export the selected subscribers' data (JSON)", permissions=["view"])
    def export_data(self, request, queryset):
        data = [subscriber.export_data() for subscriber in queryset.order_by("pk")]
        payload = data[0] if len(data) == 1 else data
        response = HttpResponse(
            json.dumps(payload, indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        name = "subscriber-data.json" if len(data) != 1 else f"subscriber-{data[0]['email']}.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @admin.action(
        description="Erase the selected subscribers and all their data", permissions=["delete"]
    )
    def erase(self, request, queryset):
        count = queryset.erase()
        self.message_user(request, f"Erased {count} subscriber(s) and their delivery records.")


class IssueArticleFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        # ``instance`` already carries the status chosen in this same post.
        if self.instance.status != Issue.Status.SCHEDULED:
            return
        stories = [
            form
            for form in self.forms
            if form.cleaned_data.get("article") and not form.cleaned_data.get("DELETE")
        ]
        if not stories:
            raise forms.ValidationError("Add at least one story before scheduling the issue.")


class IssueArticleInline(admin.TabularInline):
    model = IssueArticle
    formset = IssueArticleFormSet
    extra = 1
    autocomplete_fields = ["article"]
    fields = ["position", "article"]

    # Once sending starts the stories are what readers got (and what the archive shows).
    def _is_open(self, obj):
        return obj is None or obj.status in (Issue.Status.DRAFT, Issue.Status.SCHEDULED)

    def has_add_permission(self, request, obj):
        return self._is_open(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._is_open(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._is_open(obj) and super().has_delete_permission(request, obj)


class IssueForm(forms.ModelForm):
    class Meta:
        model = Issue
        fields = ["subject", "intro", "status", "scheduled_at"]

    def clean_status(self):
        status = self.cleaned_data["status"]
        if status not in (Issue.Status.DRAFT, Issue.Status.SCHEDULED) and (
            self.instance.status != status
        ):
            raise forms.ValidationError(
                "Choose Draft or Scheduled; use the “Send” action to send now."
            )
        return status

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Issue.Status.SCHEDULED and not cleaned.get("scheduled_at"):
            self.add_error("scheduled_at", "Give the time a scheduled issue goes out.")
        return cleaned


class BestOfForm(forms.Form):
    days = forms.IntegerField(
        label="Stories from the last N days", min_value=1, max_value=365, initial=7
    )
    limit = forms.IntegerField(label="At most", min_value=1, max_value=30, initial=8)
    subject = forms.CharField(max_length=200, required=False, help_text="Optional.")

    def clean(self):
        cleaned = super().clean()
        days = cleaned.get("days")
        # An empty draft helps no one: say so, and create nothing.
        if days and not Issue.best_stories(days, limit=1).exists():
            self.add_error(
                "days", f"No story was published in the last {days} days; choose more days."
            )
        return cleaned


@admin.register(Issue)
class IssueAdmin(IssueDesk, admin.ModelAdmin):
    form = IssueForm
    list_display = ["subject", "status_summary", "scheduled_at", "sent_at", "progress_summary"]
    list_filter = ["status"]
    search_fields = ["subject", "intro"]
    inlines = [IssueArticleInline]
    readonly_fields = [
        "progress_summary",
        "preview_link",
        "sending_started_at",
        "sent_at",
        "paused_at",
        "pause_reason",
    ]
    fields = [
        "subject",
        "intro",
        "status",
        "scheduled_at",
        "preview_link",
        "progress_summary",
        "sending_started_at",
        "sent_at",
    ]
    actions = ["send_test_to_me", "send_now", "resume_sending"]
    change_list_template = "admin/newsletter/issue/change_list.html"
    change_form_template = "admin/newsletter/issue/change_form.html"

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj and obj.is_paused:
            fields += ["paused_at", "pause_reason"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj and obj.status not in (Issue.Status.DRAFT, Issue.Status.SCHEDULED):
            readonly += ["subject", "intro", "status", "scheduled_at"]
        return readonly

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.status == Issue.Status.SCHEDULED:
            obj.schedule()

    def get_urls(self):
        return [
            path(
                "create-from-best/",
                self.admin_site.admin_view(self.create_from_best_view),
                name="newsletter_issue_create_from_best",
            ),
            path(
                "<int:pk>/resume/",
                self.admin_site.admin_view(self.resume_view),
                name="newsletter_issue_resume",
            ),
            *self.desk_urls(),
            *super().get_urls(),
        ]

    @admin.display(description="Status", ordering="status")
    def status_summary(self, obj):
        if obj.is_paused:
            return f"{obj.get_status_display()}: {obj.pause_reason}"
        return obj.get_status_display()

    @admin.display(description="Progress")
    def progress_summary(self, obj):
        if obj.pk is None:
            return "-"
        p = obj.progress()
        if not p["total"]:
            return "Not started"
        text = f"{p['sent']} sent / {p['remaining']} remaining / {p['failed']} failed"
        if p["skipped"]:
            text += f" / {p['skipped']} skipped"
        if p["eta"] is not None:
            text += f" · ETA {p['eta']}"
        return text

    @admin.display(description="Preview")
    def preview_link(self, obj):
        if obj.pk is None:
            return "Save the issue first."
        url = reverse("admin:newsletter_issue_preview", args=[obj.pk])
        return format_html('<a href="{}">Preview the email</a>', url)

    def view_on_site(self, obj):
        """A sent issue is in the public archive; any other opens the staff preview."""
        if obj.status == Issue.Status.SENT:
            return obj.get_absolute_url()
        return reverse("admin:newsletter_issue_preview", args=[obj.pk])

    def resume_view(self, request, pk):
        """The "Resume sending" button on a paused issue's page (a POST, like the action)."""
        issue = get_object_or_404(Issue, pk=pk)
        if request.method != "POST" or not self.has_change_permission(request, issue):
            return HttpResponse(status=405 if request.method != "POST" else 403)
        self.resume_sending(request, Issue.objects.filter(pk=issue.pk))
        return redirect("admin:newsletter_issue_change", issue.pk)

    def create_from_best_view(self, request):
        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        form = BestOfForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            issue = Issue.create_from_best(
                form.cleaned_data["days"],
                subject=form.cleaned_data["subject"],
                limit=form.cleaned_data["limit"],
            )
            count = issue.items.count()
            self.message_user(request, f"Created a draft with {count} stories. Edit it below.")
            return redirect("admin:newsletter_issue_change", issue.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": "Create an issue from the best recent stories",
        }
        return TemplateResponse(
            request,
            "admin/newsletter/issue/create_from_best.html",
            context,
            status=400 if form.errors else 200,
        )

    @admin.action(description="Send a test of the selected issue to me")
    def send_test_to_me(self, request, queryset):
        self.send_tests(request, queryset)

    @admin.action(
        description="Send the selected issue to all confirmed subscribers…", permissions=["change"]
    )
    def send_now(self, request, queryset):
        """Opens the issue's "Send…" page: only confirming there sends."""
        issues = list(queryset[:2])
        if len(issues) != 1:
            self.message_user(
                request,
                "Choose one issue: each is sent from its own confirmation page.",
                messages.ERROR,
            )
            return None
        return redirect("admin:newsletter_issue_send", issues[0].pk)

    @admin.action(description="Resume sending the selected paused issues", permissions=["change"])
    def resume_sending(self, request, queryset):
        resumed = 0
        for issue in queryset:
            if not issue.is_paused:
                self.message_user(request, f"“{issue}” is not paused.", messages.WARNING)
                continue
            try:
                issue.send()
            except Issue.CannotSend as error:
                self.message_user(request, f"{error} Not resumed.", messages.ERROR)
            else:
                resumed += 1
        if resumed:
            self.message_user(
                request,
                f"Resumed {resumed} issue(s) where they stopped; progress shows in the list.",
            )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Read-only: what happened to each recipient of each issue (the sending engine writes)."""

    list_display = ["issue", "subscriber", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "issue"]
    search_fields = ["subscriber__email"]
    list_select_related = ["issue", "subscriber"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
