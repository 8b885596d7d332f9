from django.conf import settings
from django.contrib import admin
from django.http import Http404
from django.urls import include, path, re_path
from django.views.static import serve

from newsroom import twofactor
from newsroom.pagecache import public_page
from newsroom.views import csrf_token, robots_txt

admin.site.site_header = f"{settings.SITE_NAME} administration"
admin.site.site_title = settings.SITE_NAME
admin.site.index_title = "Newsroom"

handler400 = "newsroom.views.bad_request"
handler403 = "newsroom.views.permission_denied"
handler500 = "newsroom.views.server_error"

urlpatterns = [
    # The admin's own login address, throttled (newsroom.login); reverse("admin:login") is this.
    path("admin/login/", twofactor.login),
    path("admin/login/code/", twofactor.login_code, name="two_factor_code"),
    path("admin/two-factor/", admin.site.admin_view(twofactor.manage), name="two_factor"),
    path("admin/", admin.site.urls),
    path("robots.txt", public_page(robots_txt), name="robots"),
    path("csrf/", csrf_token, name="csrf"),
    path("comments/", include("comments.urls")),
    path("newsletter/", include("newsletter.urls")),
    path("", include("articles.urls")),
]


def serve_media(request, path):
    """Uploaded media from Django itself when SERVE_MEDIA is on (development, demos, browser
    tests); in production a web server or object store serves MEDIA_ROOT instead."""
    if not settings.SERVE_MEDIA:
        raise Http404("Media is not served by the application.")
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    # An upload is data, never a page: opened on its own (an SVG, an HTML file renamed .jpg) it
    # runs no script, loads nothing and gets no origin (``sandbox``); the browser takes the
    # declared type as it is (``nosniff``, also set by SecurityMiddleware).
    response["Content-Security-Policy"] = MEDIA_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    return response


MEDIA_POLICY = "; ".join(
    [
        "sandbox",
        "default-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)


urlpatterns.insert(
    0, re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$", serve_media, name="media")
)
