from django import template

from newsletter.forms import CONSENT_TEXT, sign_consent_text

register = template.Library()


@register.simple_tag
def newsletter_consent_text():
    return CONSENT_TEXT


@register.simple_tag
def newsletter_consent_signed():
    return sign_consent_text()
