"""What the public Jinja2 templates get from ``newsletter`` (collected by ``newsroom.jinja2``)."""

from newsletter.templatetags.newsletter_tags import (
    newsletter_consent_signed,
    newsletter_consent_text,
)

GLOBALS = {
    "newsletter_consent_signed": newsletter_consent_signed,
    "newsletter_consent_text": newsletter_consent_text,
}
