"""One reading of the client's address for the whole site (newsroom.clients)."""

import pytest
from django.test import RequestFactory

from newsroom.clients import client_ip


def request_with(**meta):
    return RequestFactory().get("/", **meta)


def test_remote_addr_by_default_and_a_forwarded_header_is_ignored(settings):
    settings.CLIENT_IP_HEADER = "REMOTE_ADDR"
    request = request_with(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_ip(request) == "198.51.100.7"


@pytest.mark.parametrize(
    ("header", "proxies", "expected"),
    [
        ("203.0.113.9", 1, "203.0.113.9"),
        # A client that sends its own X-Forwarded-For cannot choose the address we read.
        ("6.6.6.6, 203.0.113.9", 1, "203.0.113.9"),
        ("203.0.113.9, 10.0.0.2", 2, "203.0.113.9"),
        ("10.0.0.2", 2, None),
        ("not-an-address", 1, None),
        ("2001:db8::1", 1, "2001:db8::1"),
    ],
)
def test_behind_proxies_the_entry_they_appended_is_read(settings, header, proxies, expected):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.CLIENT_IP_PROXY_COUNT = proxies
    assert client_ip(request_with(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=header)) == expected


def test_a_missing_proxy_header_falls_back_to_the_connection(settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    assert client_ip(request_with(REMOTE_ADDR="10.0.0.1")) == "10.0.0.1"


def test_garbage_in_remote_addr_gives_none(settings):
    settings.CLIENT_IP_HEADER = "REMOTE_ADDR"
    assert client_ip(request_with(REMOTE_ADDR="bogus")) is None
