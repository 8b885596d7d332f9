"""Public pages. Every query starts from ``Article.objects.published()``."""

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views.generic import DetailView, ListView, TemplateView

from newsroom.links import absolute_url

from . import metadata
from . import search as fulltext
from .models import Article, Author, Correction, PreviewLink, Section, Tag
from .pagination import RankedPaginator, WindowPaginator
from .search import normalize_query, passages

LATEST_PER_SECTION = 4


class HomeView(TemplateView):
    template_name = "articles/home.html"

    def get_context_data(self, **kwargs):
        published = Article.objects.published()
        featured = published.filter(is_featured=True).newest_rows(5)
        # An editor's pin leads; without one, the newest featured story, else the newest.
        lead = published.pinned_lead() or next(iter(featured or published.newest_rows(1)), None)
        featured = [article for article in featured if article != lead][:4]
        shown = {a.pk for a in featured} | ({lead.pk} if lead else set())
        latest = (
            published.exclude(pk__in=shown).latest_per_section(LATEST_PER_SECTION).for_listing()
        )
        by_section = {}
        for article in latest:
            by_section.setdefault(article.section, []).append(article)
        return super().get_context_data(
            lead=lead,
            featured=featured,
            sections=list(by_section.items()),
            structured_data=metadata.website(),
            **kwargs,
        )


class ArticleListView(ListView):
    """A paginated list of published teasers; subclasses say what the list is about."""

    template_name = "articles/article_list.html"
    context_object_name = "articles"
    paginator_class = WindowPaginator  # no COUNT(*) over a whole archive

    def get_paginate_by(self, queryset):
        return settings.ARTICLES_PER_PAGE

    def get_paginator(self, *args, **kwargs):
        # The page's keys from the public stories' filter, their rows by key (KeyedPaginator).
        rows = Article.objects.for_listing()
        paginator = super().get_paginator(*args, rows=rows, **kwargs)
        return paginator.ask_for(self.request.GET.get(self.page_kwarg))

    feed_name = None  # the URL name of the list's own RSS feed; its Atom one ends in "_atom"

    def get_queryset(self):
        return Article.objects.published().filter(**self.get_filter())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["canonical_url"] = canonical_list_url(self.request, context.get("page_obj"))
        if self.feed_name and "heading" in kwargs:
            slug = self.kwargs["slug"]
            context["feed"] = {
                "title": f"{kwargs['heading']} · {settings.SITE_NAME}",
                "rss": absolute_url(reverse(self.feed_name, args=[slug])),
                "atom": absolute_url(reverse(self.feed_name + "_atom", args=[slug])),
            }
        return context


def canonical_list_url(request, page_obj, **params):
    """A list's address as search engines should index it: its path, ``params`` (a search's
    words), and the page number past the first; nothing else a link added."""
    query = {key: value for key, value in params.items() if value}
    if page_obj is not None and page_obj.number > 1:
        query["page"] = page_obj.number
    return absolute_url(request.path + (f"?{urlencode(query)}" if query else ""))


class SectionView(ArticleListView):
    feed_name = "articles:section_feed"

    def get_filter(self):
        self.section = get_object_or_404(Section, slug=self.kwargs["slug"])
        return {"section": self.section}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            heading=self.section.name,
            description=self.section.description,
            kind="Section",
            current_section=self.section,
            **kwargs,
        )


class TagView(ArticleListView):
    feed_name = "articles:tag_feed"

    def get_filter(self):
        self.tag = get_object_or_404(Tag, slug=self.kwargs["slug"])
        return {"tags": self.tag}  # by key: one join fewer than by slug

    def get_context_data(self, **kwargs):
        return super().get_context_data(heading=self.tag.name, kind="Tag", **kwargs)


class AuthorView(ArticleListView):
    feed_name = "articles:author_feed"
    template_name = "articles/author_detail.html"

    def get_filter(self):
        self.author = get_object_or_404(
            Author.objects.select_related("photo"), slug=self.kwargs["slug"]
        )
        return {"authors": self.author}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            heading=self.author.name, kind="Author", author=self.author, **kwargs
        )


class ArticleDetailView(DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        return Article.objects.published().for_detail(bylines=False, parts=False)

    def get_object(self, queryset=None):
        return Article.objects.with_parts(super().get_object(queryset))

    def get_context_data(self, **kwargs):
        article = self.object
        related = Article.objects.related_to(article, bylines=False)
        Article.objects.prefetch_bylines([article, *related])  # one query for every byline
        canonical = absolute_url(article.get_absolute_url())
        return super().get_context_data(
            related=related,
            current_section=article.section,
            canonical_url=canonical,
            open_graph=metadata.article_open_graph(article),
            structured_data=metadata.news_article(article, canonical),
            **kwargs,
        )


@method_decorator(
    # Staff who may see articles in the admin: Moderators are staff for comments only.
    [staff_member_required, permission_required("articles.view_article", raise_exception=True)],
    name="dispatch",
)
class ArticlePreviewView(ArticleDetailView):
    """Staff see an article, draft or not, exactly as readers will: the ones the admin shows them
    (an Author their own, an Editor any); anything else is a 404, as in the admin."""

    def get_queryset(self):
        return Article.objects.viewable_by(self.request.user).for_detail()

    def get_object(self, queryset=None):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(is_preview=True, **kwargs)

    def render_to_response(self, context, **kwargs):
        return private_page(super().render_to_response(context, **kwargs))


def private_page(response):
    """A page for its reader only: never stored by a browser, proxy or page cache, never
    indexed, and its address (a preview link is a secret) not sent on to other sites."""
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


class SharedPreviewView(ArticleDetailView):
    """``/preview/link/<token>/``: a story shown to whoever holds an editor's preview link,
    pinned to the version of the link's creation or following the latest (``PreviewLink``).
    A tampered or unknown link is a 404; an expired or revoked one says so (410)."""

    def get(self, request, *args, **kwargs):
        try:
            self.link = PreviewLink.objects.from_token(self.kwargs["token"])
        except PreviewLink.DoesNotExist:
            raise Http404("No such preview link.") from None
        if not self.link.is_active:
            response = render(
                request, "articles/preview_link_gone.html", {"link": self.link}, status=410
            )
            return private_page(response)
        self.link.record_open()
        return super().get(request, *args, **kwargs)

    def get_object(self, queryset=None):
        article = Article.objects.for_detail().get(pk=self.link.article_id)
        return self.link.article_as_shown(article)

    def get_context_data(self, **kwargs):
        return super().get_context_data(is_preview=True, preview_link=self.link, **kwargs)

    def render_to_response(self, context, **kwargs):
        return private_page(super().render_to_response(context, **kwargs))


class SearchView(ListView):
    """``/search/?q=...&section=...``: published articles matching the words, best match
    first, each with its best passage highlighted; ``section`` (a menu section's slug) narrows
    them to one section, anything else is ignored. A search ranks its newest ``RANKED`` matches
    (articles/search.py); when it finds more, the page says "more than"."""

    template_name = "articles/search.html"
    context_object_name = "articles"
    paginator_class = RankedPaginator  # the ranked keys once, then only the page's rows

    def get_paginate_by(self, queryset):
        return settings.ARTICLES_PER_PAGE

    def get_paginator(self, queryset, per_page, **kwargs):
        # The keys are public stories' already (``get_queryset``); their rows are read by key
        # alone. With the public filter again, SQLite's planner (given ANALYZE's figures)
        # walked the public stories' index past the whole archive for ten rows: 15 ms at
        # 100,000 stories.
        rows = Article.objects.for_listing()
        most = fulltext.RANKED
        return super().get_paginator(queryset, per_page, rows=rows, most=most, **kwargs)

    def get_queryset(self):
        self.query = normalize_query(self.request.GET.get("q", ""))
        wanted = self.request.GET.get("section", "")
        self.section = next((s for s in Section.objects.menu() if s.slug == wanted), None)
        if not self.query:
            return Article.objects.none()
        found = Article.objects.published()
        if self.section is not None:
            found = found.filter(section=self.section)  # before searching: see search()
        return found.search(self.query)

    def get_context_data(self, **kwargs):
        params = {"q": self.query, "section": self.section.slug if self.section else ""}
        params = {key: value for key, value in params.items() if value}
        context = super().get_context_data(
            query=self.query, section=self.section, page_query=urlencode(params), **kwargs
        )
        articles = list(context["articles"])
        found = passages(articles, self.query)
        for article in articles:
            article.search_passage = found.get(article.pk)
        context["articles"] = articles
        context["canonical_url"] = canonical_list_url(
            self.request, context.get("page_obj"), **params
        )
        return context


class CorrectionListView(ListView):
    """``/corrections/``: every correction on a published article, newest first."""

    template_name = "articles/correction_list.html"
    context_object_name = "corrections"
    paginate_by = 20

    def get_queryset(self):
        return Correction.objects.published().select_related("article")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["canonical_url"] = canonical_list_url(self.request, context.get("page_obj"))
        return context
