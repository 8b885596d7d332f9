"""Signed tokens for the links in newsletter mail: one salt per purpose, so a link does one thing.

Confirmation links use Django's ``TimestampSigner`` (they expire). Unsubscribe and manage links are
made for every recipient of every issue and sit in the ``List-Unsubscribe`` header, so they are
short: ``<pk>-<22 characters of HMAC-SHA256>``, and they never expire.
"""

import functools
import hashlib
import hmac
import re
from datetime import timedelta

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "newsletter.confirm"
UNSUBSCRIBE_SALT = "newsletter.unsubscribe"
MANAGE_SALT = "newsletter.manage"
CONFIRMATION_MAX_AGE = timedelta(days=7)


@functools.lru_cache(maxsize=32)
def _hmac_key(salt, secret):
    # Derived as django.core.signing does (salted_hmac), once per salt and secret rather than
    # for every token: tokens are made for every recipient of every issue.
    return hashlib.sha256(f"{salt}signer{secret}".encode()).digest()


def short_sign(salt, value, secret=None):
    """``<pk>-<signature>``: a personal-link token. The signature is HMAC-SHA256 cut to 22
    base64 characters (132 bits, far beyond guessing), so links and the List-Unsubscribe header
    stay short."""
    key = _hmac_key(salt, secret or settings.SECRET_KEY)
    digest = hmac.digest(key, str(value).encode(), "sha256")
    return f"{value}-{signing.b64_encode(digest).decode()[:22]}"


# A primary key: ASCII digits only (str.isdigit() also takes "²", which int() refuses), and no
# more of them than a bigint holds (int() refuses more than 4,300).
_PK = re.compile(r"[0-9]{1,19}")


def short_unsign(salt, token):
    """The primary key a ``short_sign`` token carries; ``signing.BadSignature`` otherwise."""
    # The value is a primary key (digits); the signature may itself contain "-".
    value, _, signature = str(token).partition("-")
    if not _PK.fullmatch(value) or len(signature) != 22:
        raise signing.BadSignature("Malformed token")
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        if signing.constant_time_compare(short_sign(salt, value, secret), token):
            return value
    raise signing.BadSignature("Signature does not match")


def confirmation_token(pk):
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(str(pk))


def confirmation_pk(token):
    """The primary key a confirmation token names; ``signing.BadSignature`` (or its
    ``SignatureExpired`` subclass) when it is tampered with or older than 7 days."""
    return signing.TimestampSigner(salt=CONFIRM_SALT).unsign(token, max_age=CONFIRMATION_MAX_AGE)
