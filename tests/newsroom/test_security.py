"""Secure by default: the deployment check passes with only the required variables, HTTPS is
enforced unless switched off, every page runs under the strict policy, uploads are served as
inert data, and only superusers set the advertisement's HTML."""

import os
import secrets
import subprocess
import sys

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from articles.models import SiteSettings
from tests.tools import ROOT

# Deployment check -------------------------------------------------------------------------------


def run_in_fresh_python(args, **environ):
    """Run ``manage.py args`` with only ``environ`` (and PATH) set, debug off."""
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "newsroom.settings"}
    env.update(environ)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


REQUIRED = {"DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_ALLOWED_HOSTS": "news.example"}
DEPLOY_CHECK = ["check", "--deploy", "--fail-level", "WARNING"]


def test_deploy_check_passes_with_only_the_required_variables():
    result = run_in_fresh_python(DEPLOY_CHECK, **REQUIRED)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "warning"),
    [
        ("DJANGO_SECURE_SSL_REDIRECT", "0", "security.W008"),
        ("DJANGO_SECURE_HSTS_SECONDS", "0", "security.W004"),
        ("DJANGO_SECURE_COOKIES", "0", "security.W012"),
    ],
)
def test_each_switch_turns_its_part_off_and_the_check_says_so(variable, value, warning):
    result = run_in_fresh_python(DEPLOY_CHECK, **REQUIRED, **{variable: value})
    assert result.returncode != 0
    assert warning in result.stderr + result.stdout


def read_settings(names, **environ):
    code = "from django.conf import settings; print(repr([getattr(settings, n) for n in %r]))"
    env = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "newsroom.settings"}
    env.update(environ)
    result = subprocess.run(
        [sys.executable, "-c", code % (names,)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return dict(zip(names, eval(result.stdout), strict=True))  # noqa: S307 (our own repr)


def test_hsts_lasts_a_year_by_default_and_its_length_is_a_variable():
    names = ["SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE"]
    assert read_settings(names, **REQUIRED) == {
        "SECURE_HSTS_SECONDS": 365 * 24 * 3600,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
    }
    assert (
        read_settings(names, **REQUIRED, DJANGO_SECURE_HSTS_SECONDS="300")["SECURE_HSTS_SECONDS"]
        == 300
    )


def test_local_runs_over_plain_http_do_not_redirect():
    """Debug on (make run) and the insecure development key (tests, make bench) serve http."""
    names = ["SECURE_SSL_REDIRECT"]
    assert read_settings(names, DJANGO_DEBUG="1") == {"SECURE_SSL_REDIRECT": False}
    assert read_settings(names, NEWSROOM_INSECURE_DEV_KEY="1") == {"SECURE_SSL_REDIRECT": False}


@pytest.mark.django_db
def test_https_is_enforced_when_on(settings, make):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    client = Client()  # the security middleware reads its settings when it is built
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/"
    response = client.get("/", secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_secure_and_the_session_is_http_only(settings, make):
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SESSION_COOKIE_HTTPONLY
    user = make.staff(password="a long enough password 1")
    client = Client()
    response = client.post(
        reverse("admin:login"),
        {"username": user.username, "password": "a long enough password 1"},
        secure=True,
    )
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"]


# The policy on every page -----------------------------------------------------------------------

REQUIRED_DIRECTIVES = {
    "base-uri": {"'none'"},
    "object-src": {"'none'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}
LAX = {"'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:", "data:"}


def directives(policy):
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = set(words[1:])
    return parsed


def public_urls(make):
    section = make.section()
    tag_article = make.article(section=section, tags=["Weather"])
    author = tag_article.authors.first()
    return [
        "/",
        tag_article.get_absolute_url(),
        section.get_absolute_url(),
        reverse("articles:tag", args=["weather"]),
        author.get_absolute_url(),
        reverse("articles:search") + "?q=weather",
        reverse("articles:corrections"),
        reverse("newsletter:subscribe"),
        reverse("newsletter:archive"),
        "/no-such-page/",
        reverse("admin:login"),
    ]


@pytest.mark.django_db
def test_every_page_sends_the_strict_policy(client, make, editor_client):
    urls = public_urls(make)
    responses = [(url, client.get(url)) for url in urls]
    responses += [
        (url, editor_client.get(url))
        for url in [reverse("admin:index"), reverse("admin:articles_article_add")]
    ]
    for url, response in responses:
        assert response.status_code in {200, 404}, (url, response.status_code)
        policy = directives(response["Content-Security-Policy"])
        for name, sources in REQUIRED_DIRECTIVES.items():
            assert policy.get(name) == sources, (url, name, policy.get(name))
        for name in ["script-src", "style-src", "default-src"]:
            assert not policy[name] & LAX, (url, name)


@pytest.mark.django_db
def test_uploaded_media_are_served_inert(client, settings):
    settings.SERVE_MEDIA = True
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
    (settings.MEDIA_ROOT / "trap.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    response = client.get("/media/trap.svg")
    assert response.status_code == 200
    response.close()  # a FileResponse holds the file open
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = directives(response["Content-Security-Policy"])
    assert "sandbox" in policy
    assert policy["default-src"] == {"'none'"}


# The advertisement ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_superusers_set_the_advertisement(make, staff_client):
    settings_row, _ = SiteSettings.objects.get_or_create(pk=1)
    url = reverse("admin:articles_sitesettings_change", args=[settings_row.pk])
    editor = staff_client(["Editors"])
    trusted = staff_client()
    trusted.user.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_sitesettings", "view_sitesettings"])
    )
    for client in [editor, trusted]:
        assert client.get(url).status_code == 403
        response = client.post(url, {"advertisement_html": "<a href='/x'>owned</a>"})
        assert response.status_code == 403
    settings_row.refresh_from_db()
    assert "owned" not in settings_row.advertisement_html

    superuser = staff_client(is_superuser=True)
    assert superuser.get(url).status_code == 200
