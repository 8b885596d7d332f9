"""The publishing workflow's half of the article admin, mixed into ``ArticleAdmin``.

On the change form: the state, shown prominently, and a button for exactly each move the person
may make (``Article.buttons_for``), with the time and note some moves need, and the history of
moves (``admin/articles/article/workflow_panel.html``, inside the form: a move also saves what was
typed, and a refused move saves nothing). Below the form, the shareable preview links. In the
list: a status filter with every state, a "goes live" column and the overdue warning. Its own
pages: the editorial calendar (``calendar.py``) and the preview-link and reschedule posts.

Every page here is behind ``admin_site.admin_view`` (anonymous people go to the login page) and
checks its own permission (staff without it get a 403).
"""

import datetime
import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from newsroom import cache as page_cache

from . import calendar
from .models import Article, PreviewLink, TransitionNotAllowed
from .models.workflow import BUTTONS_BY_VALUE, local_time
from .tasks import schedule_timed_work

PREVIEW_LINK_PERMISSION = "articles.add_previewlink"
REVOKE_PREVIEW_LINK_PERMISSION = "articles.change_previewlink"
PUBLISH_PERMISSION = "articles.publish_article"
VIEW_PERMISSION = "articles.view_article"


def require(request, permission):
    if not request.user.has_perm(permission):
        raise PermissionDenied


def require_post(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    return None


class WorkflowAdmin:
    change_form_template = "admin/articles/article/change_form.html"
    change_list_template = "admin/articles/article/change_list.html"

    # The form ------------------------------------------------------------------------------

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        article = obj or Article()
        may_change = (
            self.has_add_permission(request) if add else self.has_change_permission(request, obj)
        )
        context.update(
            workflow_buttons=article.buttons_for(request.user) if may_change else [],
            transitions=list(article.transitions.select_related("by")) if obj else [],
            preview_links=list(obj.preview_links.select_related("created_by", "revoked_by"))
            if obj and request.user.has_perm("articles.view_previewlink") and may_change
            else [],
            may_make_preview_links=bool(obj) and request.user.has_perm(PREVIEW_LINK_PERMISSION),
            may_revoke_preview_links=request.user.has_perm(REVOKE_PREVIEW_LINK_PERMISSION),
            default_preview_hours=_hours(),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        before = Article.objects.filter(pk=obj.pk).first() if change else None
        # The pages that showed the article before this change (its old section, slug, tags).
        obj.paths_before_change = page_cache.article_paths(before) if before else set()
        super().save_model(request, obj, form, change)
        redirect = obj.follow_slug_change(before) if before is not None else None
        if redirect:
            self.report_redirect(request, obj, redirect)

    def report_redirect(self, request, article, redirect):
        self.message_user(
            request,
            format_html(
                "The old address {} now redirects (301) to {}, so links to it keep working.",
                redirect.path,
                article.get_absolute_url(),
            ),
            messages.INFO,
        )

    def after_save(self, request, form):
        """After the article and its inlines are saved (its byline too, which says whose it
        is): the move a button asked for, the lead pin, and the go-live and expiry tasks."""
        article = form.instance
        if "is_pinned_lead" in form.changed_data and article.is_pinned_lead:
            article.pin_as_lead(article.lead_until)
        value = form.cleaned_data.get("transition")
        if value:
            self.make_move(request, article, value, form.cleaned_data)
        schedule_timed_work(article)

    def make_move(self, request, article, value, data):
        try:
            article.move(
                value,
                by=request.user,
                when=data.get("go_live_at"),
                note=data.get("transition_note", ""),
            )
        except (TransitionNotAllowed, ValidationError) as refusal:
            text = " ".join(getattr(refusal, "messages", None) or [str(refusal)])
            self.message_user(request, f"Saved, but not moved: {text}", messages.ERROR)
            return
        self.message_user(
            request, moved_message(article, BUTTONS_BY_VALUE[value]), messages.SUCCESS
        )

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        return self._back_after_move(request, obj, response)

    def response_change(self, request, obj):
        return self._back_after_move(request, obj, super().response_change(request, obj))

    def _back_after_move(self, request, obj, response):
        """After a move the editor stays on the article, to see its new state (the admin's
        own "saved" message is kept); popups and other answers are left as they are."""
        if request.POST.get("transition") and isinstance(response, HttpResponseRedirect):
            return HttpResponseRedirect(self._change_url(obj))
        return response

    def _change_url(self, obj):
        return reverse("admin:articles_article_change", args=[obj.pk])

    # The list ------------------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "overdue": list(Article.objects.overdue().viewable_by(request.user)[:20]),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    @staticmethod
    def goes_live(article):
        if article.goes_live_at is None:
            return "—"
        text = local_time(article.goes_live_at)
        if article.is_overdue:
            return format_html('<strong class="overdue">{} — overdue</strong>', text)
        return text

    # Pages of its own ----------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("calendar/", view(self.calendar_view), name="articles_article_calendar"),
            path(
                "<int:pk>/reschedule/",
                view(self.reschedule_view),
                name="articles_article_reschedule",
            ),
            path(
                "<int:pk>/preview-links/",
                view(self.create_preview_link_view),
                name="articles_article_preview_link_create",
            ),
            path(
                "<int:pk>/preview-links/<int:link_pk>/revoke/",
                view(self.revoke_preview_link_view),
                name="articles_article_preview_link_revoke",
            ),
            *super().get_urls(),
        ]

    def calendar_view(self, request):
        require(request, VIEW_PERMISSION)
        page = calendar.Page.from_query(request.GET, timezone.localdate())
        articles = Article.objects.viewable_by(request.user).on_calendar(page.first, page.last)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Editorial calendar: {page.title}",
            "page": page,
            "weeks": page.weeks(articles),
            "may_reschedule": request.user.has_perm(PUBLISH_PERMISSION),
            "states": Article.Status,
        }
        return TemplateResponse(request, "admin/articles/article/calendar.html", context)

    def reschedule_view(self, request, pk):
        """Move a scheduled story to another day, keeping its time of day (the calendar's drag
        and drop, and its plain form)."""
        refused = require_post(request)
        if refused:
            return refused
        require(request, PUBLISH_PERMISSION)
        article = get_object_or_404(Article.objects.viewable_by(request.user), pk=pk)
        back = calendar.back_url(request)
        try:
            day = datetime.date.fromisoformat(request.POST.get("day", ""))
        except ValueError:
            self.message_user(request, "Choose a day to move it to.", messages.ERROR)
            return HttpResponseRedirect(back)
        if article.status != Article.Status.SCHEDULED:
            self.message_user(
                request,
                f"“{article}” is {article.get_status_display()}, not scheduled: only scheduled "
                "stories move on the calendar.",
                messages.ERROR,
            )
            return HttpResponseRedirect(back)
        when = calendar.same_time_on(article.published_at, day)
        try:
            article.schedule(when, by=request.user)
        except (TransitionNotAllowed, ValidationError) as refusal:
            text = " ".join(getattr(refusal, "messages", None) or [str(refusal)])
            self.message_user(request, f"“{article}” was not moved: {text}", messages.ERROR)
            return HttpResponseRedirect(back)
        schedule_timed_work(article)
        self.message_user(
            request, f"“{article}” now goes live on {local_time(when)}.", messages.SUCCESS
        )
        return HttpResponseRedirect(back)

    def create_preview_link_view(self, request, pk):
        refused = require_post(request)
        if refused:
            return refused
        require(request, PREVIEW_LINK_PERMISSION)
        article = get_object_or_404(Article.objects.viewable_by(request.user), pk=pk)
        hours = _hours(request.POST.get("hours"))
        if hours is None:
            self.message_user(
                request,
                "The link was not made: give how many hours it works, a number from 1 to "
                f"{MAX_PREVIEW_HOURS}.",
                messages.ERROR,
            )
            return HttpResponseRedirect(self._change_url(article) + "#preview-links")
        link = PreviewLink.objects.create_for(
            article,
            by=request.user,
            hours=hours,
            follows_latest=request.POST.get("follows_latest") == "1",
        )
        self.message_user(
            request,
            format_html(
                "Preview link made, working until {}: {}",
                local_time(link.expires_at),
                request.build_absolute_uri(link.get_absolute_url()),
            ),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._change_url(article) + "#preview-links")

    def revoke_preview_link_view(self, request, pk, link_pk):
        refused = require_post(request)
        if refused:
            return refused
        require(request, REVOKE_PREVIEW_LINK_PERMISSION)
        article = get_object_or_404(Article.objects.viewable_by(request.user), pk=pk)
        link = get_object_or_404(article.preview_links, pk=link_pk)
        link.revoke(by=request.user)
        made = date_format(timezone.localtime(link.created_at), "j F Y, H:i")
        self.message_user(
            request, f"The preview link made on {made} no longer works.", messages.SUCCESS
        )
        return HttpResponseRedirect(self._change_url(article) + "#preview-links")


MAX_PREVIEW_HOURS = 24 * 90
HOURS = re.compile(r"[0-9]{1,4}(\.[0-9]{1,2})?")  # [0-9], not isdigit(): "²" is a digit to it


def _hours(value=None):
    """Hours a new preview link works: the default, or what the editor typed (1 to 90 days);
    None for anything else."""
    from django.conf import settings

    if value is None:
        return settings.PREVIEW_LINK_HOURS
    value = value.strip()
    if not HOURS.fullmatch(value):
        return None
    hours = float(value)
    return hours if 1 <= hours <= MAX_PREVIEW_HOURS else None


def moved_message(article, button):
    status = article.get_status_display()
    if article.status == Article.Status.SCHEDULED:
        return f"Scheduled: “{article}” goes live on {local_time(article.published_at)}."
    if article.status == Article.Status.PUBLISHED:
        return f"Published: “{article}” is on the site."
    return f"“{article}” is now {status}."
