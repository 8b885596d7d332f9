from django.urls import path, register_converter

from newsroom.pagecache import public_page

from . import feeds, sitemaps, views


class WordSlugConverter:
    """Slugs in any script ("zürich", "東京", "ελλάδα"): letters, digits, "-" and "_". Django's
    own ``slug`` converter accepts ASCII only, and an address it cannot build is a 500."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(WordSlugConverter, "wslug")

app_name = "articles"

urlpatterns = [
    path("", public_page(views.HomeView.as_view()), name="home"),
    path("sitemap.xml", public_page(sitemaps.index), name="sitemap_index"),
    path("sitemap-news.xml", public_page(sitemaps.news), name="sitemap_news"),
    path("sitemap-<slug:section>.xml", public_page(sitemaps.section), name="sitemap"),
    path("feed/", public_page(feeds.LatestStoriesFeed()), name="feed"),
    path("feed/atom/", public_page(feeds.LatestStoriesAtomFeed()), name="feed_atom"),
    path("section/<wslug:slug>/", public_page(views.SectionView.as_view()), name="section"),
    path("section/<wslug:slug>/feed/", public_page(feeds.SectionFeed()), name="section_feed"),
    path(
        "section/<wslug:slug>/feed/atom/",
        public_page(feeds.SectionAtomFeed()),
        name="section_feed_atom",
    ),
    path("tag/<wslug:slug>/feed/", public_page(feeds.TagFeed()), name="tag_feed"),
    path("tag/<wslug:slug>/feed/atom/", public_page(feeds.TagAtomFeed()), name="tag_feed_atom"),
    path("author/<wslug:slug>/feed/", public_page(feeds.AuthorFeed()), name="author_feed"),
    path(
        "author/<wslug:slug>/feed/atom/",
        public_page(feeds.AuthorAtomFeed()),
        name="author_feed_atom",
    ),
    path("tag/<wslug:slug>/", public_page(views.TagView.as_view()), name="tag"),
    path("author/<wslug:slug>/", public_page(views.AuthorView.as_view()), name="author"),
    path("article/<wslug:slug>/", public_page(views.ArticleDetailView.as_view()), name="detail"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("corrections/", public_page(views.CorrectionListView.as_view()), name="corrections"),
    path("preview/<int:pk>/", views.ArticlePreviewView.as_view(), name="preview"),
    path("preview/link/<str:token>/", views.SharedPreviewView.as_view(), name="shared_preview"),
]
