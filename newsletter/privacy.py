"""What is kept of a reader's IP address with their consent record."""

import ipaddress


def anonymise_ip(address, mode):
    """The IP kept with a consent record: ``full``, ``anonymised`` (network part only) or
    ``none``, per the ``NEWSLETTER_CONSENT_IP`` privacy setting."""
    if not address or mode == "none":
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if mode == "full":
        return str(ip)
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)
