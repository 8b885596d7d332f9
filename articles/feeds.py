"""RSS 2.0 and Atom feeds of the latest published stories: the whole site, a section, a tag, an
author (``/feed/``, ``/section/<slug>/feed/``... and ``atom/`` beside each).

Django's syndication framework writes the XML; the two generators below add what news readers
look for besides: the whole sanitized story (``content:encoded`` / Atom ``content``), every
author, the lead picture (``media:content`` with its size, plus the ``enclosure``) and when the
story last changed. Links are absolute on ``SITE_URL`` (``newsroom.links``), never the host a
request named. Items come from ``published()`` only, in a fixed number of queries.

Each response carries an ``ETag`` (a digest of the feed) and ``Last-Modified`` (its newest
change), and a conditional GET that matches gets a 304 without the body.
"""

import hashlib
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.cache import get_conditional_response, quote_etag
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed, rfc3339_date
from django.utils.html import escape
from django.utils.http import parse_http_date_safe

from newsroom.links import absolute_url

from .models import Article, Author, Section, Tag

FEED_LENGTH = 30
# The lead picture offered to readers and aggregators: the smallest rendition at least this wide.
FEED_IMAGE_WIDTH = 1200

# Characters XML 1.0 cannot hold (a pasted control character would otherwise fail the feed).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text):
    """``text`` without the characters XML 1.0 refuses."""
    return _NOT_XML.sub("", str(text or ""))


CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
MEDIA_NS = "http://search.yahoo.com/mrss/"


def _add_media(handler, image):
    if image:
        handler.addQuickElement(
            "media:content",
            "",
            {
                "url": image["url"],
                "type": image["type"],
                "medium": "image",
                "width": str(image["width"]),
                "height": str(image["height"]),
            },
        )


class NewsRssFeed(Rss201rev2Feed):
    """RSS 2.0 with the content, Dublin Core and Media RSS modules."""

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": CONTENT_NS,
            "xmlns:dc": DC_NS,
            "xmlns:dcterms": DCTERMS_NS,
            "xmlns:media": MEDIA_NS,
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, _url in item["authors"]:
            handler.addQuickElement("dc:creator", name)
        if item["updateddate"] is not None:
            handler.addQuickElement("dcterms:modified", rfc3339_date(item["updateddate"]))
        handler.addQuickElement("content:encoded", item["content_html"])
        _add_media(handler, item["image"])


class NewsAtomFeed(Atom1Feed):
    """Atom with the whole story as ``content`` and every author, plus Media RSS."""

    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:media": MEDIA_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, url in item["authors"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.addQuickElement("uri", url)
            handler.endElement("author")
        handler.addQuickElement("content", item["content_html"], {"type": "html"})
        _add_media(handler, item["image"])


class LatestStoriesFeed(Feed):
    """The whole site's latest stories (RSS); subclasses narrow ``filter_for`` to one thing."""

    feed_type = NewsRssFeed
    url_name = "articles:feed"

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        response["ETag"] = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
        last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
        return get_conditional_response(
            request, etag=response["ETag"], last_modified=last_modified, response=response
        )

    def get_object(self, request, *args, **kwargs):
        return None

    def filter_for(self, obj):
        return {}

    def title(self, obj):
        return xml_safe(settings.SITE_NAME)

    def description(self, obj):
        return xml_safe(f"The latest stories from {settings.SITE_NAME}.")

    def link(self, obj):
        return absolute_url(obj.get_absolute_url() if obj else reverse("articles:home"))

    def feed_url(self, obj):
        return absolute_url(reverse(self.url_name, args=[obj.slug] if obj else None))

    def items(self, obj):
        return (
            Article.objects.published()
            .filter(**self.filter_for(obj))
            .for_detail()
            .order_by("-published_at", "-pk")[:FEED_LENGTH]
        )

    # What RSS titles hold is HTML, hence escaped (Django's default); Atom's are text.
    def item_title(self, item):
        return escape(xml_safe(item.headline))

    def item_description(self, item):
        return escape(xml_safe(item.standfirst)) if item.standfirst else None

    def item_link(self, item):
        return absolute_url(item.get_absolute_url())

    def item_guid(self, item):
        # A tag URI (RFC 4151) that stays when the slug, and so the link, changes: feed readers
        # don't show a renamed story twice.
        host = urlsplit(settings.SITE_URL).hostname or "localhost"
        return f"tag:{host},{item.created_at:%Y-%m-%d}:article:{item.pk}"

    def item_guid_is_permalink(self, item):
        return False

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.modified_at

    def item_categories(self, item):
        return [xml_safe(name) for name in [item.section.name, *(t.name for t in item.tags.all())]]

    def item_enclosures(self, item):
        image = self._image(item)
        if not image:
            return []
        return [Enclosure(image["url"], str(image["length"]), image["type"])]

    def item_extra_kwargs(self, item):
        return {
            "authors": [
                (xml_safe(author.name), absolute_url(author.get_absolute_url()))
                for author in item.authors.all()
            ],
            "content_html": xml_safe(item.body_html),
            "image": self._image(item),
        }

    def _image(self, item):
        if not item.lead_image:
            return None
        rendition = item.lead_image.rendition(FEED_IMAGE_WIDTH)
        return {**rendition, "url": absolute_url(rendition["url"])}


class LatestStoriesAtomFeed(LatestStoriesFeed):
    feed_type = NewsAtomFeed
    url_name = "articles:feed_atom"

    def subtitle(self, obj):
        return self.description(obj)

    def item_title(self, item):
        return xml_safe(item.headline)


class _ObjectFeedMixin:
    model = None
    lookup = None  # the article field that points at the object

    def get_object(self, request, slug):
        return self.model.objects.get(slug=slug)  # DoesNotExist: the framework's 404

    def filter_for(self, obj):
        return {self.lookup: obj}

    def title(self, obj):
        return xml_safe(f"{obj.name} · {settings.SITE_NAME}")

    def description(self, obj):
        return xml_safe(f"The latest stories {self.about} {obj.name} from {settings.SITE_NAME}.")


class SectionFeed(_ObjectFeedMixin, LatestStoriesFeed):
    model, lookup, about, url_name = Section, "section", "in", "articles:section_feed"


class SectionAtomFeed(_ObjectFeedMixin, LatestStoriesAtomFeed):
    model, lookup, about, url_name = Section, "section", "in", "articles:section_feed_atom"


class TagFeed(_ObjectFeedMixin, LatestStoriesFeed):
    model, lookup, about, url_name = Tag, "tags", "about", "articles:tag_feed"


class TagAtomFeed(_ObjectFeedMixin, LatestStoriesAtomFeed):
    model, lookup, about, url_name = Tag, "tags", "about", "articles:tag_feed_atom"


class AuthorFeed(_ObjectFeedMixin, LatestStoriesFeed):
    model, lookup, about, url_name = Author, "authors", "by", "articles:author_feed"


class AuthorAtomFeed(_ObjectFeedMixin, LatestStoriesAtomFeed):
    model, lookup, about, url_name = Author, "authors", "by", "articles:author_feed_atom"
