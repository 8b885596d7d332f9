"""The admin's login page, throttled: guessing passwords costs the guesser, not the site.

Failed logins are counted twice in the shared cache (``newsroom.ratelimit``, so the counts hold
across every web process with Redis): per client IP and per account name typed. Once either has
``ADMIN_LOGIN_RATE_LIMIT`` failures in its ``ADMIN_LOGIN_RATE_WINDOW``, further attempts get a
429 with ``Retry-After`` before any password is checked. The refusal reads the same whether the
account exists or not (an unknown name is counted like a known one), and a successful login
resets nothing: the owner logging in from the office does not clear what an attacker's address
has used up.
"""

import hashlib
import math

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.template.response import TemplateResponse

from newsroom import ratelimit
from newsroom.clients import client_ip

IP_SCOPE = "admin-login:ip"
ACCOUNT_SCOPE = "admin-login:account"


def _account_key(username):
    # Hashed: a typed name can be any length or character, a cache key cannot.
    return hashlib.sha256(username.strip().casefold().encode()).hexdigest()


def counted_keys(request, username):
    """The (scope, key) pairs a login attempt counts against."""
    return [(IP_SCOPE, client_ip(request) or "unknown"), (ACCOUNT_SCOPE, _account_key(username))]


def refusal(request, keys):
    """A 429 answer if any of ``keys`` has used up its failures, else ``None``."""
    limit, window = settings.ADMIN_LOGIN_RATE_LIMIT, settings.ADMIN_LOGIN_RATE_WINDOW
    full = [key for key in keys if ratelimit.count(*key, window) >= limit]
    if not limit or not full:
        return None
    retry_after = max(ratelimit.retry_after(*key, window) for key in full)
    context = {
        **admin.site.each_context(request),
        "title": "Log in",
        "app_path": request.get_full_path(),
        "form": AdminAuthenticationForm(request),
        "retry_minutes": max(1, math.ceil(retry_after / 60)),
    }
    response = TemplateResponse(request, "admin/login_throttled.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def count_failure(keys):
    for key in keys:
        ratelimit.hit(*key, settings.ADMIN_LOGIN_RATE_WINDOW)
