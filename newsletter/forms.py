from django import forms
from django.core import signing

from newsroom.forms import READER_FORMS

CONSENT_TEXT = (
    "Subscribe to get our best stories straight into your inbox. Don't worry, we don't spam."
)
CONSENT_SALT = "newsletter.consent-text"


def sign_consent_text(text=CONSENT_TEXT):
    """The wording shown next to a form, signed so the record keeps what the reader saw."""
    return signing.dumps(text, salt=CONSENT_SALT, compress=True)


class SubscribeForm(forms.Form):
    default_renderer = READER_FORMS

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter a valid email address, like name@example.com.",
        },
    )
    name = forms.CharField(label="Name (optional)", max_length=100, required=False)
    source = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)
    consent = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_source(self):
        source = self.cleaned_data["source"]
        # Only a path on this site, never an outside address.
        return source if source.startswith("/") and not source.startswith("//") else ""

    def clean_consent(self):
        try:
            return signing.loads(self.cleaned_data["consent"], salt=CONSENT_SALT)
        except signing.BadSignature:
            return CONSENT_TEXT


class ManageForm(forms.Form):
    default_renderer = READER_FORMS

    name = forms.CharField(label="Name", max_length=100, required=False)
