"""Sitemaps: ``/sitemap.xml`` (an index) over the stories, sections, tags and authors, a file per
``SITEMAP_URLS_PER_FILE`` addresses (``/sitemap-articles.xml?p=2``), and the Google News sitemap
``/sitemap-news.xml`` (the last two days' stories, at most 1,000).

Django's sitemaps framework pages through each list; the classes here only say what is public
(``published()`` and what it reaches), how to read it in a fixed number of queries per file, and
that every address is absolute on ``SITE_URL`` rather than on the host a request named.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem, x_robots_tag
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.db.models import Exists, Max, OuterRef, Subquery
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from newsroom.cache import SITEMAP_SECTIONS
from newsroom.links import absolute_url

from .feeds import xml_safe
from .models import Article, Author, Correction, Section, Tag
from .pagination import KeyedPaginator

NEWS_WINDOW = timedelta(days=2)
NEWS_LIMIT = 1000  # Google News reads at most this many per sitemap
# The width of the picture named for each story: big enough for any search result.
SITEMAP_IMAGE_WIDTH = 1920


class SiteSitemap(Sitemap):
    """Addresses on ``SITE_URL`` (scheme, host and any path prefix), whoever asks."""

    @property
    def limit(self):
        return settings.SITEMAP_URLS_PER_FILE

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None):
        parts = urlsplit(settings.SITE_URL)
        return parts.netloc + parts.path.rstrip("/")


class ArticleSitemap(SiteSitemap):
    """Every published story, newest first, with when it last changed and its lead picture."""

    @property
    def paginator(self):
        newest = Article.objects.published().order_by("-published_at", "-pk")
        # The keys are public stories' already: their rows are read by key alone. With the
        # public filter again SQLite's planner (given ANALYZE's figures) walked the public
        # stories' index past the archive instead: 60 ms for a deep file at 100,000.
        return KeyedPaginator(newest, self.limit, rows=self.entries(Article.objects.all()))

    def items(self):
        return self.entries(Article.objects.published())

    def entries(self, stories):
        """What each story's entry needs, newest first."""
        last_correction = (
            Correction.objects.filter(article=OuterRef("pk"), published_at__lte=timezone.now())
            .order_by("-published_at")
            .values("published_at")[:1]
        )
        return (
            stories.select_related("lead_image")
            .only("slug", "published_at", "updated_at", "lead_image")
            .annotate(last_correction_at=Subquery(last_correction))
            .order_by("-published_at", "-pk")
        )

    def lastmod(self, item):
        times = [item.published_at, item.updated_at, item.last_correction_at]
        return max(t for t in times if t is not None).replace(microsecond=0)

    def get_latest_lastmod(self):
        """The newest change of any story: its newest publication, edit and correction, each
        the first entry of an index walked backwards (``article_public``, ``article_updated``).
        One ``MAX`` of both dates over the public stories read every one of them: 300 ms at
        100,000 on SQLite."""
        public = Article.objects.published()
        times = [
            public.order_by("-published_at").values_list("published_at", flat=True).first(),
            public.aggregate(Max("updated_at"))["updated_at__max"],
            Correction.objects.published().aggregate(Max("published_at"))["published_at__max"],
        ]
        times = [t for t in times if t is not None]
        return max(times).replace(microsecond=0) if times else None

    def get_urls(self, *args, **kwargs):
        urls = super().get_urls(*args, **kwargs)
        for url in urls:
            image = url["item"].lead_image
            url["image"] = absolute_url(image.url_for_width(SITEMAP_IMAGE_WIDTH)) if image else ""
        return urls


class SectionSitemap(SiteSitemap):
    def items(self):
        return Section.objects.order_by("position", "name", "pk")


class TagSitemap(SiteSitemap):
    """Tags with at least one public story: an empty tag page is not worth a crawler's visit."""

    def items(self):
        public = Article.objects.published().filter(tags=OuterRef("pk"))
        return Tag.objects.filter(Exists(public)).order_by("name", "pk")


class AuthorSitemap(SiteSitemap):
    def items(self):
        public = Article.objects.published().filter(authors=OuterRef("pk"))
        return Author.objects.filter(Exists(public)).order_by("name", "pk")


class NewsSitemap(SiteSitemap):
    """What Google News reads: stories published in the last two days, at most 1,000."""

    limit = NEWS_LIMIT

    def items(self):
        since = timezone.now() - NEWS_WINDOW
        return (
            Article.objects.published()
            .filter(published_at__gte=since)
            .only("slug", "headline", "published_at")
            .order_by("-published_at", "-pk")[:NEWS_LIMIT]
        )

    def get_urls(self, *args, **kwargs):
        urls = super().get_urls(*args, **kwargs)
        for url in urls:
            story = url["item"]
            url["news"] = {
                "name": xml_safe(settings.NEWS_PUBLICATION_NAME),
                "language": settings.NEWS_PUBLICATION_LANGUAGE,
                "date": story.published_at.replace(microsecond=0),
                "title": xml_safe(story.headline),
            }
        return urls


SITEMAPS = {
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}
assert tuple(SITEMAPS) == SITEMAP_SECTIONS, "newsroom.cache purges these files"


@x_robots_tag
def index(request):
    """``/sitemap.xml``: every page of every sitemap. Django's own index view names the host
    of the request; ours names ``SITE_URL``."""
    entries = []
    for section, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class()
        location = absolute_url(reverse("articles:sitemap", kwargs={"section": section}))
        lastmod = sitemap.get_latest_lastmod()
        for page in range(1, sitemap.paginator.num_pages + 1):
            entries.append(
                SitemapIndexItem(location if page == 1 else f"{location}?p={page}", lastmod)
            )
    return TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": entries}, content_type="application/xml"
    )


def section(request, section):
    """``/sitemap-<section>.xml`` (``?p=2`` and on for the following files)."""
    return sitemap_view(request, SITEMAPS, section=section, template_name="sitemaps/sitemap.xml")


def news(request):
    """``/sitemap-news.xml``."""
    return sitemap_view(
        request, {"news": NewsSitemap}, section="news", template_name="sitemaps/news.xml"
    )
