"""Presentation helpers for public pages: dates, absolute links, share links.

Plain functions, given to the pages' Jinja2 environment by ``newsroom.jinja2``; ``time_tag`` and
``absolute`` are Django template tags too (``{% load articles_tags %}``) for Django templates.
Responsive pictures are the ``picture`` macro of ``includes/picture.html``."""

from urllib.parse import quote

from django import template
from django.template.defaultfilters import date as format_date
from django.utils import timezone
from django.utils.html import format_html

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
    # Whole seconds: HTML's datetime grammar allows at most three digits of fractions.
    machine = format_date(value.replace(microsecond=0), "c")
    return format_html('<time datetime="{}">{}</time>', machine, format_date(value, format))
