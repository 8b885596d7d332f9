"""Old article addresses keep working: a 404 at an address an article used to have answers with
a 301 to where it lives now (``articles.Redirect``), like ``django.contrib.redirects`` but for
our own table, which names the article rather than a target (so one hop, however many renames).
"""

from django.http import HttpResponsePermanentRedirect

from .models import Article, Redirect

MAX_PATH = Redirect._meta.get_field("path").max_length


class ArticleRedirectMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        path = request.path
        if len(path) > MAX_PATH or "\x00" in path:
            return response  # no redirect has such an address (PostgreSQL refuses NUL in text)
        redirect = (
            Redirect.objects.filter(path=path, article__in=Article.objects.published())
            .select_related("article")
            .first()
        )
        if redirect is None:
            return response
        target = redirect.article.get_absolute_url()
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)
