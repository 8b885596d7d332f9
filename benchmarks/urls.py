"""The site's addresses plus ``/bench/floor/``: a constant response the size of an article page
(``BENCH_FLOOR_BYTES``), through the same middleware as every page. It is what the benchmarks
divide by: the cost of Django, the middleware and the server, with no page built."""

import os

from django.http import HttpResponse
from django.urls import include, path

FLOOR_BODY = b"<!doctype html>" + b"x" * max(0, int(os.environ.get("BENCH_FLOOR_BYTES", "20000")))


def floor(request):
    return HttpResponse(FLOOR_BODY, content_type="text/html; charset=utf-8")


urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("", include("newsroom.urls")),
]
