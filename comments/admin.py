"""Comments as a moderation queue: pending first, the reason each was held in plain view."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from newsroom.cache import purge_comments

from . import desk
from .models import BlockedTerm, Comment, ModerationLogEntry
from .notifications import approve_and_notify

QUEUE_PER_PAGE = 20

# The queue's buttons: (verdict or desk action, label, keyboard shortcut, permission needed)
QUEUE_BUTTONS = [
    ("approve", "Approve", "a", "change"),
    ("spam", "Spam", "s", "change"),
    ("reject", "Reject", "r", "change"),
    ("delete", "Delete", "d", "delete"),
]
QUEUE_ACTION_PERMISSIONS = {
    **{name: permission for name, _, _, permission in QUEUE_BUTTONS},
    "block_email": "add_blockedterm",
    "block_ip": "add_blockedterm",
    "reply": "change",
}


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
    change_list_template = "admin/comments/comment/change_list.html"
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
        count = desk.judge(request.user, "approve", queryset)
        self.message_user(request, f"Approved {count} comment(s); they are on the site now.")

    @admin.action(description="Reject selected comments", permissions=["change"])
    def reject(self, request, queryset):
        count = desk.judge(request.user, "reject", queryset)
        self.message_user(
            request, f"Rejected {count} comment(s); they are hidden.", messages.WARNING
        )

    @admin.action(description="Mark selected comments as spam", permissions=["change"])
    def mark_spam(self, request, queryset):
        count = desk.judge(request.user, "spam", queryset)
        self.message_user(
            request, f"Marked {count} comment(s) as spam; they are hidden.", messages.WARNING
        )

    def save_model(self, request, obj, form, change):
        if change and form.changed_data:
            status_change = "status" in form.changed_data
            edited = [name for name in form.changed_data if name != "status"]
            if edited:
                before = {
                    name: form.initial.get(name, "") or "" for name in ("name", "email", "body")
                }
                desk.record_edit(request.user, obj, edited, before)
            if status_change:
                verdict = {
                    Comment.Status.APPROVED: ModerationLogEntry.Action.APPROVED,
                    Comment.Status.SPAM: ModerationLogEntry.Action.SPAM,
                    Comment.Status.REJECTED: ModerationLogEntry.Action.REJECTED,
                }.get(obj.status)
                if verdict:
                    ModerationLogEntry.objects.record(request.user, verdict, [obj])
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
        desk.judge(request.user, "delete", Comment.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        desk.judge(request.user, "delete", queryset)

    # The moderation queue: one card per waiting comment, a button per verdict. ---------------

    def get_urls(self):
        return [
            path(
                "queue/",
                self.admin_site.admin_view(self.queue_view),
                name="comments_comment_queue",
            ),
            path(
                "queue/<int:pk>/",
                self.admin_site.admin_view(self.queue_action_view),
                name="comments_comment_queue_action",
            ),
            *super().get_urls(),
        ]

    def _may(self, request, permission):
        if permission == "add_blockedterm":
            return request.user.has_perm("comments.add_blockedterm")
        if permission == "delete":
            return self.has_delete_permission(request)
        return self.has_change_permission(request)

    def queue_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        pending = (
            Comment.objects.pending()
            .select_related("article", "parent__parent")
            .order_by("created_at", "pk")
        )
        page = Paginator(pending, QUEUE_PER_PAGE).get_page(request.GET.get("page"))
        cards = list(page.object_list)
        history = desk.history_of(comment.email for comment in cards)
        places = desk.places_of(cards)
        for comment in cards:
            comment.history = history.get(comment.email.strip().lower())
            comment.place_url = places[comment.pk]
            comment.ip_range = desk.ip_range_of(comment.ip_address)
        buttons = [
            (name, label, key)
            for name, label, key, permission in QUEUE_BUTTONS
            if self._may(request, permission)
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Moderation queue",
            "page": page,
            "cards": cards,
            "buttons": buttons,
            "may_block": self._may(request, "add_blockedterm"),
            "site_name": settings.SITE_NAME,
            "changelist_url": reverse("admin:comments_comment_changelist"),
        }
        return TemplateResponse(request, "admin/comments/comment/queue.html", context)

    def queue_action_view(self, request, pk):
        """One button of one card: do it, log it, and go back to the queue at the next card."""
        if not self.has_change_permission(request):
            raise PermissionDenied  # before anything else: no answer differs for outsiders
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        action = request.POST.get("action", "")
        permission = QUEUE_ACTION_PERMISSIONS.get(action)
        if permission is None:
            self.message_user(request, "Unknown action: nothing was done.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:comments_comment_queue"))
        if not self._may(request, permission):
            raise PermissionDenied
        comment = Comment.objects.select_related("article").filter(pk=pk).first()
        if comment is None or comment.status == Comment.Status.REMOVED:
            self.message_user(
                request, "That comment no longer exists: nothing was done.", messages.WARNING
            )
            return self._back_to_queue(None)
        position = (comment.created_at, comment.pk)
        excerpt = f"\u201c{Truncator(comment.body).chars(40)}\u201d by {comment.name}"
        try:
            if action in desk.VERDICTS:
                if comment.status != Comment.Status.PENDING:
                    # Someone else got there first: their verdict stands, not silently replaced.
                    raise desk.CannotDo(
                        f"{excerpt} is no longer waiting (it is {comment.get_status_display()}"
                        ", perhaps by another moderator): nothing was changed."
                    )
                desk.judge(request.user, action, Comment.objects.filter(pk=pk))
                done = {
                    "approve": "Approved",
                    "spam": "Marked as spam:",
                    "reject": "Rejected",
                    "delete": "Deleted",
                }[action]
                self.message_user(request, f"{done} {excerpt}.")
            elif action == "reply":
                desk.reply_as_site(request.user, comment, request.POST.get("body", ""))
                self.message_user(request, f"Replied to {excerpt} as {settings.SITE_NAME}.")
            else:
                kind = BlockedTerm.Kind.EMAIL if action == "block_email" else "ip_range"
                term, created = desk.block(request.user, comment, kind)
                self.message_user(
                    request,
                    f"Blocked {term.value}: later comments from it go to spam."
                    if created
                    else f"{term.value} was already blocked.",
                )
        except desk.CannotDo as error:
            self.message_user(request, str(error), messages.ERROR)
            return self._back_to_queue(position, stay=True)
        return self._back_to_queue(position, stay=action not in desk.VERDICTS)

    def _back_to_queue(self, position, stay=False):
        """The queue at the card that now takes the acted-on card's place (or that card itself,
        when it is still waiting), on whichever page it is now."""
        url = reverse("admin:comments_comment_queue")
        if position is None:
            return HttpResponseRedirect(url)
        created_at, pk = position
        pending = Comment.objects.pending()
        after = Q(created_at__gt=created_at) | Q(created_at=created_at, pk__gt=pk)
        if stay:
            after |= Q(pk=pk)
        target = pending.filter(after).order_by("created_at", "pk").first()
        if target is None:
            target = pending.order_by("-created_at", "-pk").first()
        if target is None:
            return HttpResponseRedirect(url)
        before = pending.filter(
            Q(created_at__lt=target.created_at) | Q(created_at=target.created_at, pk__lt=target.pk)
        ).count()
        page = before // QUEUE_PER_PAGE + 1
        query = f"?page={page}" if page > 1 else ""
        return HttpResponseRedirect(f"{url}{query}#card-{target.pk}")


@admin.register(BlockedTerm)
class BlockedTermAdmin(admin.ModelAdmin):
    list_display = ["value", "kind", "note", "created_at"]
    list_filter = ["kind"]
    search_fields = ["value", "note"]


@admin.register(ModerationLogEntry)
class ModerationLogEntryAdmin(admin.ModelAdmin):
    """Read-only: the desk writes it, and it outlives the comments it names."""

    list_display = [
        "created_at",
        "moderator_name",
        "action",
        "comment_link",
        "commenter_name",
        "excerpt",
        "detail",
    ]
    list_filter = ["action", "moderator_name", "created_at"]
    search_fields = ["text", "commenter_name", "commenter_email", "moderator_name", "detail"]
    date_hierarchy = "created_at"
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="comment")
    def excerpt(self, obj):
        return Truncator(obj.text).chars(80)

    @admin.display(description="comment ID", ordering="comment_number")
    def comment_link(self, obj):
        if obj.comment_id:
            url = reverse("admin:comments_comment_change", args=[obj.comment_id])
            return format_html('<a href="{}">{}</a>', url, obj.comment_number)
        return f"{obj.comment_number} (deleted)" if obj.comment_number else "-"
