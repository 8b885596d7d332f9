"""What a page says about itself to search engines and link previews: Open Graph and Twitter
card tags, and schema.org structured data (JSON-LD) — ``NewsArticle`` and ``BreadcrumbList`` on a
story, ``WebSite`` with its search and the publisher on the home page.

The templates call :func:`json_ld` with the dictionaries built here. It writes a
``<script type="application/ld+json">``: a data block, which browsers never run, so the strict
CSP holds without a nonce. ``<``, ``>`` and ``&`` inside it are written as ``\\u003c`` and so on,
so nothing in a headline (``</script>``, ``<!--``) can end the block early.
"""

import json

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from markupsafe import Markup

from newsroom.links import absolute_url

_JSON_ESCAPES = {
    ord("<"): "\\u003C",
    ord(">"): "\\u003E",
    ord("&"): "\\u0026",
    ord("\u2028"): "\\u2028",
    ord("\u2029"): "\\u2029",
}


def json_ld(data):
    """``data`` as a JSON-LD block that nothing inside it can break out of."""
    text = json.dumps(data, ensure_ascii=False, default=str).translate(_JSON_ESCAPES)
    return Markup('<script type="application/ld+json">{}</script>').format(Markup(text))


def iso(value):
    return value.replace(microsecond=0).isoformat() if value else None


def organization():
    """The publisher: a news organisation with its logo."""
    return {
        "@type": "NewsMediaOrganization",
        "@id": absolute_url("/#organization"),
        "name": settings.SITE_NAME,
        "url": absolute_url(reverse("articles:home")),
        "logo": {
            "@type": "ImageObject",
            "url": absolute_url(
                settings.SITE_LOGO if "://" in settings.SITE_LOGO else static(settings.SITE_LOGO)
            ),
            "width": settings.SITE_LOGO_SIZE[0],
            "height": settings.SITE_LOGO_SIZE[1],
        },
    }


def website():
    """The home page's ``WebSite``, with the search readers (and search engines) can use."""
    search = absolute_url(reverse("articles:search"))
    return {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "WebSite",
                "@id": absolute_url("/#website"),
                "name": settings.SITE_NAME,
                "url": absolute_url(reverse("articles:home")),
                "publisher": {"@id": absolute_url("/#organization")},
                "potentialAction": {
                    "@type": "SearchAction",
                    "target": {"@type": "EntryPoint", "urlTemplate": f"{search}?q={{q}}"},
                    "query-input": "required name=q",
                },
            },
            organization(),
        ],
    }


def share_images(image):
    """The lead picture as link previews and search results want it: the fixed-ratio crops
    (16:9 first) when they exist, else the picture itself; each with an absolute ``url``,
    ``width`` and ``height``."""
    if image is None:
        return []
    found = image.crops_for_sharing() or [image.rendition(1200)]
    return [{**picture, "url": absolute_url(picture["url"])} for picture in found]


def news_article(article, canonical_url):
    """``NewsArticle`` and ``BreadcrumbList`` for a story page."""
    authors = [
        {
            "@type": "Person",
            "name": author.name,
            "url": absolute_url(author.get_absolute_url()),
            **({"sameAs": [url for _label, url in author.link_list]} if author.links else {}),
        }
        for author in article.ordered_authors
    ]
    data = {
        "@type": "NewsArticle",
        "@id": canonical_url + "#article",
        "mainEntityOfPage": canonical_url,
        "url": canonical_url,
        "headline": article.headline,
        "description": article.description_for_seo,
        "datePublished": iso(article.published_at),
        "dateModified": iso(article.modified_at),
        "author": authors,
        "publisher": organization(),
        "isAccessibleForFree": True,
        "articleSection": article.section.name,
        "keywords": [tag.name for tag in article.tags.all()],
        "inLanguage": settings.LANGUAGE_CODE,
    }
    image = article.lead_image
    if image is not None:
        data["image"] = [
            {
                "@type": "ImageObject",
                "url": picture["url"],
                "width": picture["width"],
                "height": picture["height"],
                "caption": image.caption or image.alt_text,
                **({"creditText": image.credit} if image.credit else {}),
                **(
                    {"copyrightHolder": {"@type": "Organization", "name": image.credit}}
                    if image.credit
                    else {}
                ),
            }
            for picture in share_images(image)
        ]
    breadcrumbs = {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": position,
                "name": name,
                "item": url,
            }
            for position, (name, url) in enumerate(
                [
                    (settings.SITE_NAME, absolute_url(reverse("articles:home"))),
                    (article.section.name, absolute_url(article.section.get_absolute_url())),
                    (article.headline, canonical_url),
                ],
                start=1,
            )
        ],
    }
    return {"@context": "https://schema.org", "@graph": [data, breadcrumbs]}


def article_open_graph(article):
    """The Open Graph ``article:`` and image properties of a story, as (property, content)."""
    tags = [
        ("og:type", "article"),
        ("article:published_time", iso(article.published_at)),
        ("article:modified_time", iso(article.modified_at)),
        ("article:section", article.section.name),
        *(("article:tag", tag.name) for tag in article.tags.all()),
    ]
    images = share_images(article.lead_image)
    if images:
        picture = images[0]
        tags += [
            ("og:image", picture["url"]),
            ("og:image:width", str(picture["width"])),
            ("og:image:height", str(picture["height"])),
            ("og:image:alt", article.lead_image.alt_text),
        ]
    return tags
