"""Comments as a moderation queue: pending first, the reason each was held in plain view."""

from django.contrib import admin, messages
from django.db.models import Case, IntegerField, Value, When
from django.utils.text import Truncator

from newsroom.cache import purge_comments

from .models import BlockedTerm, Comment
from .notifications import approve_and_notify


class HeldReasonFilter(admin.SimpleListFilter):
    title = "reason held"
    parameter_name = "reason"
    # What the rules write into ``held_reasons``; the filter matches on these words.
    REASONS = {
        "links": ("Too many links", "links"),
        "honeypot": ("Honeypot", "honeypot"),
        "blocklist": ("Blocklist", "blocklist"),
        "fast": ("Posted too fast", "too fast"),
        "timestamp": ("No form timestamp", "timestamp"),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.REASONS.items()] + [("none", "Not held")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "none":
            return queryset.filter(held_reasons="")
        if value in self.REASONS:
            return queryset.filter(held_reasons__icontains=self.REASONS[value][1])
        return queryset


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["excerpt", "name", "email", "article", "status", "held_reasons", "created_at"]
    list_display_links = ["excerpt"]
    # Only articles that have comments: the full list would be long and name unpublished drafts.
    list_filter = ["status", HeldReasonFilter, ("article", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "email", "body"]
    list_select_related = ["article"]
    list_per_page = 50
    date_hierarchy = "created_at"
    actions = ["approve", "reject", "mark_spam", "delete_selected"]
    readonly_fields = [
        "article",
        "parent",
        "held_reasons",
        "ip_address",
        "user_agent",
        "created_at",
        "approved_at",
    ]
    fields = [
        "article",
        "parent",
        "name",
        "email",
        "website",
        "body",
        "status",
        "held_reasons",
        "notify_replies",
        "ip_address",
        "user_agent",
        "created_at",
        "approved_at",
    ]

    def get_ordering(self, request):
        pending_first = Case(
            When(status=Comment.Status.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return [pending_first.asc(), "-created_at"]

    def has_add_permission(self, request):
        return False  # comments come from readers

    @admin.display(description="comment")
    def excerpt(self, obj):
        # Plain text: the admin escapes it, so markup a reader typed is shown, never run.
        return Truncator(obj.body).chars(80)

    @admin.action(description="Approve selected comments", permissions=["change"])
    def approve(self, request, queryset):
        count = approve_and_notify(queryset)
        self.message_user(request, f"Approved {count} comment(s); they are on the site now.")

    @admin.action(description="Reject selected comments", permissions=["change"])
    def reject(self, request, queryset):
        count = queryset.reject()
        self.message_user(
            request, f"Rejected {count} comment(s); they are hidden.", messages.WARNING
        )

    @admin.action(description="Mark selected comments as spam", permissions=["change"])
    def mark_spam(self, request, queryset):
        count = queryset.mark_spam()
        self.message_user(
            request, f"Marked {count} comment(s) as spam; they are hidden.", messages.WARNING
        )

    def save_model(self, request, obj, form, change):
        approving = "status" in form.changed_data and obj.status == Comment.Status.APPROVED
        if approving:
            # Saved as it was, then approved through the one path that notifies repliers.
            obj.status = form.initial.get("status", Comment.Status.PENDING)
        elif "status" in form.changed_data:
            obj.approved_at = None
        was_public = form.initial.get("status") == Comment.Status.APPROVED
        super().save_model(request, obj, form, change)
        if approving:
            approve_and_notify(Comment.objects.filter(pk=obj.pk))
            obj.refresh_from_db(fields=["status", "approved_at"])
        elif was_public and form.changed_data:
            purge_comments(obj.article)  # edited on the page, or taken off it

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "status":
            # "Removed" is what deleting a comment with replies leaves, not a verdict to pick.
            kwargs["choices"] = [
                choice for choice in Comment.Status.choices if choice[0] != Comment.Status.REMOVED
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def get_queryset(self, request):
        # A removed comment is an empty placeholder for its replies: nothing to moderate.
        return super().get_queryset(request).exclude(status=Comment.Status.REMOVED)

    def get_deleted_objects(self, objs, request):
        """What the delete page lists: the comments alone. Their replies are kept
        (``CommentQuerySet.remove()``), so nothing else goes and nothing blocks it."""
        objs = list(objs)
        with_replies = set(
            Comment.objects.filter(parent__in=objs).values_list("parent_id", flat=True)
        )
        listed = [
            f"{obj}: \u201c{Truncator(obj.body).chars(60)}\u201d"
            + (
                " (its replies stay, under \u201cThis comment was removed\u201d)"
                if obj.pk in with_replies
                else ""
            )
            for obj in objs
        ]
        perms_needed = set() if self.has_delete_permission(request) else {"comment"}
        return listed, {Comment._meta.verbose_name_plural: len(objs)}, perms_needed, []

    def delete_model(self, request, obj):
        Comment.objects.filter(pk=obj.pk).remove()

    def delete_queryset(self, request, queryset):
        queryset.remove()


@admin.register(BlockedTerm)
class BlockedTermAdmin(admin.ModelAdmin):
    list_display = ["value", "kind", "note", "created_at"]
    list_filter = ["kind"]
    search_fields = ["value", "note"]
