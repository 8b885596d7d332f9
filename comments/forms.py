import re

from django import forms
from django.core.exceptions import ValidationError

from newsroom.forms import READER_FORMS

from .models import Comment
from .readers import parse_number

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def no_header_injection(value):
    """Names and emails end up in mail headers: no line breaks or control characters."""
    if _CONTROL.search(value):
        raise ValidationError("Line breaks and control characters are not allowed here.")


class CommentForm(forms.ModelForm):
    """The "Leave a reply" form. ``honeypot`` is hidden from people; bots fill it in."""

    default_renderer = READER_FORMS
    parent = forms.CharField(required=False, widget=forms.HiddenInput)
    timestamp = forms.CharField(required=False, widget=forms.HiddenInput)
    honeypot = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    class Meta:
        model = Comment
        fields = ["name", "email", "website", "body", "notify_replies"]
        labels = {
            "name": "Name",
            "email": "Email",
            "website": "Website",
            "body": "Comment",
            "notify_replies": "Notify me of replies by email",
        }
        help_texts = {
            "email": "Your email address will not be published.",
            "website": "",
            "body": "Plain text: HTML tags show just as you type them. Web addresses starting "
            "with http://, https:// or www. become links (marked nofollow); your name links "
            "to your website.",
            "notify_replies": "",
        }
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "website": forms.URLInput(attrs={"autocomplete": "url"}),
            "body": forms.Textarea(attrs={"rows": 8}),
        }

    def __init__(self, *args, article, **kwargs):
        self.article = article
        super().__init__(*args, **kwargs)
        self.fields["name"].validators.append(no_header_injection)
        self.fields["email"].validators.append(no_header_injection)
        self.fields["website"].assume_scheme = "https"
        self.parent_comment = None

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError("Enter your name.")
        return name

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise ValidationError("Write a comment.")
        return body

    def clean_website(self):
        website = self.cleaned_data["website"]
        if website and not website.lower().startswith(("http://", "https://")):
            raise ValidationError("Enter a web address starting with http:// or https://.")
        return website

    def clean_parent(self):
        value = self.cleaned_data.get("parent", "")
        if not value:
            return None
        parent_id = parse_number(value)
        parent = (
            Comment.objects.approved().filter(pk=parent_id).select_related("parent").first()
            if parent_id is not None
            else None
        )
        if parent is None:
            raise ValidationError(
                "The comment you are replying to is not published, or no longer exists. "
                "Post without replying: your text is kept."
            )
        if parent.article_id != self.article.pk:
            raise ValidationError(
                "The comment you are replying to is not on this article. Post without replying, "
                "or reply from that comment's own article."
            )
        self.parent_comment = parent
        return parent_id

    def save(self, commit=True):
        comment = super().save(commit=False)
        comment.article = self.article
        comment.parent = self.parent_comment
        if commit:
            comment.save()
        return comment
