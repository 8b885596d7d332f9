"""The writing desk, the article admin's half: autosave, presence and the picture library,
mixed into ``ArticleAdmin``; the page's side is ``static/articles/desk.js``.

- Autosave: the change form posts what is typed (JSON) every 30 seconds and when the tab is
  hidden to the editor's own :class:`Draft`, never to the article. Coming back, the form offers
  it ("Restore" is a plain link: it works without JavaScript), based on the version the draft
  was typed from, so the edit lock still catches anything saved since. Saving deletes it.
- Presence: opening the form, and the page every 20 seconds, says who has it open; the form
  shows who else did in the last two minutes.
- Pictures: the body's picture button searches the image library here, and uploads to it
  with the image admin's own form.

Every endpoint is behind ``admin_site.admin_view`` and the article's change permission; an
article the person may not see is a 404, as on the change form. Answers are JSON, errors too.
"""

import json

from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.urls import path, reverse

from newsroom import cache as page_cache

from .forms import ImageForm
from .models import Draft, Image, Presence, Tag
from .models.workflow import local_time
from .tasks import schedule_renditions

PICTURES_PER_SEARCH = 24
TAG_SUGGESTIONS = 10


def _picture(picture):
    return {
        "id": picture.pk,
        "src": picture.file.url,
        "thumbnail": picture.thumbnail_url,
        "alt": picture.alt_text,
        "caption": picture.caption,
        "credit": picture.credit,
    }


def _error(message, status):
    return JsonResponse({"error": message}, status=status)


class DeskAdmin:
    autosave_seconds = 30
    presence_seconds = 20

    # The form ------------------------------------------------------------------------------

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        draft = self._draft(request, obj) if request.GET.get("draft") == "restore" else None
        if draft is not None and not self._may_keep_drafts(request, obj):
            draft = None
        if draft is None or request.method != "GET":
            return form

        class FromDraft(form):
            def __init__(self, *args, **kwargs):
                initial = {**(kwargs.pop("initial", None) or {}), **draft.content}
                initial["based_on_version"] = draft.based_on_version
                super().__init__(*args, initial=initial, **kwargs)

        return FromDraft

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            Presence.objects.seen(request.user, obj)
        draft = self._draft(request, obj) if self._may_keep_drafts(request, obj) else None
        if draft is not None and not draft.differs_from(obj):
            draft = None
        restoring = request.method == "GET" and request.GET.get("draft") == "restore"
        context.update(
            desk={
                "autosave_url": self._url("autosave", obj)
                if obj
                else reverse("admin:articles_article_autosave_new"),
                "discard_url": self._url("discard_draft", obj)
                if obj
                else reverse("admin:articles_article_discard_new_draft"),
                "presence_url": self._url("presence", obj) if obj else "",
                "pictures_url": reverse("admin:articles_article_pictures"),
                "tags_url": reverse("admin:articles_article_tags"),
                "upload_url": reverse("admin:articles_article_picture_upload"),
                "autosave_seconds": self.autosave_seconds,
                "presence_seconds": self.presence_seconds,
            },
            draft=None if restoring else draft,
            restored_draft=draft if restoring else None,
            others_here=list(Presence.objects.others_on(obj, request.user)) if obj else [],
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def saved_as_version(self, request, article, change):
        super().saved_as_version(request, article, change)
        Draft.objects.filter(user=request.user, article=article if change else None).delete()

    def _draft(self, request, obj):
        """The person's draft of ``obj`` (None: of a new article)."""
        return Draft.objects.filter(user=request.user, article=obj).first()

    def _may_keep_drafts(self, request, obj):
        if obj is None:
            return self.has_add_permission(request)
        return self.has_change_permission(request, obj)

    def _url(self, name, article):
        return reverse(f"admin:articles_article_{name}", args=[article.pk])

    # Endpoints -----------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("autosave/", view(self.autosave_view), name="articles_article_autosave_new"),
            path(
                "autosave/discard/",
                view(self.discard_draft_view),
                name="articles_article_discard_new_draft",
            ),
            path("<int:pk>/autosave/", view(self.autosave_view), name="articles_article_autosave"),
            path(
                "<int:pk>/autosave/discard/",
                view(self.discard_draft_view),
                name="articles_article_discard_draft",
            ),
            path("<int:pk>/presence/", view(self.presence_view), name="articles_article_presence"),
            path("pictures/", view(self.pictures_view), name="articles_article_pictures"),
            path(
                "pictures/upload/",
                view(self.upload_picture_view),
                name="articles_article_picture_upload",
            ),
            path("tags/", view(self.tags_view), name="articles_article_tags"),
            *super().get_urls(),
        ]

    def _editable(self, request, pk):
        """The article ``pk`` if the person may change it (``pk`` None: a new article, if they
        may add one), else an error answer."""
        if pk is None:
            if not self.has_add_permission(request):
                return None, _error("You may not add articles.", 403)
            return None, None
        article = self.get_queryset(request).filter(pk=pk).first()
        if article is None:
            return None, _error("No such article.", 404)
        if not self.has_change_permission(request, article):
            return None, _error("You may not change this article.", 403)
        return article, None

    def autosave_view(self, request, pk=None):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article, refused = self._editable(request, pk)
        if refused:
            return refused
        try:
            data = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            return _error("The draft was not saved: send the form's fields as JSON.", 400)
        fields = data.get("fields") if isinstance(data, dict) else None
        version = data.get("based_on_version") if isinstance(data, dict) else None
        if not isinstance(fields, dict) or type(version) is not int or not 0 <= version < 2**31:
            return _error(
                "The draft was not saved: send {fields: {...}, based_on_version: n}.", 400
            )
        draft = Draft.objects.keep(request.user, article, fields, version)
        return JsonResponse(
            {
                "saved_at": draft.saved_at.isoformat(),
                "message": f"Draft saved at {local_time(draft.saved_at)[-5:]} (only you see it).",
            }
        )

    def discard_draft_view(self, request, pk=None):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article, refused = self._editable(request, pk)
        if refused:
            return refused
        Draft.objects.filter(user=request.user, article=article).delete()
        if article is None:
            return HttpResponseRedirect(reverse("admin:articles_article_add"))
        return HttpResponseRedirect(self._url("change", article))

    def presence_view(self, request, pk):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self.get_queryset(request).filter(pk=pk).first()
        if article is None or not self.has_view_permission(request, article):
            return _error("No such article.", 404)
        Presence.objects.seen(request.user, article)
        others = Presence.objects.others_on(article, request.user)
        return JsonResponse(
            {
                "others": [
                    {"name": other.name, "seen_at": other.seen_at.isoformat()} for other in others
                ]
            }
        )

    def pictures_view(self, request):
        """Library pictures for the body's picture button: the newest, or those matching
        ``q`` (caption, credit, alt text)."""
        if not request.user.has_perm("articles.view_image"):
            return _error("You may not use the image library.", 403)
        query = request.GET.get("q", "")[:200].replace("\x00", "").strip()  # PostgreSQL: no NUL
        pictures = Image.objects.search(query) if query else Image.objects.all()
        pictures = pictures.order_by("-uploaded_at", "-pk")[:PICTURES_PER_SEARCH]
        return JsonResponse({"pictures": [_picture(picture) for picture in pictures]})

    def upload_picture_view(self, request):
        """A new library picture from the picture dialog (the image admin's own form and
        rules: size, pixels, EXIF), answered with the picture or the form's errors."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("articles.add_image"):
            return _error("You may not add pictures to the library.", 403)
        form = ImageForm(request.POST, request.FILES)
        if not form.is_valid():
            errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
            message = " ".join(" ".join(errs) for errs in errors.values())
            return JsonResponse({"error": f"Not uploaded: {message}", "errors": errors}, status=400)
        picture = form.save()
        schedule_renditions(picture)
        page_cache.purge_everything()  # as the image admin does for any change to the library
        return JsonResponse({"picture": _picture(picture)}, status=201)

    def tags_view(self, request):
        """Existing tags containing ``q``, those starting with it first, for the tags field;
        one name per tag whatever its case (tags are matched case-insensitively on save)."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            return _error("You may not tag articles.", 403)
        query = request.GET.get("q", "")[:100].replace("\x00", "").strip()  # PostgreSQL: no NUL
        if not query:
            return JsonResponse({"tags": []})
        names = Tag.objects.filter(name__icontains=query).values_list("name", flat=True)
        starts = query.casefold()
        ordered = sorted(
            names[:200], key=lambda name: (not name.casefold().startswith(starts), name.casefold())
        )
        unique = {}
        for name in ordered:
            unique.setdefault(name.casefold(), name)
        return JsonResponse({"tags": list(unique.values())[:TAG_SUGGESTIONS]})
