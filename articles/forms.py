"""Admin forms: the body editor under our CSP, and image uploads judged by our rules first."""

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django_prose_editor.widgets import (
    AdminProseEditorWidget,
    prose_editor_admin_media,
    prose_editor_js,
    prose_editor_presets,
)
from js_asset import Media, Script

from newsroom.sanitizer import html_problem

from .diff import compare, display
from .models import Article, Image, SiteSettings
from .models.image import media_write_problem, validate_image_file
from .models.revision import FIELD_LABELS
from .models.workflow import BUTTONS, BUTTONS_BY_VALUE, go_live_time_problem, local_time


class LibraryImageField(forms.ImageField):
    """An image upload checked by :func:`validate_image_file` first.

    Django's own ``ImageField`` decodes the file as soon as it sees it and answers every failure
    with the same "not an image or a corrupted image" message; a decompression bomb would reach
    Pillow before our pixel limit. Running our validator first gives the editor the real reason
    (too large, too many pixels, damaged, not an image) and keeps Pillow away from a bomb.
    """

    def to_python(self, data):
        if data and hasattr(data, "read"):
            validate_image_file(data)
        return super().to_python(data)


class ImageForm(forms.ModelForm):
    class Meta:
        model = Image
        fields = ["file", "alt_text", "caption", "credit", "credit_url", "focal_x", "focal_y"]
        widgets = {
            "focal_x": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"}),
            "focal_y": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "1"}),
        }
        field_classes = {"file": LibraryImageField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("focal_x", "focal_y"):
            if name in self.fields:  # not in a read-only view (an Author may only look)
                self.fields[name].required = False  # left empty: the point stays where it was

    def clean_focal_x(self):
        return self._focal("focal_x")

    def clean_focal_y(self):
        return self._focal("focal_y")

    def _focal(self, name):
        value = self.cleaned_data.get(name)
        return getattr(self.instance, name) if value is None else value

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if isinstance(uploaded, UploadedFile):  # a new file, not the one already stored
            problem = media_write_problem(uploaded)
            if problem:
                raise forms.ValidationError(problem, code="media_not_writable")
        return uploaded


class BodyEditorWidget(AdminProseEditorWidget):
    """django-prose-editor's admin widget, working under our strict Content-Security-Policy.

    Tiptap injects its base stylesheet as an inline ``<style>``, which the policy refuses.
    ``articles/prose_editor_csp.js`` switches that off before the editors start (it must load
    between ``editor.js`` and the preset, hence one ordered list) and ``articles/tiptap.css``
    serves the same rules as a file. The admin keeps the site's policy unchanged.
    """

    @property
    def media(self):
        _editor, *preset = prose_editor_presets()[self.preset]
        return prose_editor_admin_media + Media(
            css={"all": ["articles/tiptap.css"]},
            js=[prose_editor_js, Script("articles/prose_editor_csp.js", type="module"), *preset],
        )


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's own date-and-time picker; a plain text field where there is none."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class WorkflowFields(forms.Form):
    """The publishing part of the article form: the button pressed (``transition``), and what
    some moves need (a time to go live, a note for the author). Rendered by
    ``admin/articles/article/workflow_panel.html``; ``user`` is set by the admin."""

    user = None

    transition = forms.ChoiceField(
        required=False, choices=[("", "—"), *((b.value, b.label) for b in BUTTONS)]
    )
    go_live_at = forms.DateTimeField(
        label="Goes live at",
        required=False,
        widget=DateTimeLocalInput,
        help_text="For “Schedule…”: the date and time it becomes public (site time).",
    )
    transition_note = forms.CharField(
        label="Note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Recorded with the move. Sending back needs one: say what should change.",
    )

    def clean_workflow(self, data, expires_at):
        value = data.get("transition")
        if not value:
            return
        button = BUTTONS_BY_VALUE[value]
        if self.user is None or not self.instance.may_offer(button.action, self.user):
            raise forms.ValidationError(self.instance.refusal(button.action, self.user))
        if button.needs_time:
            problem = go_live_time_problem(data.get("go_live_at"), expires_at)
            if problem:
                self.add_error("go_live_at", problem)
        if button.needs_note and not data.get("transition_note", "").strip():
            self.add_error("transition_note", "Say what should change: the author reads this note.")


class EditConflictFields(forms.Form):
    """The optimistic lock's half of the article form: the version the form was opened at
    (``based_on_version``, hidden), checked against the article's when it is saved.

    A form opened before someone else saved what an editor types is refused (``conflict``
    holds who saved, when, their version and a diff against what was typed, for
    ``conflict.html``), with everything typed kept in the form and the hidden version moved on
    to theirs, so saving again after merging by hand goes through. A workflow move made
    meanwhile (published, scheduled) changed nothing typed: the save goes ahead on it.
    ``based_on`` is then the version ``Article.editing`` checks once more as it saves. A post
    without the field (a script) is made from the version it finds."""

    based_on_version = forms.IntegerField(
        required=False, min_value=0, max_value=2**31 - 1, widget=forms.HiddenInput
    )

    conflict = None
    based_on = None

    def check_edit_conflict(self):
        article = self.instance
        self.based_on = article.version
        opened = self.cleaned_data.get("based_on_version")
        if article.pk is None or opened is None or opened == article.version:
            return
        conflicting = article.conflicting_revisions(opened)
        if not conflicting:
            return
        self.conflict = Conflict(article, conflicting, self.typed_content())
        data = self.data.copy()
        data[self.add_prefix("based_on_version")] = str(article.version)
        self.data = data
        raise forms.ValidationError(
            "Not saved: someone else saved this article after you opened it (see above).",
            code="edit_conflict",
        )

    def typed_content(self):
        typed = {}
        for name in ("headline", "slug", "standfirst", "body", "seo_title", "seo_description"):
            if name in self.fields:
                typed[name] = self.cleaned_data.get(name, self.data.get(self.add_prefix(name)))
        return typed


class Conflict:
    """Someone else's saves since the form was opened, and how the editor's text differs."""

    def __init__(self, article, revisions, typed):
        self.article, self.revisions, self.typed = article, revisions, typed
        self.latest = revisions[-1]

    @property
    def message(self):
        names = ", ".join(dict.fromkeys(revision.by_name for revision in self.revisions))
        when = local_time(self.latest.created_at)
        return (
            f"Not saved: {names} saved this article at {when} (version {self.latest.number}) "
            "after you opened it. Your text is still in the form below; their version and how "
            "yours differs from it are shown here. Merge what you want to keep and save again."
        )

    @property
    def theirs(self):
        return [
            (FIELD_LABELS[name], display(name, self.latest.content.get(name)))
            for name in ("headline", "standfirst", "body")
        ]

    @property
    def changes(self):
        return compare(self.latest.content, self.typed, fields=tuple(self.typed))


class ArticleAdminForm(EditConflictFields, WorkflowFields, forms.ModelForm):
    class Meta:
        model = Article
        fields = [
            "headline",
            "slug",
            "standfirst",
            "body",
            "lead_image",
            "section",
            "tags",
            "planned_on",
            "expires_at",
            "is_featured",
            "is_pinned_lead",
            "lead_until",
            "comments_open",
            "seo_title",
            "seo_description",
        ]
        widgets = {
            "body": BodyEditorWidget,
            # expires_at and lead_until keep the admin's date and time boxes.
            "planned_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The admin fills the slug in from the headline as it is typed; left empty (no
        # JavaScript, or a headline with nothing a slug can keep), Article.save() makes one.
        if "slug" in self.fields:  # not in a read-only view (an Author's story in review)
            self.fields["slug"].required = False
            self.fields["slug"].help_text += " Leave empty to make one from the headline."
        if self.instance.pk is not None:
            self.initial.setdefault("based_on_version", self.instance.version)

    def clean_expires_at(self):
        return self._time_to_come("expires_at", "use “Unpublish” to take the story down now")

    def clean_lead_until(self):
        return self._time_to_come("lead_until", "untick the pin to end it now")

    def clean_body(self):
        return refuse_oversized_html(self.cleaned_data.get("body", ""))

    def _time_to_come(self, field, instead):
        value = self.cleaned_data.get(field)
        if value and field in self.changed_data and value <= timezone.now():
            raise forms.ValidationError(f"That time has passed: {instead}.")
        return value

    def clean(self):
        data = super().clean()
        self.check_edit_conflict()
        self.clean_workflow(data, data.get("expires_at"))
        return data


def refuse_oversized_html(value):
    """More HTML than the sanitizer takes (``newsroom.sanitizer.html_problem``) is a form error."""
    problem = html_problem(value or "")
    if problem:
        raise forms.ValidationError(problem, code="html_too_large")
    return value


class SiteSettingsForm(forms.ModelForm):
    class Meta:
        model = SiteSettings
        fields = ["advertisement_html", "require_two_factor"]

    def clean_advertisement_html(self):
        return refuse_oversized_html(self.cleaned_data.get("advertisement_html", ""))
