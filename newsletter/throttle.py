"""Sign-up rate limits: per client IP and per address domain, so no one can flood a mailbox (or a
whole mail domain) with confirmation requests from our server.

Counts go through ``newsroom.ratelimit`` (the site's one counter, in the cache) in windows of
``NEWSLETTER_RATE_WINDOW`` seconds, opened by a key's first sign-up. A limit of 0 turns that
limit off. The per-address rule (one confirmation mail an hour) is the subscriber's own:
``Subscriber.claim_confirmation_slot``.
"""

from django.conf import settings

from newsroom import ratelimit

SCOPE = "newsletter-signup"


def sign_up_refusal(ip, email):
    """Count a sign-up. ``None`` when it may go ahead; otherwise ``(message, retry_after)``: why
    not, in words for the reader, and in how many seconds to try again."""
    window = settings.NEWSLETTER_RATE_WINDOW
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
        if ratelimit.hit(SCOPE, key, window) > limit:
            retry_after = ratelimit.retry_after(SCOPE, key, window)
            minutes = max(1, round(retry_after / 60))
            return (
                f"Too many sign-ups {who} in a short time. Please try again in {minutes} "
                f"minute{'s' if minutes != 1 else ''}: what you typed is kept below.",
                retry_after,
            )
    return None
