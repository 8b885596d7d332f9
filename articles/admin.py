"""The newsroom's back office: articles, the image library, sections, authors, site slots.

Who may do what comes from the groups made by ``0002_groups``: Editors publish, Authors write and
change their own drafts only. The publish permission (``articles.publish_article``) is the line
between them, enforced here rather than by hiding buttons alone.
"""

from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import ngettext
from taggit.models import Tag as TaggitTag

from newsroom import cache as page_cache

from .desk_admin import DeskAdmin
from .forms import ArticleAdminForm, ImageForm, SiteSettingsForm
from .models import (
    Article,
    ArticleAuthor,
    Author,
    Correction,
    FollowLink,
    Image,
    Redirect,
    Section,
    SiteSettings,
    Tag,
)
from .revisions_admin import RevisionsAdmin
from .tasks import schedule_crops, schedule_file_removal, schedule_renditions
from .workflow_admin import WorkflowAdmin

PUBLISH_PERMISSION = "articles.publish_article"


def can_publish(user):
    return user.has_perm(PUBLISH_PERMISSION)


def _thumbnail(image, css_class="admin-thumbnail"):
    if image is None or not image.file:
        return "—"
    return format_html(
        '<img src="{}" alt="{}" class="{}" width="{}" height="{}" loading="lazy">',
        image.thumbnail_url,
        image.alt_text,
        css_class,
        160,
        round(160 * image.aspect_ratio),
    )


class PurgesEverythingAdmin(admin.ModelAdmin):
    """An admin for rows that show on every page (the menu, bylines, pictures, the site's
    slots): any change drops every cached page, through ``purge``."""

    def purge(self):
        page_cache.purge_everything()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self.purge()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self.purge()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self.purge()


@admin.register(Section)
class SectionAdmin(PurgesEverythingAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

    def purge(self):
        page_cache.purge_menu()


# Articles use our own tag model (unicode slugs, a plain foreign key); taggit's stays unused.
admin.site.unregister(TaggitTag)


@admin.register(Tag)
class TagAdmin(PurgesEverythingAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    ordering = ["name"]


@admin.register(Author)
class AuthorAdmin(PurgesEverythingAdmin):
    list_display = ["name", "slug", "user"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "bio"]
    autocomplete_fields = ["photo", "user"]
    list_select_related = ["user"]


@admin.register(Image)
class ImageAdmin(PurgesEverythingAdmin):
    form = ImageForm
    list_display = ["thumbnail", "__str__", "credit", "width", "height", "uploaded_at"]
    list_display_links = ["thumbnail", "__str__"]
    search_fields = ["caption", "credit", "alt_text"]
    date_hierarchy = "uploaded_at"
    readonly_fields = ["preview", "body_address", "dimensions", "focal_point_picker"]
    fieldsets = [
        (None, {"fields": ["file", "preview", "alt_text", "caption"]}),
        (
            "Focal point",
            {
                "fields": ["focal_point_picker", "focal_x", "focal_y"],
                "description": "Crops for link previews and fixed-shape layouts keep this point "
                "in view.",
            },
        ),
        ("Image source", {"fields": ["credit", "credit_url"]}),
        ("Use in an article body", {"fields": ["body_address", "dimensions"]}),
    ]

    class Media:
        css = {"all": ["articles/admin.css"]}
        js = ["articles/focal_point.js"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "file" in form.changed_data:
            schedule_renditions(obj)  # the crops too
        elif {"focal_x", "focal_y"} & set(form.changed_data):
            schedule_crops(obj)

    def delete_model(self, request, obj):
        schedule_file_removal(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for image in queryset:
            schedule_file_removal(image)
        super().delete_queryset(request, queryset)

    @admin.display(description="Picture")
    def thumbnail(self, image):
        return _thumbnail(image)

    @admin.display(description="Preview")
    def preview(self, image):
        return _thumbnail(image, "admin-preview") if image.pk else "Shown after saving."

    @admin.display(description="Click the picture")
    def focal_point_picker(self, image):
        """The picture to click (``articles/focal_point.js`` fills the two numbers below and
        marks the point); without JavaScript, type the numbers."""
        if not image.pk or not image.file:
            return "Upload the picture and save; then click it to set its focal point."
        width = min(image.width, 480) or 480
        return format_html(
            '<div class="focal-picker" data-focal-x="{}" data-focal-y="{}">'
            '<img src="{}" alt="{}" width="{}" height="{}">'
            '<span class="focal-picker__marker" aria-hidden="true" hidden></span></div>',
            image.focal_x,
            image.focal_y,
            image.url_for_width(640),
            image.alt_text,
            width,
            round(width * image.aspect_ratio),
        )

    @admin.display(description="Address for the body editor")
    def body_address(self, image):
        """The address to paste into the editor's image button; the site renders it responsively."""
        return image.file.url if image.pk else "—"

    @admin.display(description="Size")
    def dimensions(self, image):
        return f"{image.width} × {image.height} px" if image.pk else "—"

    def get_urls(self):
        return [
            path(
                "<int:pk>/preview.json",
                self.admin_site.admin_view(self.preview_json),
                name="articles_image_preview",
            ),
            *super().get_urls(),
        ]

    def preview_json(self, request, pk):
        """Thumbnail data for the lead-image preview on the article form (see lead_image.js)."""
        if not self.has_view_permission(request):
            return JsonResponse({"error": "forbidden"}, status=403)
        image = get_object_or_404(Image, pk=pk)
        return JsonResponse(
            {
                "thumbnail": image.thumbnail_url,
                "alt": image.alt_text,
                "caption": str(image),
                "credit": image.credit,
            }
        )


class UnchangedUnlessPostedFormSet(BaseInlineFormSet):
    """An inline whose rows a post does not mention at all is left as it is.

    Django refuses a form whose inline "management" fields are missing. A post made by a script
    or an older form that only knows the article's own fields would then fail as a whole, with a
    message that names none of them; treating the absent inline as "no rows added or changed"
    saves what was sent and keeps the rows already there.
    """

    def __init__(self, data=None, *args, **kwargs):
        prefix = kwargs.get("prefix") or self.get_default_prefix()
        if data is not None and f"{prefix}-TOTAL_FORMS" not in data:
            data = data.copy()
            data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
        super().__init__(data, *args, **kwargs)


class ArticleAuthorInline(admin.TabularInline):
    formset = UnchangedUnlessPostedFormSet
    model = ArticleAuthor
    extra = 1
    autocomplete_fields = ["author"]


class CorrectionInline(admin.StackedInline):
    """Corrections show on the article, dated, and on /corrections/ once the article is public."""

    formset = UnchangedUnlessPostedFormSet
    model = Correction
    extra = 0
    fields = ["text", "published_at"]


@admin.register(Article)
class ArticleAdmin(DeskAdmin, RevisionsAdmin, WorkflowAdmin, admin.ModelAdmin):
    """Articles. The publishing part (states, moves, calendar, preview links, redirects) is
    ``WorkflowAdmin`` (``workflow_admin.py``); revisions and the edit lock ``RevisionsAdmin``
    (``revisions_admin.py``); autosave, presence and the picture library ``DeskAdmin``
    (``desk_admin.py``)."""

    form = ArticleAdminForm
    list_display = [
        "headline",
        "section",
        "status",
        "goes_live",
        "published_at",
        "is_featured",
        "byline",
        "links",
    ]
    list_filter = ["status", "section", "authors", "is_featured"]
    search_fields = ["headline", "standfirst", "slug", "authors__name"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["lead_image", "section"]
    inlines = [ArticleAuthorInline, CorrectionInline]
    list_select_related = ["section"]
    readonly_fields = ["lead_image_preview", "preview_link"]
    actions = ["publish_selected", "unpublish_selected"]
    fieldsets = [
        (None, {"fields": ["headline", "slug", "standfirst", "body"]}),
        ("Lead image", {"fields": ["lead_image", "lead_image_preview"]}),
        (
            "Publishing",
            {
                "fields": [
                    "section",
                    "tags",
                    "planned_on",
                    "expires_at",
                    "is_featured",
                    ("is_pinned_lead", "lead_until"),
                    "comments_open",
                    "preview_link",
                ],
                "description": "The state and its buttons are at the top of the page.",
            },
        ),
        ("Search engines", {"fields": ["seo_title", "seo_description"], "classes": ["collapse"]}),
    ]

    class Media:
        css = {"all": ["articles/admin.css"]}
        js = ["admin/js/jquery.init.js", "articles/lead_image.js", "articles/desk.js"]

    # Permissions: Authors write and change their own drafts, Editors publish ------------------

    def has_publish_permission(self, request):
        return can_publish(request.user)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("authors").viewable_by(request.user)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        # Without the publish permission only drafts may change: publishing is an editor's call.
        return obj is None or can_publish(request.user) or obj.status == Article.Status.DRAFT

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not can_publish(request.user):
            fields += ["expires_at", "is_featured", "is_pinned_lead", "lead_until"]
        return fields

    def save_model(self, request, obj, form, change):
        """Saved by ``save_related``, with its tags, byline and inlines, as one version."""

    def save_related(self, request, form, formsets, change):
        article = form.instance
        # One version, one revision: the row, its tags, bylines and corrections, and the move a
        # workflow button asked for. Refused if it moved on since the form's check (EditConflict,
        # see changeform_view).
        with article.editing(request.user, based_on=form.based_on):
            super().save_model(request, article, form, change)
            super().save_related(request, form, formsets, change)
            self.add_own_byline(request, article, change)
            # Then the move a workflow button asked for, the lead pin, and the timed work.
            self.after_save(request, form)
        self.saved_as_version(request, article, change)
        # Tags, bylines and corrections are saved now: every page showing the article updates.
        page_cache.purge_article(article, also=getattr(article, "paths_before_change", ()))

    def delete_model(self, request, obj):
        page_cache.purge_article(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        queryset.purge_pages()
        super().delete_queryset(request, queryset)

    def add_own_byline(self, request, article, change):
        """Authors always carry their own name; an editor's new story gets theirs if empty."""
        if can_publish(request.user):
            # An editor's byline is theirs to choose; only a new story left without one gets
            # their name (editing a colleague's story must not make them its co-author).
            profile = getattr(request.user, "author_profile", None)
            if change or profile is None or article.authors.exists():
                return
        else:
            # An author finds their drafts by their byline, so it always carries their name:
            # on a new article, and after an edit that took it out.
            profile = Author.profile_for(request.user)
        if not article.authors.filter(pk=profile.pk).exists():
            position = article.articleauthor_set.count()
            ArticleAuthor.objects.create(article=article, author=profile, position=position)

    # Links ---------------------------------------------------------------------------------

    def view_on_site(self, article):
        """Public articles link to their page, anything else to the staff-only preview."""
        return article.get_absolute_url() if article.is_public else article.get_preview_url()

    @admin.display(description="Authors")
    def byline(self, article):
        return ", ".join(author.name for author in article.authors.all())

    @admin.display(description="Links")
    def links(self, article):
        if article.is_public:
            return format_html('<a href="{}">View on site</a>', article.get_absolute_url())
        return format_html('<a href="{}">Preview</a>', article.get_preview_url())

    @admin.display(description="Preview")
    def preview_link(self, article):
        if not article.pk:
            return "Save the article to preview it."
        return format_html(
            '<a href="{}">Preview this article as readers will see it</a>',
            article.get_preview_url(),
        )

    @admin.display(description="Preview")
    def lead_image_preview(self, article):
        image = article.lead_image if article.pk else None
        return format_html(
            '<div class="lead-image-preview" data-preview-url="{}">{}</div>',
            reverse("admin:articles_image_preview", args=[0]),
            _thumbnail(image, "admin-preview") if image else "No lead image chosen.",
        )

    # Bulk actions --------------------------------------------------------------------------

    @admin.action(description="Publish selected articles now", permissions=["publish"])
    def publish_selected(self, request, queryset):
        count = queryset.publish(by=request.user)
        self.report_bulk_move(
            request, queryset, count, "Published %d article.", "Published %d articles."
        )

    @admin.action(description="Unpublish selected articles", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        count = queryset.unpublish(by=request.user)
        self.report_bulk_move(
            request, queryset, count, "Unpublished %d article.", "Unpublished %d articles."
        )

    def report_bulk_move(self, request, queryset, count, singular, plural):
        self.message_user(request, ngettext(singular, plural, count) % count, messages.SUCCESS)
        skipped = queryset.count() - count
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d article was left as it was: its state does not allow it (a story in "
                    "review is approved from its own page).",
                    "%d articles were left as they were: their state does not allow it (a "
                    "story in review is approved from its own page).",
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    """Old article addresses, made when a published story's slug changes. Deleting one frees
    the address for another story (and old links to it then find nothing)."""

    list_display = ["path", "article", "created_at"]
    search_fields = ["path", "article__headline", "article__slug"]
    list_select_related = ["article"]
    autocomplete_fields = ["article"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False  # made by renaming a story, never by hand

    def has_change_permission(self, request, obj=None):
        return False


class FollowLinkInline(admin.TabularInline):
    model = FollowLink
    extra = 1


@admin.register(SiteSettings)
class SiteSettingsAdmin(PurgesEverythingAdmin):
    form = SiteSettingsForm
    inlines = [FollowLinkInline]

    def purge(self):
        page_cache.purge_site_settings()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self.purge()  # the follow links

    # The advertisement is raw HTML on every page: only superusers set it, whatever permissions
    # a staff account was given.
    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser and not SiteSettings.objects.exists()
