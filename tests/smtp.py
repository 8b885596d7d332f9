"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, on a free port, that keeps what it is
sent and, told to, refuses as real servers do (at RCPT TO, MAIL FROM, DATA, or by hanging up).
The ``smtp_server`` fixture (tests/conftest.py) starts one; the newsletter's tests add servers
that refuse logins and connections."""

import email
import email.policy
import socket
import threading
from collections import Counter


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RecordingHandler:
    """Keeps every accepted message. Told to, it answers with a refusal instead:

    - ``reject``: address -> SMTP reply (or a callable giving one, or None) for its RCPT TO;
    - ``reject_every_recipient``: a reply for every RCPT TO (a relay that refuses us);
    - ``reject_sender``: a reply for every MAIL FROM, e.g. ``"550 ..."``;
    - ``reject_data``: a reply for every message, e.g. ``"552 Message too large"``;
    - ``hang_up_at_data``: how many messages to answer by closing the connection.
    """

    def __init__(self):
        self.messages = []
        self.envelopes = []  # (MAIL FROM address, its options) of each accepted message
        self.reject = {}
        self.reject_every_recipient = None
        self.reject_sender = None
        self.reject_data = None
        self.hang_up_at_data = 0
        self.rcpt_count = 0
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
        self.rcpt_count += 1
        if self.reject_every_recipient:
            return self.reject_every_recipient
        reply = self.reject.get(address.lower())
        if reply:
            if callable(reply):
                reply = reply()
            if reply:
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.hang_up_at_data:
            self.hang_up_at_data -= 1
            server.transport.close()
            return "421 4.3.2 Closing the connection"
        if self.reject_data:
            return self.reject_data
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


def point_mailers_at(settings, port, **options):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10, **options},
        }
    }
