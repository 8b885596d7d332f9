"""Who is asking: the reader's IP address, read the same way by every part of the site.

Rate limits, consent records and comment moderation all need the client's address. Behind a
reverse proxy ``REMOTE_ADDR`` is the proxy, so a deployment names the header its proxy sets
(``CLIENT_IP_HEADER``, e.g. ``HTTP_X_FORWARDED_FOR``) and how many proxies it trusts
(``CLIENT_IP_PROXY_COUNT``). Nothing else is believed: without the setting a forged header is
ignored, and with it only the entry our own proxies appended is read, never one the client sent.
"""

import ipaddress

from django.conf import settings


def _parse(value):
    try:
        # A forged header must not reach an inet column: PostgreSQL would refuse the row.
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request):
    """The client's IP address as a string, or ``None`` when it cannot be known."""
    header = settings.CLIENT_IP_HEADER
    if header == "REMOTE_ADDR":
        return _parse(request.META.get("REMOTE_ADDR", ""))
    value = request.META.get(header, "")
    if not value:
        return _parse(request.META.get("REMOTE_ADDR", ""))
    # X-Forwarded-For lists the client first and each proxy appends the address it saw: the
    # entry our nearest trusted proxies wrote is the one counted from the right.
    entries = [entry for entry in value.split(",") if entry.strip()]
    count = max(1, settings.CLIENT_IP_PROXY_COUNT)
    if len(entries) < count:
        return None
    return _parse(entries[-count])
