"""Presentation helpers for public pages: dates, absolute links, share links.

Plain functions, given to the pages' Jinja2 environment by ``newsroom.jinja2``; ``time_tag`` and
``absolute`` are Django template tags too (``{% load articles_tags %}``) for Django templates.
Responsive pictures are the ``picture`` macro of ``includes/picture.html``."""

from functools import cache
from urllib.parse import quote

from django import template
from django.template.defaultfilters import date as format_date
from django.utils import timezone
from django.utils.dates import MONTHS, MONTHS_3
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from newsroom.links import absolute_url

register = template.Library()


def share_links(article):
    """Plain share links: no third-party scripts, nothing loaded until the reader clicks.
    What ``includes/share_links.html`` shows: ``{% with share=share_links(article) %}``."""
    url = absolute_url(article.get_absolute_url())
    u, t = quote(url, safe=""), quote(article.headline, safe="")
    return {
        "url": url,
        "links": [
            ("Bluesky", f"https://bsky.app/intent/compose?text={t}%20{u}"),
            ("Mastodon", f"https://mastodonshare.com/?text={t}&url={u}"),
            ("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={u}"),
            ("X", f"https://x.com/intent/post?text={t}&url={u}"),
            ("LinkedIn", f"https://www.linkedin.com/sharing/share-offsite/?url={u}"),
            ("WhatsApp", f"https://wa.me/?text={t}%20{u}"),
        ],
        "email": f"mailto:?subject={t}&body={u}",
    }


@register.simple_tag
def absolute(path):
    """``{% absolute path %}``: ``path`` as an absolute URL on SITE_URL (Open Graph, feeds)."""
    return absolute_url(path)


@register.simple_tag
def time_tag(value, format="j F Y"):
    """``<time datetime="...">`` with the date as readers read it, in the site's time zone.

    One definition for every date on the site (teasers, bylines, comments, corrections, the
    newsletter archive): the machine-readable value is ISO 8601 with its offset."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    # Whole seconds: HTML's datetime grammar allows at most three digits of fractions. (Django's
    # "c" format is ``isoformat()``; calling it directly skips the formatter.)
    machine = value.replace(microsecond=0).isoformat()
    fast = _FAST_FORMATS.get(format)
    human = fast(value) if fast else format_date(value, format)
    return mark_safe(f'<time datetime="{machine}">{escape(human)}</time>')


@cache
def _month_names(language):
    """The month names in ``language``, full and short (title case), translated once: Django's
    are lazy, and each use translated again (a third of a comment's time on the article page)."""
    return {n: str(MONTHS[n]) for n in MONTHS}, {n: MONTHS_3[n].title() for n in MONTHS_3}


def _months(v):
    return _month_names(get_language())[0][v.month]


def _months_3(v):
    return _month_names(get_language())[1][v.month]


# The formats the pages use, written out: Django's formatter costs more than the rest of a
# teaser. The same words (translated month names) and the same output, as a test checks.
_FAST_FORMATS = {
    "j F Y": lambda v: f"{v.day} {_months(v)} {v.year}",
    "j M Y": lambda v: f"{v.day} {_months_3(v)} {v.year}",
    "j F Y, H:i": lambda v: f"{v.day} {_months(v)} {v.year}, {v.hour:02d}:{v.minute:02d}",
}
