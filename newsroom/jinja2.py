"""The Jinja2 environment of the public pages (``templates/jinja2/``), in one place.

Readers' pages render with Jinja2: its templates compile to Python, so the teasers, pictures and
comments that a page repeats cost a function call each instead of a walk through Django's
template nodes. The admin, and the emails, stay on Django templates (``templates/``).

What the templates may use, besides Jinja2's own:

- ``url(name, *args, **kwargs)``, ``static(path)``, ``now(format)``;
- ``csrf_input``/``csrf_token`` (Django's backend adds them to every request's context),
  ``request``, ``messages`` and the site context (``SITE_NAME``, ``menu_sections``,
  ``site_settings``) from the context processors named in ``settings.TEMPLATES``;
- the apps' presentation helpers (``time_tag``, ``absolute``, ``share_links``,
  ``comment_section``, ``newsletter_consent_text``, ``newsletter_consent_signed``);
- Django's filters that the pages need: ``date``, ``linebreaks``, ``pluralize``, ``urlencode``.

Undefined variables print nothing, in debug too (Django's backend would print their names with
debug on), so an optional variable (``is_preview``) needs no guard, as in Django templates.
"""

from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.html import linebreaks as django_linebreaks
from django.utils.http import urlencode as django_urlencode
from django.utils.safestring import mark_safe
from jinja2 import Environment, Undefined, pass_context
from markupsafe import Markup


def url(name, *args, **kwargs):
    """``url("articles:tag", tag.slug)``: ``reverse()`` with positional or keyword arguments."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


def date(value, format="j F Y"):
    """Django's ``date`` filter: ``value|date("j M Y")`` in the site's time zone."""
    from django.template.defaultfilters import date as format_date

    if value is None or value == "":
        return ""
    return format_date(value, format)


def now(format="j F Y"):
    """``now("Y")``, as Django's ``{% now %}``: the current local time, formatted."""
    return date(timezone.localtime(), format)


def linebreaks(value):
    """Paragraphs and ``<br>`` from plain text, escaped first (Django's ``linebreaks``)."""
    return mark_safe(django_linebreaks(value, autoescape=True))


def pluralize(value, suffix="s"):
    """``count|pluralize``: "s" unless the count is one."""
    try:
        return "" if int(value) == 1 else suffix
    except (TypeError, ValueError):
        return ""


def urlencode(value):
    """A string quoted for a URL, or a mapping as a query string."""
    if isinstance(value, dict):
        return django_urlencode(value)
    from urllib.parse import quote

    return quote(str(value), safe="/")


@pass_context
def comment_section(context, article, form=None, error=""):
    """The comment thread and form under an article (``comments``' own template and data)."""
    from comments.templatetags.comments import comment_section_context

    data = comment_section_context(context.get("request"), article, form=form, error=error)
    template = context.environment.get_template("comments/section.html")
    return Markup(template.render({**context.get_all(), **data}))


def environment(**options):
    from articles.templatetags.articles_tags import absolute, share_links, time_tag
    from newsletter.templatetags.newsletter_tags import (
        newsletter_consent_signed,
        newsletter_consent_text,
    )

    options["undefined"] = Undefined
    env = Environment(**options)
    env.globals.update(
        absolute=absolute,
        comment_section=comment_section,
        newsletter_consent_signed=newsletter_consent_signed,
        newsletter_consent_text=newsletter_consent_text,
        now=now,
        share_links=share_links,
        static=static,
        time_tag=time_tag,
        url=url,
    )
    env.filters.update(
        date=date,
        linebreaks=linebreaks,
        pluralize=pluralize,
        time_tag=time_tag,
        urlencode=urlencode,
    )
    return env
