import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from newsroom import cache


@pytest.fixture
def purged():
    """The page paths purged from the page cache (on commit), in order."""
    paths = []

    def record(purged_paths):
        paths.extend(purged_paths)

    cache.register_purger(record)
    yield paths
    cache.unregister_purger(record)


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1, with MAILERS pointing at it; yields the messages."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    received = []

    class Collect(Message):
        def handle_message(self, message):
            received.append(message)

    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port},
        }
    }
    yield received
    controller.stop()


@pytest.fixture
def known_as():
    """``known_as(client, email)``: the client's browser posted with ``email`` before (it holds
    the signed author cookie the site sets when someone comments)."""
    from django.http import HttpResponse

    from comments.readers import AUTHOR_COOKIE, remember_author

    def give(client, email):
        response = HttpResponse()
        remember_author(response, email)
        client.cookies[AUTHOR_COOKIE] = response.cookies[AUTHOR_COOKIE].value
        return client

    return give
