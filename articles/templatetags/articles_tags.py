"""Presentation helpers for public pages: dates, responsive pictures, share links."""

from urllib.parse import quote

from django import template
from django.template.defaultfilters import date as format_date
from django.utils import timezone
from django.utils.html import format_html

from newsroom.links import absolute_url

register = template.Library()

DEFAULT_SIZES = "(min-width: 1100px) 720px, 100vw"


@register.inclusion_tag("includes/picture.html")
def picture(image, sizes=DEFAULT_SIZES, lazy=True, css_class="", alt=""):
    """A <picture> with WebP and JPEG srcsets, intrinsic size (no layout shift) and lazy loading.

    Pass ``lazy=False`` for the image above the fold so the browser fetches it at once, and
    ``alt`` to describe the picture differently where it is used (the library's text otherwise).
    """
    return {
        "image": image,
        "sizes": sizes,
        "lazy": lazy,
        "css_class": css_class,
        "alt": alt or (image.alt_text if image else ""),
    }


@register.inclusion_tag("includes/share_links.html")
def share_links(article):
    """Plain share links: no third-party scripts, nothing loaded until the reader clicks."""
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
