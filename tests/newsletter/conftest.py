"""A real SMTP server (aiosmtpd on 127.0.0.1, a free port) that the sending tests mail to."""

import email
import email.policy
import socket
import threading
from collections import Counter

import pytest
from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """Keeps every accepted message; ``reject`` maps an address to an SMTP reply for RCPT."""

    def __init__(self):
        self.messages = []
        self.envelopes = []  # (MAIL FROM address, its options) of each accepted message
        self.reject = {}
        self.reject_sender = None  # an SMTP reply for every MAIL FROM, e.g. "550 ..."
        self.connections = 0
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.reject_sender:
            return self.reject_sender
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.reject.get(address.lower())
        if reply:
            if callable(reply):
                reply = reply()
            if reply:
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.content))
            self.envelopes.append((envelope.mail_from, list(envelope.mail_options)))
        return "250 Message accepted for delivery"

    @property
    def count(self):
        with self.lock:
            return len(self.messages)

    def recipients(self):
        with self.lock:
            return Counter(addr.lower() for rcpts, _ in self.messages for addr in rcpts)

    def parsed(self):
        with self.lock:
            return [
                email.message_from_bytes(raw, policy=email.policy.default)
                for _, raw in self.messages
            ]

    def raw(self):
        with self.lock:
            return [raw for _, raw in self.messages]


@pytest.fixture
def smtp_server(settings):
    """A running SMTP server; ``MAILERS`` points at it for the test."""
    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    handler.port = port
    yield handler
    controller.stop()
