"""Admin forms: the body editor under our CSP, and image uploads judged by our rules first."""

from django import forms
from django_prose_editor.widgets import (
    AdminProseEditorWidget,
    prose_editor_admin_media,
    prose_editor_js,
    prose_editor_presets,
)
from js_asset import Media, Script

from .models import Article, Image
from .models.image import validate_image_file


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
        fields = ["file", "alt_text", "caption", "credit", "credit_url"]
        field_classes = {"file": LibraryImageField}


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


class ArticleAdminForm(forms.ModelForm):
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
            "status",
            "published_at",
            "is_featured",
            "comments_open",
            "seo_title",
            "seo_description",
        ]
        widgets = {"body": BodyEditorWidget}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The admin fills the slug in from the headline as it is typed; left empty (no
        # JavaScript, or a headline with nothing a slug can keep), Article.save() makes one.
        self.fields["slug"].required = False
        self.fields["slug"].help_text += " Leave empty to make one from the headline."
