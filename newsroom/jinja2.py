"""The Jinja2 environment of the public pages (``templates/jinja2/``), in one place.

Readers' pages render with Jinja2: its templates compile to Python, so the teasers, pictures and
comments that a page repeats cost a function call each instead of a walk through Django's
template nodes. The admin, and the emails, stay on Django templates (``templates/``).

What the templates may use, besides Jinja2's own:

- ``url(name, *args, **kwargs)``, ``static(path)``, ``now(format)``;
- ``csrf_input``/``csrf_token`` (Django's backend adds them to every request's context),
  ``request``, ``messages`` and the site context (``SITE_NAME``, ``menu_sections``,
  ``site_settings``) from the context processors named in ``settings.TEMPLATES``;
- the apps' presentation helpers, from each app's own ``jinja2`` module (``GLOBALS`` and
  ``FILTERS``): ``time_tag``, ``absolute``, ``share_links`` (articles), ``comment_section``
  (comments), ``newsletter_consent_text``, ``newsletter_consent_signed`` (newsletter);
- Django's filters that the pages need: ``date``, ``linebreaks``, ``pluralize``, ``urlencode``.

Undefined variables print nothing, in debug too (Django's backend would print their names with
debug on), so an optional variable (``is_preview``) needs no guard, as in Django templates.
"""

from importlib import import_module

from django.apps import apps
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import linebreaks as django_linebreaks
from django.utils.http import urlencode as django_urlencode
from django.utils.safestring import mark_safe
from jinja2 import Environment, Undefined

from newsroom.links import reverse_path


def url(name, *args, **kwargs):
    """``url("articles:tag", tag.slug)``: ``reverse()`` with positional or keyword arguments
    (remembered: ``newsroom.links.reverse_path``)."""
    return reverse_path(name, *args, **kwargs)


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


def app_helpers():
    """The ``GLOBALS`` and ``FILTERS`` of each installed app's ``jinja2`` module, found by name
    (as the admin finds ``admin`` modules), so the core imports no app: the arrows point from
    the apps into ``newsroom``, never back."""
    globals_, filters = {}, {}
    for app in apps.get_app_configs():
        name = f"{app.name}.jinja2"
        try:
            module = import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        globals_.update(getattr(module, "GLOBALS", {}))
        filters.update(getattr(module, "FILTERS", {}))
    return globals_, filters


def environment(**options):
    options["undefined"] = Undefined
    env = Environment(**options)
    app_globals, app_filters = app_helpers()
    env.globals.update(app_globals, now=now, static=static, url=url)
    env.filters.update(
        app_filters,
        date=date,
        linebreaks=linebreaks,
        pluralize=pluralize,
        urlencode=urlencode,
    )
    return env
