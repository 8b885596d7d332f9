"""
Settings for Newsroom: one module, driven by environment variables.

With nothing set it runs embedded: SQLite, local-memory cache, a database task queue and email
printed to the console. Set ``DATABASE_URL``, ``REDIS_URL`` and ``EMAIL_URL`` and the same code runs
on PostgreSQL, Redis and real SMTP. Every variable is documented in the README.
"""

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def mailers_from_url(url):
    """Translate ``EMAIL_URL`` into Django 6.1's ``MAILERS`` setting.

    ``console:`` prints mail decoded, links whole (``newsroom.mail``), ``locmem:`` keeps it in
    memory, ``file:///path`` writes files and ``smtp://user:pass@host:port`` (``smtps://`` for
    implicit TLS, ``?tls=1`` for STARTTLS) sends it.
    """
    parts = urlsplit(url)
    scheme = parts.scheme or url.rstrip(":")
    backends = {
        "console": "newsroom.mail.ConsoleBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "dummy": "django.core.mail.backends.dummy.EmailBackend",
        "file": "django.core.mail.backends.filebased.EmailBackend",
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtps": "django.core.mail.backends.smtp.EmailBackend",
    }
    if scheme not in backends:
        raise ImproperlyConfigured(f"EMAIL_URL scheme {scheme!r} is not one of {sorted(backends)}")
    options = {}
    if scheme == "file":
        options["file_path"] = parts.path
    elif scheme in {"smtp", "smtps"}:
        query = parse_qs(parts.query)
        options = {
            "host": parts.hostname or "localhost",
            "port": parts.port or (465 if scheme == "smtps" else 25),
            "username": unquote(parts.username or ""),
            "password": unquote(parts.password or ""),
            "use_ssl": scheme == "smtps",
            "use_tls": query.get("tls", ["0"])[0] in {"1", "true"},
            "timeout": int(query.get("timeout", ["30"])[0]),
        }
    return {"default": {"BACKEND": backends[scheme], "OPTIONS": options}}


# Core ------------------------------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_bool("NEWSROOM_INSECURE_DEV_KEY", False):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off. "
            "For local work, set DJANGO_DEBUG=1 (make run does)."
        )
    SECRET_KEY = "django-insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.environ.get("SITE_NAME", "Newsroom")
# The publisher's logo in structured data (a static file, or an absolute URL) and its size in
# pixels ("WIDTHxHEIGHT"); Google asks for a wide raster of at most 600x60.
SITE_LOGO = os.environ.get("SITE_LOGO", "img/logo.png")
SITE_LOGO_SIZE = tuple(
    int(n)
    for n in re.fullmatch(
        r"([0-9]{1,5})x([0-9]{1,5})", os.environ.get("SITE_LOGO_SIZE", "600x60")
    ).groups()
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Two-factor login for staff (newsroom.twofactor): authenticator-app codes, recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django.contrib.sitemaps",  # its index template; articles/sitemaps.py holds ours
    "django.contrib.postgres",  # search: SearchVectorField, GIN index (harmless on SQLite)
    "taggit",
    "django_prose_editor",
    "django_tasks_db",
    "articles",
    "comments",
    "newsletter",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Public pages for anonymous readers from the cache, before sessions, CSRF and the view
    # (and before the database is needed: stored pages are served while it is down).
    "newsroom.pagecache.PageCacheMiddleware",
    # A database that cannot be reached answers 503 with Retry-After (site design, no trace).
    "newsroom.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff who must use two-factor login and have not (newsroom.twofactor).
    "newsroom.twofactor.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A 404 at an article's old address (its slug changed) answers with a 301 to the new one.
    "articles.middleware.ArticleRedirectMiddleware",
    # With debug on, a missing page shows the site's 404 page, not the technical one.
    "newsroom.middleware.SiteNotFoundMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

# Two engines that never load each other's files. Readers' pages are Jinja2 templates under
# templates/jinja2/ (the same names as before: "articles/article_detail.html", "includes/...");
# that folder is the Jinja2 engine's only root (no app folders). The admin and the emails are
# Django templates under templates/ and in the apps; no name they use starts with "jinja2/".
# Jinja2 comes first: a public page is found at the first try. The environment (globals,
# filters) is newsroom/jinja2.py.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "newsroom.jinja2.environment",
            "context_processors": [
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.site",
                # Last: pages that may be shared carry no reader's CSRF token.
                "newsroom.pagecache.csrf_context",
            ],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.site",
            ],
        },
    },
]

# Data ------------------------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A server that does not answer at all (a host gone) fails the request in seconds: a 503.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
    )
# What the 503 page asks readers to wait while the database cannot be reached (seconds).
DATABASE_RETRY_AFTER = int(os.environ.get("DATABASE_RETRY_AFTER", "10"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the task worker writes; IMMEDIATE transactions take the
    # write lock up front so concurrent writers queue instead of failing with "database is locked".
    # Connections persist across requests (DATABASE_CONN_MAX_AGE) as on PostgreSQL: a new one
    # per request paid for opening the file, the PRAGMAs and a cold page cache every time. Between
    # requests a connection holds no transaction, so it blocks neither writers nor checkpoints.
    # Its page cache (SQLITE_CACHE_MB, 8 MB at most, filled only as pages are read) keeps the
    # pages a worker reads again from costing a system call each: SQLite's default of 2 MB
    # holds 500 pages, fewer than a search of a large archive reads (5.8 -> 2.3 ms at 100,000;
    # 64 MB was no faster, and grew a worker by 30 MB between its 1,000th and 10,000th request).
    cache_kib = int(float(os.environ.get("SQLITE_CACHE_MB", "8")) * 1024)
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            f"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-{cache_kib};"
        ),
    }

# A read replica (PostgreSQL): reads go there, writes and reads in transactions to the primary
# (newsroom/routers.py). The page cache purges again once the replica has caught up.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["newsroom.routers.ReplicaRouter"]
DATABASE_REPLICA_LAG_SECONDS = float(os.environ.get("DATABASE_REPLICA_LAG_SECONDS", "2"))

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Django's RedisCache, except that Redis being down is a miss, not an error (pages are built
    # uncached, forms work, rate limits count per process, one warning): newsroom.rediscache.
    CACHES = {
        "default": {
            "BACKEND": "newsroom.rediscache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "newsroom"),
            "OPTIONS": {
                "socket_connect_timeout": float(os.environ.get("REDIS_TIMEOUT", "0.5")),
                "socket_timeout": float(os.environ.get("REDIS_TIMEOUT", "0.5")),
            },
        }
    }
else:
    # Room for the page cache's entries (about 20 KB each) in each process.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("CACHE_MAX_ENTRIES", "2000"))},
        }
    }

# What every process of the site must see alike, the page cache's version tokens (a purge in the
# admin's process drops the page in every worker): the same Redis, or without it a folder on this
# machine (CACHE_DIR). Several machines need REDIS_URL.
if REDIS_URL:
    CACHES["shared"] = dict(CACHES["default"])
else:
    CACHES["shared"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("CACHE_DIR", str(BASE_DIR / ".cache" / "shared")),
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }

# The page cache (newsroom.pagecache): how long anonymous readers' pages are kept, by us and by a
# CDN or proxy in front (s-maxage), and how long such a cache may serve a page while it fetches a
# fresh one (stale-while-revalidate). Purges drop pages at once; 0 turns the page cache off.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
PAGE_STALE_SECONDS = int(os.environ.get("PAGE_STALE_SECONDS", "30"))
# Where purged pages go (newsroom.cache): the page cache, and the CDN hook, which POSTs the purged
# URLs to CDN_PURGE_URL (a task; newsroom.cdn) when it is set, with CDN_PURGE_TOKEN as a bearer.
CACHE_PURGERS = ["newsroom.pagecache.purge", "newsroom.cdn.purge"]
CDN_PURGE_URL = os.environ.get("CDN_PURGE_URL", "")
CDN_PURGE_TOKEN = os.environ.get("CDN_PURGE_TOKEN", "")
CDN_PURGE_TIMEOUT = float(os.environ.get("CDN_PURGE_TIMEOUT", "10"))

# Background tasks: a database queue by default (worker: ``manage.py db_worker``); with
# TASKS_BACKEND=rq and REDIS_URL, RQ workers (``manage.py rqworker default --job-class
# django_tasks_rq.Job --with-scheduler``: the scheduler is what runs tasks deferred with
# ``run_after``, such as a scheduled newsletter); ``immediate`` runs tasks inline (tests).
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database")
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {sorted(_TASK_BACKENDS)}")
_TASK_QUEUES = ["default"]
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": _TASK_QUEUES}}
if TASKS_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("TASKS_BACKEND=rq needs REDIS_URL")
    # As django-tasks-rq's README says: its app beside django_rq's, and an RQ queue for every
    # queue the tasks use.
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600} for name in _TASK_QUEUES}

# Email -----------------------------------------------------------------------------------------

MAILERS = mailers_from_url(os.environ.get("EMAIL_URL", "console:"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Newsroom <newsroom@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Files -----------------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_MANIFEST = env_bool("DJANGO_STATIC_MANIFEST", False)
# Without the manifest (development, tests) WhiteNoise serves straight from the finders.
STATIC_ROOT = BASE_DIR / "staticfiles" if STATIC_MANIFEST else None
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploads beyond these limits are refused with a form error (see articles.images).
IMAGE_MAX_UPLOAD_BYTES = int(os.environ.get("IMAGE_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))
IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", str(40_000_000)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security --------------------------------------------------------------------------------------

# A strict, nonce-based policy: templates never carry inline scripts, styles or event handlers.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS by default once debug is off: plain http is redirected and browsers are told (HSTS) to
# use nothing else. Local runs with the insecure development key (tests, make bench) are served
# over plain http, so they redirect nothing; a deployment behind a proxy that redirects itself
# sets DJANGO_SECURE_SSL_REDIRECT=0. HSTS is sent on HTTPS responses only; 0 seconds turns it off.
_LOCAL_RUN = DEBUG or env_bool("NEWSROOM_INSECURE_DEV_KEY", False)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not _LOCAL_RUN)
SECURE_HSTS_SECONDS = int(
    os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 3600))
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# The preload directive only consents to the browsers' preload list; joining it is a separate
# step at hstspreload.org.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# The name authenticator apps show for our codes.
OTP_TOTP_ISSUER = SITE_NAME
# Failed admin logins accepted per client IP and per account name in the window (seconds), then
# 429 until the window closes (newsroom.login); 0 turns the throttle off.
ADMIN_LOGIN_RATE_LIMIT = int(os.environ.get("ADMIN_LOGIN_RATE_LIMIT", "10"))
ADMIN_LOGIN_RATE_WINDOW = int(os.environ.get("ADMIN_LOGIN_RATE_WINDOW", "600"))

# Locale ----------------------------------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/London")
USE_I18N = True
# The Google News sitemap's publication: its name as Google News knows it, and its language
# (ISO 639: "en", or "zh-cn"/"zh-tw"), by default the site's name and LANGUAGE_CODE's language.
NEWS_PUBLICATION_NAME = os.environ.get("NEWS_PUBLICATION_NAME", SITE_NAME)
NEWS_PUBLICATION_LANGUAGE = os.environ.get(
    "NEWS_PUBLICATION_LANGUAGE",
    LANGUAGE_CODE if LANGUAGE_CODE in ("zh-cn", "zh-tw") else LANGUAGE_CODE.split("-")[0],
)
USE_TZ = True

# Newsroom --------------------------------------------------------------------------------------

# Where the client's IP address is read (newsroom.clients): REMOTE_ADDR, or behind trusted reverse
# proxies the header they set (HTTP_X_FORWARDED_FOR) and how many of them append to it.
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "REMOTE_ADDR")
CLIENT_IP_PROXY_COUNT = int(os.environ.get("CLIENT_IP_PROXY_COUNT", "1"))

# The periodic sweep (``manage.py sweep``, every minute beside the worker) runs each of these
# once per round: work that must happen at a time even if the task enqueued for it was lost.
SWEEP_JOBS = [
    "articles.tasks.publish_due_articles",
    "articles.tasks.expire_articles",
    "articles.tasks.end_lead_pins",
    "articles.tasks.merge_search_index",
    "newsletter.tasks.send_due_issues",
]

ARTICLES_PER_PAGE = int(os.environ.get("ARTICLES_PER_PAGE", "12"))
# Addresses per sitemap file (the protocol allows 50,000; smaller files are quicker to make).
SITEMAP_URLS_PER_FILE = int(os.environ.get("SITEMAP_URLS_PER_FILE", "2000"))
# How long a shareable preview link works unless the editor says otherwise (hours).
PREVIEW_LINK_HOURS = float(os.environ.get("PREVIEW_LINK_HOURS", "48"))
TAGGIT_CASE_INSENSITIVE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# Serve uploaded media from Django itself (development, demos and browser tests). In production a
# web server or object store serves MEDIA_ROOT instead.
SERVE_MEDIA = env_bool("DJANGO_SERVE_MEDIA", DEBUG)

# Articles --------------------------------------------------------------------------------------

# django-prose-editor suggests its own sanitizer (nh3); the body is stored as typed and sanitized
# by newsroom.sanitizer into body_html on save, the only HTML ever shown to readers.
SILENCED_SYSTEM_CHECKS = ["django_prose_editor.W004"]

# Comments --------------------------------------------------------------------------------------

# A friendly page in the site's design when a form fails Django's CSRF check.
CSRF_FAILURE_VIEW = "newsroom.views.csrf_failure"
COMMENTS_PER_PAGE = int(os.environ.get("COMMENTS_PER_PAGE", "50"))
# Days after publication that an article takes comments; 0 keeps them open for ever.
COMMENTS_CLOSE_AFTER_DAYS = int(os.environ.get("COMMENTS_CLOSE_AFTER_DAYS", "30"))
# A form sent sooner than this after it was shown is held; one older than the maximum is refused.
COMMENTS_MIN_SECONDS = float(os.environ.get("COMMENTS_MIN_SECONDS", "3"))
COMMENTS_MAX_SECONDS = int(os.environ.get("COMMENTS_MAX_SECONDS", str(24 * 3600)))
# At most this many comments per IP address and per email in the window (seconds); 0 turns it off.
COMMENTS_RATE_LIMIT = int(os.environ.get("COMMENTS_RATE_LIMIT", "5"))
COMMENTS_RATE_WINDOW = int(os.environ.get("COMMENTS_RATE_WINDOW", "600"))
# Comments with more links than this wait for a moderator.
COMMENTS_MAX_LINKS = int(os.environ.get("COMMENTS_MAX_LINKS", "2"))
# Approve at once a commenter whose email already has an approved comment.
COMMENTS_TRUST_APPROVED_EMAILS = env_bool("COMMENTS_TRUST_APPROVED_EMAILS", True)
COMMENTS_IP_RETENTION_DAYS = int(os.environ.get("COMMENTS_IP_RETENTION_DAYS", "30"))
# Who gets the pending-comments digest; empty means every active staff user who can moderate.
COMMENTS_DIGEST_RECIPIENTS = env_list("COMMENTS_DIGEST_RECIPIENTS")
# Newsletter ------------------------------------------------------------------------------------

# The IP kept with a sign-up's consent record: "full", "anonymised" (network part only) or "none".
NEWSLETTER_CONSENT_IP = os.environ.get("NEWSLETTER_CONSENT_IP", "anonymised")
if NEWSLETTER_CONSENT_IP not in {"full", "anonymised", "none"}:
    raise ImproperlyConfigured("NEWSLETTER_CONSENT_IP must be full, anonymised or none")
# The mailto: half of List-Unsubscribe (the HTTPS one-click URL is the other half).
NEWSLETTER_UNSUBSCRIBE_MAILTO = os.environ.get(
    "NEWSLETTER_UNSUBSCRIBE_MAILTO",
    "unsubscribe@" + (urlsplit(SITE_URL).hostname or "localhost"),
)
# Sending: rows claimed per batch (one SMTP connection each); how long a claim lasts without a
# sign of life from its worker before another may take it over; retries of transient failures.
NEWSLETTER_BATCH_SIZE = int(os.environ.get("NEWSLETTER_BATCH_SIZE", "500"))
NEWSLETTER_CLAIM_LEASE_SECONDS = float(os.environ.get("NEWSLETTER_CLAIM_LEASE_SECONDS", "60"))
NEWSLETTER_MAX_ATTEMPTS = int(os.environ.get("NEWSLETTER_MAX_ATTEMPTS", "5"))
NEWSLETTER_RETRY_BASE_SECONDS = float(os.environ.get("NEWSLETTER_RETRY_BASE_SECONDS", "30"))
# Sign-ups accepted per client IP and per address domain in each window (seconds); 0 = no limit.
NEWSLETTER_RATE_LIMIT_IP = int(os.environ.get("NEWSLETTER_RATE_LIMIT_IP", "10"))
NEWSLETTER_RATE_LIMIT_DOMAIN = int(os.environ.get("NEWSLETTER_RATE_LIMIT_DOMAIN", "100"))
NEWSLETTER_RATE_WINDOW = int(os.environ.get("NEWSLETTER_RATE_WINDOW", "3600"))
# The circuit breaker: this many recipients refused in a row (5xx to RCPT TO) pause the issue
# instead of bouncing them all; 0 turns it off.
NEWSLETTER_BREAKER_THRESHOLD = int(os.environ.get("NEWSLETTER_BREAKER_THRESHOLD", "20"))
# Tests that start a real worker process need a database that process can open: SQLite's test
# database is then a file (named by DJANGO_TEST_SQLITE_NAME) instead of shared memory.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("DJANGO_TEST_SQLITE_NAME", str(BASE_DIR / ".test-db.sqlite3"))
    }
