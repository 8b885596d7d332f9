"""Sign-up rate limits: per client IP and per address domain, so no one can flood a mailbox (or a
whole mail domain) with confirmation requests from our server.

Counts live in Django's cache in fixed windows of ``NEWSLETTER_RATE_WINDOW`` seconds: with Redis
(``REDIS_URL``) every web process shares them, and ``incr`` is atomic there. A limit of 0 turns
that limit off. The per-address rule (one confirmation mail an hour) is the subscriber's own:
``Subscriber.claim_confirmation_slot``.
"""

import time

from django.conf import settings
from django.core.cache import cache


def _count(key, window, now):
    """This window's count for ``key``, this hit included, and the seconds the window has left."""
    start = int(now // window) * window
    bucket = f"newsletter:rate:{key}:{start}"
    # add() starts the window's count; incr() never extends its expiry.
    if cache.add(bucket, 1, window):
        count = 1
    else:
        try:
            count = cache.incr(bucket)
        except ValueError:  # expired between add() and incr()
            cache.add(bucket, 1, window)
            count = 1
    return count, max(1, int(start + window - now))


def sign_up_refusal(ip, email):
    """Count a sign-up. ``None`` when it may go ahead; otherwise ``(message, retry_after)``: why
    not, in words for the reader, and in how many seconds to try again."""
    window = settings.NEWSLETTER_RATE_WINDOW
    now = time.time()
    domain = email.rpartition("@")[2].strip().lower()
    checks = [
        (settings.NEWSLETTER_RATE_LIMIT_IP, f"ip:{ip}", "from your network", ip),
        (
            settings.NEWSLETTER_RATE_LIMIT_DOMAIN,
            f"domain:{domain}",
            f"for addresses at {domain}",
            domain,
        ),
    ]
    for limit, key, who, value in checks:
        if not limit or not value:
            continue
        count, retry_after = _count(key, window, now)
        if count > limit:
            minutes = max(1, round(retry_after / 60))
            return (
                f"Too many sign-ups {who} in a short time. Please try again in {minutes} "
                f"minute{'s' if minutes != 1 else ''}: what you typed is kept below.",
                retry_after,
            )
    return None
